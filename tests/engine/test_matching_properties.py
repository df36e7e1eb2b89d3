"""Property tests of the matcher against a brute-force reference model of the semantics.

The reference flattens a pattern into (leaf, value) constraints, checks structure and literals,
and requires every occurrence of a variable to hold deeply equal JSON values (a boolean never
equals a number). Combinations are found by enumerating every assignment of records to
patterns. Neither shares code with accord.engine.matching.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typing_extensions import TypedDict

from accord import Concept, action, query
from accord.engine._index import SyncIndex
from accord.engine.matching import (
    Frame,
    UnboundVariable,
    combinations,
    match_pattern,
    match_value,
    run_where,
)
from accord.records import Record
from accord.sync.model import (
    Bind,
    Collect,
    Filter,
    Optional,
    Pattern,
    QueryCall,
    Sync,
    Var,
    WhereClause,
)

VARS = [Var("x"), Var("y"), Var("z")]
KEYS = ["a", "b", "c"]


class Out(TypedDict):
    a: Any


class Row(TypedDict):
    k: Any
    u: Any
    v: Any


class A(Concept):
    @action
    def x(self, a: Any = None, b: Any = None, c: Any = None) -> Out:
        return {"a": a}

    @action
    def y(self, a: Any = None, b: Any = None, c: Any = None) -> Out:
        return {"a": a}

    @query
    def rows(self, k: Any) -> list[Row]:
        return []


# -- the reference model ----------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Deep JSON equality in which booleans and numbers are different values."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return (
            isinstance(a, Mapping)
            and isinstance(b, Mapping)
            and a.keys() == b.keys()
            and all(same(a[k], b[k]) for k in a)
        )
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return (
            isinstance(a, list | tuple)
            and isinstance(b, list | tuple)
            and len(a) == len(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    return bool(a == b)


def constraints(pattern: Any, actual: Any) -> list[tuple[Any, Any]] | None:
    """(leaf, value) pairs of a pattern laid over a value; None where the structure is absent."""
    if isinstance(pattern, Var):
        return [(pattern, actual)]
    if isinstance(pattern, Mapping):
        if not isinstance(actual, Mapping) or not set(pattern) <= set(actual):
            return None
        pairs: list[tuple[Any, Any]] = []
        for key in pattern:
            sub = constraints(pattern[key], actual[key])
            if sub is None:
                return None
            pairs += sub
        return pairs
    if isinstance(pattern, list | tuple):
        if not isinstance(actual, list | tuple) or len(actual) != len(pattern):
            return None
        pairs = []
        for p, a in zip(pattern, actual, strict=True):
            sub = constraints(p, a)
            if sub is None:
                return None
            pairs += sub
        return pairs
    return [(pattern, actual)]


def solve(pairs: list[tuple[Any, Any]] | None, frame: Frame) -> Frame | None:
    """The frame satisfying every constraint, extending ``frame``; None if there is none."""
    if pairs is None:
        return None
    result = dict(frame)
    for leaf, value in pairs:
        if not isinstance(leaf, Var):
            if not same(leaf, value):
                return None
        elif leaf in result:
            if not same(result[leaf], value):
                return None
        else:
            result[leaf] = value
    return result


def ref_match(pattern: Any, actual: Any, frame: Frame) -> Frame | None:
    return solve(constraints(pattern, actual), frame)


def ref_pattern(pattern: Pattern, record: Record, frame: Frame) -> Frame | None:
    ins, outs = (
        constraints(pattern.inputs, record.input),
        constraints(pattern.outputs, record.output),
    )
    return None if ins is None or outs is None else solve(ins + outs, frame)


def ref_combinations(
    when: Sequence[Pattern], position: int, new: Record, flow: Sequence[Record]
) -> list[tuple[tuple[int, ...], Frame]]:
    found = []
    for chosen in itertools.product(flow, repeat=len(when)):
        if chosen[position] is not new or len({r.id for r in chosen}) < len(chosen):
            continue
        if any(
            r.key != (p.action.concept, p.action.name) for p, r in zip(when, chosen, strict=True)
        ):
            continue
        pairs: list[tuple[Any, Any]] = []
        for p, r in zip(when, chosen, strict=True):
            ins, outs = constraints(p.inputs, r.input), constraints(p.outputs, r.output)
            if ins is None or outs is None:
                break
            pairs += ins + outs
        else:
            frame = solve(pairs, {})
            if frame is not None:
                found.append((tuple(r.id for r in chosen), frame))
    return found


# -- strategies -------------------------------------------------------------------------------

leaves = st.one_of(st.none(), st.booleans(), st.integers(0, 2), st.sampled_from(["p", "q"]))
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=6,
)
variables = st.sampled_from(VARS)
patterns = st.recursive(
    leaves | variables,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=2)
    ),
    max_leaves=5,
)
records_fields = st.dictionaries(st.sampled_from(KEYS), values, max_size=3)
pattern_fields = st.dictionaries(st.sampled_from(KEYS), patterns, max_size=2)
frames = st.dictionaries(variables, values, max_size=2)
actions = st.sampled_from([A.x, A.y])


@st.composite
def flows(draw: st.DrawFn) -> list[Record]:
    count = draw(st.integers(1, 5))
    return [
        Record(i + 1, 1, "A", draw(actions).name, draw(records_fields), output=draw(records_fields))
        for i in range(count)
    ]


when_patterns = st.builds(Pattern, actions, pattern_fields, pattern_fields)


def canonical(found: Sequence[tuple[tuple[int, ...], Frame]]) -> list[tuple[tuple[int, ...], str]]:
    return sorted((ids, repr(sorted((v.name, repr(x)) for v, x in f.items()))) for ids, f in found)


def same_frame(a: Frame | None, b: Frame | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.keys() == b.keys() and all(same(a[v], b[v]) for v in a)


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=300)
@given(patterns, values, frames)
def test_match_value_agrees_with_the_reference(pattern: Any, actual: Any, frame: Frame) -> None:
    expected = ref_match(pattern, actual, frame)
    got = match_value(pattern, actual, frame)
    assert same_frame(got, expected), (pattern, actual, frame, got, expected)


@settings(max_examples=200)
@given(values, values)
def test_a_bound_variable_matches_exactly_the_equal_values(bound: Any, actual: Any) -> None:
    x = VARS[0]
    assert (match_value(x, actual, {x: bound}) is not None) == same(bound, actual)


@settings(max_examples=150)
@given(when_patterns, records_fields, records_fields, frames)
def test_match_pattern_agrees_with_the_reference(
    pattern: Pattern, inputs: dict[str, Any], outputs: dict[str, Any], frame: Frame
) -> None:
    record = Record(1, 1, "A", pattern.action.name, inputs, output=outputs)
    assert same_frame(match_pattern(pattern, record, frame), ref_pattern(pattern, record, frame))


def filled(pattern: Any, bindings: dict[Var, Any], extra: dict[str, Any]) -> Any:
    """A value the pattern matches: its variables replaced, records given extra keys."""
    if isinstance(pattern, Var):
        return bindings[pattern]
    if isinstance(pattern, dict):
        return {**extra, **{k: filled(v, bindings, extra) for k, v in pattern.items()}}
    if isinstance(pattern, list):
        return [filled(v, bindings, extra) for v in pattern]
    return pattern


@st.composite
def records_like(draw: st.DrawFn, when: list[Pattern]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Record fields built from one of the patterns (so that matches are common), or random."""
    if draw(st.booleans()):
        return draw(records_fields), draw(records_fields)
    pattern = draw(st.sampled_from(when))
    bindings = {v: draw(values) for v in VARS}
    extra = draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=1))
    return (
        filled(dict(pattern.inputs), bindings, extra),
        filled(dict(pattern.outputs), bindings, extra),
    )


@settings(max_examples=300)
@given(st.lists(when_patterns, min_size=1, max_size=6), st.data())
def test_the_sync_index_offers_every_pattern_that_matches(
    when: list[Pattern], data: st.DataObject
) -> None:
    inputs, outputs = data.draw(records_like(when))
    # One single-pattern sync per pattern; the index may leave out only patterns that cannot
    # match the record (its literal and record pre-checks must agree with the matcher).
    syncs = [Sync(f"s{i}", when=[p], then=[]) for i, p in enumerate(when)]
    index = SyncIndex(syncs)
    for name in ("x", "y"):
        record = Record(1, 1, "A", name, inputs, output=outputs)
        offered = {sync.name for sync, _ in index.candidates(record)}
        matching = {
            s.name
            for s in syncs
            if s.when[0].action.name == name and ref_pattern(s.when[0], record, {}) is not None
        }
        assert matching <= offered


@settings(max_examples=150)
@given(st.lists(when_patterns, min_size=1, max_size=3), flows(), st.data())
def test_combinations_are_exactly_the_consistent_assignments(
    when: list[Pattern], flow: list[Record], data: st.DataObject
) -> None:
    def candidates(pattern: Pattern) -> list[Record]:
        return [r for r in flow if r.key == (pattern.action.concept, pattern.action.name)]

    # The engine evaluates a sync for a new completion at the positions of its action only.
    position = data.draw(st.integers(0, len(when) - 1))
    assume(candidates(when[position]))
    new = data.draw(st.sampled_from(candidates(when[position])))

    got = list(combinations(when, position, new, candidates))
    ids = [tuple(r.id for r in matched) for _, matched in got]
    assert len(ids) == len(set(ids)), "a combination was produced twice"
    assert canonical([(i, f) for i, (f, _) in zip(ids, got, strict=True)]) == canonical(
        ref_combinations(when, position, new, flow)
    )


# -- where -------------------------------------------------------------------------------------

Table = list[dict[str, Any]]
PREDICATES: dict[str, Callable[..., bool]] = {
    "truthy": bool,
    "is_int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "equal": lambda a, b: same(a, b),
}


def ref_rows(call: QueryCall, frame: Frame, table: Table) -> Table:
    key = call.inputs["k"]
    if isinstance(key, Var):
        if key not in frame:
            raise UnboundVariable(key.name)
        key = frame[key]
    return [row for row in table if same(row["k"], key)]


def ref_where(clauses: Sequence[WhereClause], frame: Frame, table: Table) -> list[Frame]:
    frames = [frame]
    for clause in clauses:
        result: list[Frame] = []
        for f in frames:
            if isinstance(clause, QueryCall):
                result += [
                    m
                    for row in ref_rows(clause, f, table)
                    if (m := ref_match(clause.outputs, row, f)) is not None
                ]
            elif isinstance(clause, Optional):
                rows = ref_rows(clause.query, f, table)
                found = [
                    m for r in rows if (m := ref_match(clause.query.outputs, r, f)) is not None
                ]
                unbound = {v: None for v in clause.query.outputs.values() if isinstance(v, Var)}
                result += found or [{**unbound, **f}]
            elif isinstance(clause, Collect):
                outs = clause.query.outputs
                kept = [
                    r
                    for r in ref_rows(clause.query, f, table)
                    if all(same(r[k], v) for k, v in outs.items() if not isinstance(v, Var))
                ]
                named = {k: v for k, v in outs.items() if isinstance(v, Var)}
                if named:
                    kept = [{v.name: r[k] for k, v in named.items()} for r in kept]
                result.append({**f, clause.into: kept})
            elif isinstance(clause, Filter):
                if any(v not in f for v in clause.uses):
                    raise UnboundVariable("filter")
                if clause.predicate(*(f[v] for v in clause.uses)):
                    result.append(f)
            elif isinstance(clause, Bind):
                if any(v not in f for v in clause.uses):
                    raise UnboundVariable("bind")
                result.append({**f, clause.var: clause.compute(*(f[v] for v in clause.uses))})
        frames = result
    return frames


query_calls = st.builds(
    QueryCall,
    st.just(A.rows),
    st.fixed_dictionaries({"k": variables | st.integers(0, 2)}),
    st.dictionaries(st.sampled_from(["u", "v"]), variables | st.integers(0, 2), max_size=2),
)
clauses: st.SearchStrategy[WhereClause] = st.one_of(
    query_calls,
    st.builds(Optional, query_calls),
    st.builds(Collect, query_calls, variables),
    st.sampled_from(["truthy", "is_int"]).flatmap(
        lambda name: st.builds(Filter, st.just(PREDICATES[name]), st.tuples(variables))
    ),
    st.builds(Filter, st.just(PREDICATES["equal"]), st.tuples(variables, variables)),
    st.builds(Bind, variables, st.just(lambda v: [v]), st.tuples(variables)),
    st.builds(Bind, variables, st.just(lambda: 1)),
)
tables = st.lists(
    st.fixed_dictionaries(
        {"k": st.integers(0, 2), "u": st.integers(0, 2) | st.booleans(), "v": leaves}
    ),
    max_size=5,
)


@settings(max_examples=250)
@given(st.lists(clauses, max_size=4), frames, tables)
def test_run_where_agrees_with_the_reference(
    where: list[WhereClause], frame: Frame, table: Table
) -> None:
    def run_query(call: QueryCall, inputs: dict[str, Any]) -> Table:
        return [row for row in table if same(row["k"], inputs["k"])]

    try:
        expected: list[Frame] | type[UnboundVariable] = ref_where(where, frame, table)
    except UnboundVariable:
        expected = UnboundVariable
    try:
        got: list[Frame] | type[UnboundVariable] = run_where(where, frame, run_query)
    except UnboundVariable:
        got = UnboundVariable
    if isinstance(expected, list) and isinstance(got, list):
        assert len(got) == len(expected)
        assert all(same_frame(g, e) for g, e in zip(got, expected, strict=True)), (got, expected)
    else:
        assert got is expected

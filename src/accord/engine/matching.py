"""Matching: ``when`` patterns against completions, ``where`` over frames, ``then`` arguments.

Pure functions over records and frames (dicts from :class:`Var` to values), so that the
semantics can be tested against a reference model independently of storage and scheduling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from accord.records import Record
from accord.sync.model import Bind, Collect, Filter, Optional, Pattern, QueryCall, Var, WhereClause

__all__ = [
    "Frame",
    "UnboundVariable",
    "combinations",
    "compile_where",
    "match_pattern",
    "match_value",
    "run_where",
    "same_value",
    "substitute",
]

Frame = dict[Var, Any]
RunQuery = Callable[[QueryCall, dict[str, Any]], list[dict[str, Any]]]


class UnboundVariable(LookupError):
    """A variable was used before anything bound it."""


def same_value(expected: Any, actual: Any) -> bool:
    """Equality as patterns see it: ``True`` is not ``1``, also inside records and lists."""
    return expected == actual and _same_kinds(expected, actual)


def _same_kinds(expected: Any, actual: Any) -> bool:
    """Whether two values already known to be ``==`` hold booleans in the same places."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool)
    if isinstance(expected, dict):  # == held, so actual is a dict with the same keys
        return all(_same_kinds(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list | tuple):
        return all(_same_kinds(e, a) for e, a in zip(expected, actual, strict=True))
    return True


def match_value(pattern: Any, actual: Any, frame: Frame) -> Frame | None:
    """Match a (possibly nested) pattern value; returns the extended frame or None.

    Records match partially (only the named keys, which must be present); lists match
    element-wise; a variable binds on first use and must be equal afterwards.
    """
    bound = dict(frame)
    return bound if _match_into(pattern, actual, bound) else None


def _match_into(pattern: Any, actual: Any, frame: Frame) -> bool:
    # Binds into ``frame`` in place: callers pass a copy, so a failed match costs one copy
    # in all rather than one per variable.
    if isinstance(pattern, Var):
        if pattern in frame:
            return same_value(frame[pattern], actual)
        frame[pattern] = actual
        return True
    if isinstance(pattern, dict):  # dict, not Mapping: the ABC check is slow on this hot path
        if not isinstance(actual, dict):
            return False
        for key, sub in pattern.items():
            if key not in actual or not _match_into(sub, actual[key], frame):
                return False
        return True
    if isinstance(pattern, list | tuple):
        if not isinstance(actual, list | tuple) or len(actual) != len(pattern):
            return False
        return all(_match_into(sub, item, frame) for sub, item in zip(pattern, actual, strict=True))
    return same_value(pattern, actual)


def match_pattern(pattern: Pattern, record: Record, frame: Frame) -> Frame | None:
    """Match a ``when`` pattern against a completed record."""
    assert record.output is not None
    bound = dict(frame)
    if _match_into(pattern.inputs, record.input, bound) and _match_into(
        pattern.outputs, record.output, bound
    ):
        return bound
    return None


def combinations(
    when: Sequence[Pattern],
    position: int,
    new: Record,
    candidates: Callable[[Pattern], Sequence[Record]],
) -> Iterator[tuple[Frame, tuple[Record, ...]]]:
    """Every way to match all ``when`` patterns that uses ``new`` at ``position``.

    ``candidates(pattern)`` lists the completions of the pattern's action in the flow. Each
    pattern is filled by a distinct record. Yields the frame and the records in pattern order.
    """
    first = match_pattern(when[position], new, {})
    if first is None:
        return
    if len(when) == 1:  # the common case: no join
        yield first, (new,)
        return
    others = [i for i in range(len(when)) if i != position]
    chosen: list[Record | None] = [None] * len(when)
    chosen[position] = new

    def extend(k: int, frame: Frame) -> Iterator[tuple[Frame, tuple[Record, ...]]]:
        if k == len(others):
            yield frame, tuple(r for r in chosen if r is not None)
            return
        index = others[k]
        for record in candidates(when[index]):
            if any(r is record for r in chosen):
                continue
            matched = match_pattern(when[index], record, frame)
            if matched is not None:
                chosen[index] = record
                yield from extend(k + 1, matched)
                chosen[index] = None

    yield from extend(0, first)


def substitute(value: Any, frame: Frame) -> Any:
    """Replace the variables in a (possibly nested) value by their bindings."""
    if isinstance(value, Var):
        try:
            return frame[value]
        except KeyError:
            raise UnboundVariable(f"variable {value!r} is not bound") from None
    if isinstance(value, dict):
        return {k: substitute(v, frame) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(v, frame) for v in value]
    return value


Plan = Callable[[Frame, RunQuery], list[Frame]]
_Step = Callable[[list[Frame], RunQuery], list[Frame]]


def compile_where(clauses: Sequence[WhereClause]) -> Plan:
    """The ``where`` clauses as a function from one frame to the surviving frames.

    What can be worked out once per sync (which outputs are variables, which literals
    filter rows) is, so evaluating a sync does only the per-frame work.
    """
    steps = [_step(clause) for clause in clauses]

    def run(frame: Frame, run_query: RunQuery) -> list[Frame]:
        # The plan's own copy: steps that keep one frame per frame (bind, collect) extend it in
        # place; every step that fans out or fills in makes fresh frames, so none is shared.
        frames = [dict(frame)]
        for step in steps:
            frames = step(frames, run_query)
            if not frames:
                break
        return frames

    return run


def run_where(clauses: Sequence[WhereClause], frame: Frame, run_query: RunQuery) -> list[Frame]:
    """Map one frame through the ``where`` clauses to the surviving frames."""
    return compile_where(clauses)(frame, run_query)


def _step(clause: WhereClause) -> _Step:
    if isinstance(clause, QueryCall):
        return _query_step(clause)
    if isinstance(clause, Optional):
        return _optional_step(clause)
    if isinstance(clause, Collect):
        return _collect_step(clause)
    if isinstance(clause, Filter):
        return _filter_step(clause)
    return _bind_step(clause)


def _rows(query: QueryCall, frame: Frame, run_query: RunQuery) -> list[Frame]:
    found = []
    for row in run_query(query, substitute(query.inputs, frame)):
        bound = dict(frame)
        if _match_into(query.outputs, row, bound):
            found.append(bound)
    return found


def _query_step(query: QueryCall) -> _Step:
    def step(frames: list[Frame], run_query: RunQuery) -> list[Frame]:
        return [out for f in frames for out in _rows(query, f, run_query)]

    return step


def _optional_step(clause: Optional) -> _Step:
    query = clause.query
    outputs = [v for v in query.outputs.values() if isinstance(v, Var)]

    def step(frames: list[Frame], run_query: RunQuery) -> list[Frame]:
        extended: list[Frame] = []
        for f in frames:
            found = _rows(query, f, run_query)
            if not found:
                found = [{**f, **dict.fromkeys(v for v in outputs if v not in f)}]
            extended += found
        return extended

    return step


def _collect_step(clause: Collect) -> _Step:
    query, into = clause.query, clause.into
    literals = {k: v for k, v in query.outputs.items() if not isinstance(v, Var)}
    # With output variables named, a collected row keeps just those fields, renamed to them.
    named = [(key, var.name) for key, var in query.outputs.items() if isinstance(var, Var)]

    def step(frames: list[Frame], run_query: RunQuery) -> list[Frame]:
        for f in frames:
            rows = run_query(query, substitute(query.inputs, f))
            if literals:
                rows = [row for row in rows if _match_into(literals, row, {})]
            if named:
                rows = [{name: row.get(key) for key, name in named} for row in rows]
            # A list of its own: the query's list may be a cached one that others share.
            f[into] = rows if literals or named else list(rows)
        return frames

    return step


def _filter_step(clause: Filter) -> _Step:
    predicate, uses = clause.predicate, clause.uses

    def step(frames: list[Frame], run_query: RunQuery) -> list[Frame]:
        return [f for f in frames if predicate(*_values(f, uses))]

    return step


def _bind_step(clause: Bind) -> _Step:
    var, compute, uses = clause.var, clause.compute, clause.uses

    def step(frames: list[Frame], run_query: RunQuery) -> list[Frame]:
        for f in frames:
            f[var] = compute(*_values(f, uses))
        return frames

    return step


def _values(frame: Frame, uses: tuple[Var, ...]) -> list[Any]:
    try:
        return [frame[v] for v in uses]
    except KeyError as missing:
        raise UnboundVariable(f"variable {missing.args[0]!r} is not bound") from None

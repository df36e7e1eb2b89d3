"""Matching: ``when`` patterns against completions, ``where`` over frames, ``then`` arguments.

Pure functions over records and frames (dicts from :class:`Var` to values), so that the
semantics can be tested against a reference model independently of storage and scheduling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from accord.records import Record
from accord.sync.model import Bind, Collect, Filter, Optional, Pattern, QueryCall, Var, WhereClause

__all__ = [
    "Frame",
    "UnboundVariable",
    "combinations",
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
    if isinstance(pattern, Var):
        if pattern in frame:
            return frame if same_value(frame[pattern], actual) else None
        extended = dict(frame)
        extended[pattern] = actual
        return extended
    if isinstance(pattern, dict):  # dict, not Mapping: the ABC check is slow on this hot path
        if not isinstance(actual, dict):
            return None
        current = frame
        for key, sub in pattern.items():
            if key not in actual:
                return None
            step = match_value(sub, actual[key], current)
            if step is None:
                return None
            current = step
        return current
    if isinstance(pattern, list | tuple):
        if not isinstance(actual, list | tuple) or len(actual) != len(pattern):
            return None
        current = frame
        for sub, item in zip(pattern, actual, strict=True):
            step = match_value(sub, item, current)
            if step is None:
                return None
            current = step
        return current
    return frame if same_value(pattern, actual) else None


def match_pattern(pattern: Pattern, record: Record, frame: Frame) -> Frame | None:
    """Match a ``when`` pattern against a completed record."""
    assert record.output is not None
    matched = match_value(pattern.inputs, record.input, frame)
    if matched is None:
        return None
    return match_value(pattern.outputs, record.output, matched)


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


def _rows(query: QueryCall, frame: Frame, run_query: RunQuery) -> Iterator[Frame]:
    for row in run_query(query, substitute(query.inputs, frame)):
        matched = match_value(query.outputs, row, frame)
        if matched is not None:
            yield matched


def run_where(clauses: Sequence[WhereClause], frame: Frame, run_query: RunQuery) -> list[Frame]:
    """Map one frame through the ``where`` clauses to the surviving frames."""
    frames = [frame]
    for clause in clauses:
        if isinstance(clause, QueryCall):
            frames = [out for f in frames for out in _rows(clause, f, run_query)]
        elif isinstance(clause, Optional):
            extended: list[Frame] = []
            for f in frames:
                found = list(_rows(clause.query, f, run_query))
                if not found:
                    found = [{**f, **dict.fromkeys(_unbound(clause.query.outputs, f))}]
                extended += found
            frames = extended
        elif isinstance(clause, Collect):
            frames = [
                {
                    **f,
                    clause.into: [
                        _project(row, clause.query) for row in _collect(clause, f, run_query)
                    ],
                }
                for f in frames
            ]
        elif isinstance(clause, Filter):
            frames = [f for f in frames if clause.predicate(*(_get(f, v) for v in clause.uses))]
        elif isinstance(clause, Bind):
            frames = [
                {**f, clause.var: clause.compute(*(_get(f, v) for v in clause.uses))}
                for f in frames
            ]
        if not frames:
            break
    return frames


def _collect(clause: Collect, frame: Frame, run_query: RunQuery) -> Iterator[dict[str, Any]]:
    literals = {k: v for k, v in clause.query.outputs.items() if not isinstance(v, Var)}
    for row in run_query(clause.query, substitute(clause.query.inputs, frame)):
        if match_value(literals, row, {}) is not None:
            yield row


def _project(row: dict[str, Any], query: QueryCall) -> dict[str, Any]:
    # With output variables named, a collected row keeps just those fields, renamed to them.
    named = {k: v for k, v in query.outputs.items() if isinstance(v, Var)}
    if not named:
        return row
    return {var.name: row.get(key) for key, var in named.items()}


def _unbound(outputs: Mapping[str, Any], frame: Frame) -> list[Var]:
    return [v for v in outputs.values() if isinstance(v, Var) and v not in frame]


def _get(frame: Frame, var: Var) -> Any:
    try:
        return frame[var]
    except KeyError:
        raise UnboundVariable(f"variable {var!r} is not bound") from None

"""Which syncs to evaluate for a completion: by action, then by literal inputs.

A completion of ``Concept/action`` is tried only against the ``when`` patterns on that action,
so unrelated syncs cost nothing. Many patterns on one action differ by literal inputs (every
HTTP route is a ``Requesting/request`` pattern with its own ``path`` and ``method``): those are
further keyed by the values of those inputs, so a request is tried against its own route's
patterns only. Any other literal inputs of a pattern, and the keys its record inputs require (a
route's path parameters), and the output keys it names (``error`` for a failure pattern), are
checked before the pattern is tried at all: matching would refuse a record without them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from accord.engine.matching import same_value
from accord.records import Record
from accord.sync.model import Sync

__all__ = ["SyncIndex"]

# (registration order, sync, pattern position, the top-level literal inputs left to check, the
# keys required of its top-level record inputs, the output keys it names)
Entry = tuple[
    int,
    Sync,
    int,
    tuple[tuple[str, Hashable], ...],
    tuple[tuple[str, frozenset[str]], ...],
    frozenset[str],
]


@dataclass(slots=True)
class _ActionEntries:
    always: list[Entry] = field(default_factory=list)
    keys: tuple[str, ...] = ()  # the inputs whose literal values select patterns
    by_value: dict[tuple[Hashable, ...], list[Entry]] = field(
        default_factory=lambda: defaultdict(list)
    )


_NOTHING: frozenset[str] = frozenset()


def _literals(inputs: dict[str, Any]) -> dict[str, Hashable]:
    return {k: v for k, v in inputs.items() if isinstance(v, str | int | float | bool)}


class SyncIndex:
    """The (sync, position) pairs worth trying for a new completion, in registration order."""

    def __init__(self, syncs: Iterable[Sync]) -> None:
        patterns: dict[tuple[str, str], list[tuple[Entry, dict[str, Hashable]]]] = defaultdict(list)
        order = 0
        for sync in syncs:
            for position, pattern in enumerate(sync.when):
                action = (pattern.action.concept, pattern.action.name)
                literals = _literals(dict(pattern.inputs))
                shapes = tuple(
                    (k, frozenset(v))
                    for k, v in pattern.inputs.items()
                    if isinstance(v, dict) and v
                )
                outputs = pattern.outputs
                named = frozenset(outputs) if isinstance(outputs, dict) else frozenset()
                entry = (order, sync, position, tuple(literals.items()), shapes, named)
                patterns[action].append((entry, literals))
                order += 1
        self._actions: dict[tuple[str, str], _ActionEntries] = {}
        for action, entries in patterns.items():
            index = _ActionEntries(keys=_choose_keys([literals for _, literals in entries]))
            for (order, sync, position, checks, shapes, named), by_name in entries:
                if index.keys and all(k in by_name for k in index.keys):
                    # Strings are settled by the key; numbers and booleans are checked again,
                    # since a dict lookup takes True for 1 and 1.0.
                    rest = tuple(
                        (k, v) for k, v in checks if k not in index.keys or not isinstance(v, str)
                    )
                    value = tuple(by_name[k] for k in index.keys)
                    index.by_value[value].append((order, sync, position, rest, shapes, named))
                else:
                    index.always.append((order, sync, position, checks, shapes, named))
            # Each value's list holds the patterns without the literals too, in registration
            # order (evaluation order decides record ids), merged once here, not per record.
            for value, selected in index.by_value.items():
                index.by_value[value] = sorted([*index.always, *selected], key=lambda e: e[0])
            self._actions[action] = index

    def candidates(self, record: Record) -> list[tuple[Sync, int]]:
        entries = self._actions.get(record.key)
        if entries is None:
            return []
        inputs = record.input
        output = record.output
        produced = output.keys() if isinstance(output, dict) else _NOTHING
        found = entries.always
        if entries.keys:
            value = tuple(inputs.get(k) for k in entries.keys)
            try:
                found = entries.by_value.get(value, found)
            except TypeError:  # an unhashable value (a list) selects no keyed pattern
                found = entries.always
        return [
            (sync, position)
            for _, sync, position, literals, shapes, named in found
            if named <= produced
            and all(k in inputs and same_value(v, inputs[k]) for k, v in literals)
            and all(_has_keys(inputs.get(k), need) for k, need in shapes)
        ]


def _choose_keys(literals: list[dict[str, Hashable]]) -> tuple[str, ...]:
    """The input with the most distinct literal values (a route's path), then every other
    input that is literal wherever that one is (its method)."""
    distinct: dict[str, set[Hashable]] = defaultdict(set)
    for by_name in literals:
        for k, v in by_name.items():
            distinct[k].add(v)
    if not distinct:
        return ()
    first = max(distinct, key=lambda k: len(distinct[k]))
    keyed = [by_name for by_name in literals if first in by_name]
    more = sorted(k for k in distinct if k != first and all(k in b for b in keyed))
    return (first, *more)


def _has_keys(value: Any, keys: frozenset[str]) -> bool:
    return isinstance(value, dict) and keys <= value.keys()

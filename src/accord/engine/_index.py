"""Which syncs to evaluate for a completion: by action, then by a literal input.

A completion of ``Concept/action`` is tried only against the ``when`` patterns on that action,
so unrelated syncs cost nothing. Many patterns on one action differ by a literal input (every
HTTP route is a ``Requesting/request`` pattern with its own ``path``): those are further keyed
by that literal, so a request is tried against its own routes only. The other literal inputs
of a pattern (a route's method), and the keys its record inputs require (a route's path
parameters), are checked before the pattern is tried at all.
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

# (registration order, sync, pattern position, the pattern's top-level literal inputs, the
# keys required of its top-level record inputs)
Entry = tuple[
    int, Sync, int, tuple[tuple[str, Hashable], ...], tuple[tuple[str, frozenset[str]], ...]
]


@dataclass(slots=True)
class _ActionEntries:
    always: list[Entry] = field(default_factory=list)
    key: str | None = None  # the input whose literal value selects patterns
    by_value: dict[Hashable, list[Entry]] = field(default_factory=lambda: defaultdict(list))


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
                entry = (order, sync, position, tuple(literals.items()), shapes)
                patterns[action].append((entry, literals))
                order += 1
        self._actions: dict[tuple[str, str], _ActionEntries] = {}
        for action, entries in patterns.items():
            # Key on the input with the most distinct literal values (a route's path, not its
            # method): it splits the patterns finest.
            distinct: dict[str, set[Hashable]] = defaultdict(set)
            for _, literals in entries:
                for k, v in literals.items():
                    distinct[k].add(v)
            index = _ActionEntries()
            if distinct:
                index.key = max(distinct, key=lambda k: len(distinct[k]))
            for entry, literals in entries:
                if index.key is not None and index.key in literals:
                    index.by_value[literals[index.key]].append(entry)
                else:
                    index.always.append(entry)
            # Each value's list holds the patterns without the literal too, in registration
            # order (evaluation order decides record ids), merged once here, not per record.
            for value, selected in index.by_value.items():
                index.by_value[value] = sorted([*index.always, *selected], key=lambda e: e[0])
            self._actions[action] = index

    def candidates(self, record: Record) -> list[tuple[Sync, int]]:
        entries = self._actions.get(record.key)
        if entries is None:
            return []
        found = entries.always
        if entries.key is not None:
            value = record.input.get(entries.key)
            if isinstance(value, Hashable):
                found = entries.by_value.get(value, found)
        inputs = record.input
        return [
            (sync, position)
            for _, sync, position, literals, shapes in found
            if all(k in inputs and same_value(v, inputs[k]) for k, v in literals)
            and all(_has_keys(inputs.get(k), need) for k, need in shapes)
        ]


def _has_keys(value: Any, keys: frozenset[str]) -> bool:
    return isinstance(value, dict) and keys <= value.keys()

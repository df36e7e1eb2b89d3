"""Which syncs to evaluate for a completion: by action, then by a literal input.

A completion of ``Concept/action`` is tried only against the ``when`` patterns on that action,
so unrelated syncs cost nothing. Many patterns on one action differ by a literal input (every
HTTP route is a ``Requesting/request`` pattern with its own ``path``): those are further keyed
by that literal, so a request is tried against its own routes only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from accord.records import Record
from accord.sync.model import Sync

__all__ = ["SyncIndex"]

Entry = tuple[int, Sync, int]  # (registration order, sync, pattern position)


@dataclass(slots=True)
class _ActionEntries:
    always: list[Entry] = field(default_factory=list)
    by_literal: dict[str, dict[Hashable, list[Entry]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )


def _discriminator(inputs: dict[str, Any]) -> tuple[str, Hashable] | None:
    for key, value in inputs.items():
        if isinstance(value, str | int | float | bool):
            return key, value
    return None


class SyncIndex:
    """The (sync, position) pairs worth trying for a new completion, in registration order."""

    def __init__(self, syncs: Iterable[Sync]) -> None:
        self._actions: dict[tuple[str, str], _ActionEntries] = defaultdict(_ActionEntries)
        order = 0
        for sync in syncs:
            for position, pattern in enumerate(sync.when):
                entries = self._actions[(pattern.action.concept, pattern.action.name)]
                entry = (order, sync, position)
                order += 1
                literal = _discriminator(dict(pattern.inputs))
                if literal is None:
                    entries.always.append(entry)
                else:
                    entries.by_literal[literal[0]][literal[1]].append(entry)

    def candidates(self, record: Record) -> list[tuple[Sync, int]]:
        entries = self._actions.get(record.key)
        if entries is None:
            return []
        found = list(entries.always)
        for key, by_value in entries.by_literal.items():
            value = record.input.get(key)
            if isinstance(value, Hashable):
                found += by_value.get(value, ())
        if entries.by_literal:
            found.sort(key=lambda e: e[0])  # evaluation order decides record ids: keep it stable
        return [(sync, position) for _, sync, position in found]

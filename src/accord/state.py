"""The handle through which concepts read and write their own state.

Concept state is plain SQL tables in the engine's database, so that an action's state writes
commit in the same transaction as its completion record. SQL uses ``?`` placeholders (or
``:name`` with a mapping); backends translate where their driver differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

__all__ = ["Db", "Params", "Row"]

Params = Sequence[Any] | Mapping[str, Any]
Row = dict[str, Any]


class Db(Protocol):
    """SQL access to the running concept's tables, inside the engine's transaction."""

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a write (or DDL); returns the number of rows changed."""
        ...

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one write for each parameter row."""
        ...

    def one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a read, as a dict, or None."""
        ...

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a read, as dicts."""
        ...

"""Concept SQL sent ahead in a batch on PostgreSQL: many statements, one round trip.

In a batch, the engine runs one action after another on one connection. Waiting for the
server's answer to every statement costs a round trip per step, most of a step's time. A
statement is *sent ahead* only when its outcome cannot be observed before the next read: an
``INSERT ... VALUES (...)`` of one row (it changes exactly one row, or fails), alone or through
``executemany`` (which returns nothing). Such inserts are kept until the batch next needs an
answer from the server; then consecutive ones of the same text go as one multi-row INSERT, in
psycopg's pipeline mode with whatever needs the answer. Reads, and writes whose row count is
unknown, sync: one round trip, with everything kept before them.

A statement sent ahead that fails (a constraint) makes the whole batch fail at its next sync.
The batch is then rolled back and the engine runs it again (:class:`RetryBatch`) on a
transaction that checks each statement as it goes (the store's *strict* mode), so the action
sees its error at the call, as on SQLite. Sync actions may run twice that way, as after a
crash; nothing of the first run was committed. No savepoint is sent in this mode: an action
that fails after writing makes the batch run again strictly, where savepoints are taken.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import psycopg

from accord.state import Db, Params, Row
from accord.store import _pgscope
from accord.store._pgsql import translate
from accord.store.base import RetryBatch

__all__ = [
    "AheadDb",
    "Pipelined",
    "all_rows",
    "first_row",
    "mergeable",
    "one_row_insert",
    "retry",
]


class Pipelined(Protocol):
    """The batch (a transaction in pipeline mode) that an :class:`AheadDb` writes through."""

    def queue(self, sql: str, insert: tuple[str, str], params: Params) -> None:
        """Keep a one-row INSERT until the batch next waits for the server."""

    def send(self, sql: str, params: Params, *, write: bool = True) -> psycopg.Cursor[Any]:
        """Send a statement after those kept; its outcome is known after ``sync``."""

    def send_many(self, sql: str, rows: Sequence[Params]) -> None:
        """Send one statement per row, after those kept."""

    def sync(self) -> None:
        """Wait for the outcome of everything sent."""

    def enter(self, concept: str) -> None:
        """Make ``concept``'s scope (schema and role) the one of what is sent next."""


_INSERT_VALUES = re.compile(
    r'^\s*INSERT\s+INTO\s+(?:"[^"]+"|\w+)(?:\s*\.\s*(?:"[^"]+"|\w+))?\s*'
    r'(?:\(\s*(?:"[^"]+"|\w+)(?:\s*,\s*(?:"[^"]+"|\w+))*\s*\)\s*)?VALUES\s*\(',
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def one_row_insert(sql: str) -> tuple[str, str] | None:
    """``sql`` (as psycopg runs it) split before its row, if it inserts exactly one row when it
    succeeds: an ``INSERT INTO t [(cols)] VALUES (...)`` with nothing after the row (no second
    row, no ``ON CONFLICT``, no ``RETURNING``); else None."""
    head = _INSERT_VALUES.match(sql)
    if head is None:
        return None
    depth, i, n = 1, head.end(), len(sql)
    while i < n and depth:
        c = sql[i]
        if c in "'\"":
            end = sql.find(c, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == c:
                end = sql.find(c, end + 2)
            if end == -1:
                return None
            i = end + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif (c == "-" and sql.startswith("--", i)) or (c == "/" and sql.startswith("/*", i)):
            return None  # a comment: not worth reading past
        i += 1
    if depth or sql[i:].strip() not in ("", ";"):
        return None
    return sql[: head.end() - 1], sql[head.end() - 1 : i]


_SELECT = re.compile(r"\bselect\b", re.IGNORECASE)


def mergeable(row: str) -> bool:
    """Whether rows like ``row`` may go in one multi-row INSERT with the same meaning as one
    INSERT each: not if the row reads a table (a subquery sees the rows inserted before it
    only as a statement of its own)."""
    return _SELECT.search(row) is None


class AheadDb:
    """:class:`accord.state.Db` of a batch in pipeline mode (see the module's docstring).

    With isolated concepts (``scopes``), :meth:`for_concept` gives the handle a concept's
    statements go through: the batch switches to its schema and role before them."""

    def __init__(
        self, tx: Pipelined, *, scopes: _pgscope.Scopes | None = None, concept: str = ""
    ) -> None:
        self._tx = tx
        self._scopes = scopes
        self._concept = concept
        self._scoped: dict[str, AheadDb] = {}

    schema_per_concept = True
    """A concept's tables are made in its own schema: through :meth:`for_concept`."""

    def for_concept(self, concept: str, *, migrating: bool = False) -> Db:
        """This handle as ``concept`` sees it: its schema, as its role (once isolated)."""
        if self._scopes is None:
            return self
        scoped = self._scoped.get(concept)
        if scoped is None:
            scoped = self._scoped[concept] = AheadDb(self._tx, scopes=self._scopes, concept=concept)
        return scoped

    def around(self, db: Db) -> Db:
        """Reads through this handle, writes to ``db`` (an async action's buffered writes)."""
        return _pgscope.Around(self, db)

    def _enter(self, sql: str) -> None:
        if self._scopes is None:
            return
        if self._concept:
            refused = _pgscope.refuse_control(self._concept, sql)
            if refused is not None:
                raise PermissionError(refused)
        self._tx.enter(self._concept)

    def _sync(self, sql: str) -> None:
        try:
            self._tx.sync()
        except psycopg.Error as exc:
            if self._scopes is None or not self._concept:
                raise
            raise self._scopes.refusal(self._concept, sql, exc) or exc from None

    def execute(self, sql: str, params: Params = ()) -> int:
        self._enter(sql)
        text = translate(sql)
        insert = one_row_insert(text)
        if insert is not None:
            self._tx.queue(text, insert, params)
            return 1
        cursor = self._tx.send(text, params)
        self._sync(sql)
        return cursor.rowcount

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self._enter(sql)
        text = translate(sql)
        insert = one_row_insert(text)
        if insert is None:
            self._tx.send_many(text, rows)
            return
        for params in rows:
            self._tx.queue(text, insert, params)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return first_row(self._read(sql, params))

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return all_rows(self._read(sql, params))

    def _read(self, sql: str, params: Params) -> psycopg.Cursor[Any]:
        self._enter(sql)
        cursor = self._tx.send(translate(sql), params, write=False)
        self._sync(sql)
        return cursor


def first_row(cursor: psycopg.Cursor[Any]) -> Row | None:
    """A cursor's first row as a dict (None when it has none)."""
    if cursor.description is None:
        return None
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d.name for d in cursor.description], row, strict=True))


def all_rows(cursor: psycopg.Cursor[Any]) -> list[Row]:
    """A cursor's rows as dicts."""
    if cursor.description is None:
        return []
    names = [d.name for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def retry(reason: str) -> RetryBatch:
    """The exception that makes the engine run the batch again, strictly."""
    return RetryBatch(f"{reason}; the batch runs again with every statement checked")

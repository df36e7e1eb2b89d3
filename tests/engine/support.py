"""Shared helpers of the engine tests: a running engine on a real SQLite file, log summaries.

Under the ``postgres`` parametrization (conftest.py) the same helpers give each database path
a PostgreSQL schema of its own instead: the tests run unchanged on both stores.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from accord import App
from accord.engine import Engine, Record
from accord.store.postgres import PostgresDb, PostgresStore

# (id, "Concept/action", input, output, sync, cause): everything a test asserts about a record
# except timestamps and attempts.
Entry = tuple[int, str, dict[str, Any], dict[str, Any] | None, str | None, tuple[int, ...]]


class PostgresBackend:
    """Test databases as schemas of one PostgreSQL database: one schema per path."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.schemas: dict[Path, str] = {}

    def schema(self, db: Path) -> str:
        return self.schemas.setdefault(db, f"{self.prefix}_{len(self.schemas)}")

    def store(self, db: Path) -> PostgresStore:
        return PostgresStore(self.url, schema=self.schema(db))

    def rows(self, db: Path, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        store = self.store(db)
        with store.connect() as conn:
            return [tuple(row.values()) for row in PostgresDb(conn).all(sql, params)]


BACKEND: PostgresBackend | None = None  # set by conftest.py for the postgres parametrization


def engine_for(app: App, db: Path, **options: Any) -> Engine:
    """An engine on ``db`` (static checks on, as in production)."""
    if BACKEND is not None:
        return Engine(app, store=BACKEND.store(db), **options)
    return Engine(app, db, **options)


@asynccontextmanager
async def running(app: App, db: Path, **options: Any) -> AsyncIterator[Engine]:
    """A started engine, stopped on exit."""
    engine = engine_for(app, db, **options)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


def entries(records: Sequence[Record]) -> list[Entry]:
    """The records as comparable tuples, oldest first."""
    return [(r.id, r.name, r.input, r.output, r.sync, r.cause) for r in records]


def stored_rows(db: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows read straight from the SQLite file, independently of the engine."""
    if BACKEND is not None:
        return BACKEND.rows(db, sql, params)
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# ("Concept/action", input, output, sync, cause): like Entry, with each cause given as its
# position in the same flow's log, so flows can be compared whatever ids they were given. A
# cause outside the flow shows up as None, so a cross-flow match cannot go unnoticed.
Shape = tuple[str, dict[str, Any], dict[str, Any] | None, str | None, tuple[int | None, ...]]


def shape(records: Sequence[Record]) -> list[Shape]:
    """The flow's records with causes as positions in the flow."""
    position = {r.id: i for i, r in enumerate(records)}
    return [
        (r.name, r.input, r.output, r.sync, tuple(position.get(c) for c in r.cause))
        for r in records
    ]

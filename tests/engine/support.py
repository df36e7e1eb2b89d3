"""Shared helpers of the engine tests: a running engine on a real SQLite file, log summaries."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from accord import App
from accord.engine import Engine, Record

# (id, "Concept/action", input, output, sync, cause): everything a test asserts about a record
# except timestamps and attempts.
Entry = tuple[int, str, dict[str, Any], dict[str, Any] | None, str | None, tuple[int, ...]]


def engine_for(app: App, db: Path, **options: Any) -> Engine:
    """An engine on ``db`` (static checks on, as in production)."""
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

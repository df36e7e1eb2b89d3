"""The embedded default store: one SQLite file in WAL mode.

One engine owns the file for writing: :meth:`SqliteStore.claim` takes an OS lock on a sibling
``<db>.lock`` file, refusing a second engine with :class:`StoreLocked`. Readers and
:meth:`SqliteStore.post` need no lock. Durability is ``synchronous=FULL`` by default:
a batch is on disk when ``commit`` returns, before any action it caused can run.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic_core import to_json

from accord.ownership import Ownership
from accord.records import Record
from accord.state import Db, Params, Row
from accord.store._lock import StoreLocked, WriterLock
from accord.store._log import COLUMNS, LogReader, log_row, record_from_row
from accord.store.isolation import Guard, owned

__all__ = ["SqliteDb", "SqliteStore", "StoreLocked"]

LOG_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS actions (
        id INTEGER PRIMARY KEY,
        flow INTEGER NOT NULL,
        concept TEXT NOT NULL,
        action TEXT NOT NULL,
        input TEXT NOT NULL,
        output TEXT,
        sync TEXT,
        cause TEXT NOT NULL DEFAULT '[]',
        attempt INTEGER NOT NULL DEFAULT 1,
        invoked_at REAL NOT NULL,
        completed_at REAL
    )""",
    "CREATE INDEX IF NOT EXISTS actions_flow ON actions(flow, id)",
    "CREATE INDEX IF NOT EXISTS actions_pending ON actions(id) WHERE output IS NULL",
    "CREATE INDEX IF NOT EXISTS actions_name ON actions(concept, action, id)",
    """CREATE TABLE IF NOT EXISTS firings (
        sync TEXT NOT NULL,
        key TEXT NOT NULL,
        flow INTEGER NOT NULL,
        PRIMARY KEY (sync, key)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS firings_flow ON firings(flow)",
    """CREATE TABLE IF NOT EXISTS flow_events (
        flow INTEGER NOT NULL,
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS flow_events_flow ON flow_events(flow)",
    # External stimuli written by other processes (the review CLI, cron jobs): the engine turns
    # each row into a root invocation, deleting it in the same transaction.
    """CREATE TABLE IF NOT EXISTS inbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        flow INTEGER,
        concept TEXT NOT NULL,
        action TEXT NOT NULL,
        input TEXT NOT NULL,
        created_at REAL NOT NULL
    )""",
)


def _names(cursor: sqlite3.Cursor) -> list[str]:
    return [d[0] for d in cursor.description]


def _dumps(value: Any) -> str:
    return to_json(value).decode()


class SqliteDb:
    """:class:`accord.state.Db` over one sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection, guard: Guard | None = None) -> None:
        self._conn = conn
        self._guard = guard
        self._scoped: dict[tuple[str, bool], Db] = {}

    def for_concept(self, concept: str, *, migrating: bool = False) -> Db:
        """This handle as ``concept`` sees it: only its own tables (once the store isolates)."""
        if self._guard is None:
            return self
        key = (concept, migrating)
        scoped = self._scoped.get(key)
        if scoped is None:
            scoped = self._scoped[key] = owned(self._guard, self._conn, self, concept, migrating)
        return scoped

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._conn.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self._conn.executemany(sql, rows)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        cursor = self._conn.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else dict(zip(_names(cursor), row, strict=True))

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        # Column names once per statement, not once per row as a row_factory would.
        cursor = self._conn.execute(sql, params)
        rows = cursor.fetchall()
        if not rows:
            return []
        names = _names(cursor)
        return [dict(zip(names, row, strict=True)) for row in rows]


class _SqliteTransaction:
    def __init__(self, conn: sqlite3.Connection, guard: Guard | None = None) -> None:
        self._conn = conn
        self.db = SqliteDb(conn, guard)
        # By record id: a record completed in the batch that invoked it is written once, whole.
        self._invoked: dict[int, list[Any]] = {}
        self._completed: list[tuple[Any, ...]] = []
        self._fired: list[tuple[str, str, int]] = []
        self._events: list[tuple[int, float, str, str]] = []
        self._depth = 0
        conn.execute("BEGIN IMMEDIATE")

    def savepoint(self) -> None:
        self._depth += 1
        self._conn.execute(f"SAVEPOINT s{self._depth}")

    def release(self) -> None:
        self._conn.execute(f"RELEASE s{self._depth}")
        self._depth -= 1

    def rollback_to(self) -> None:
        self._conn.execute(f"ROLLBACK TO s{self._depth}")
        self._conn.execute(f"RELEASE s{self._depth}")
        self._depth -= 1

    def invoked(self, r: Record, input_json: str | None = None) -> None:
        self._invoked[r.id] = log_row(r, _dumps(r.input) if input_json is None else input_json)

    def completed(self, r: Record, output_json: str | None = None) -> None:
        output = _dumps(r.output) if output_json is None else output_json
        row = self._invoked.get(r.id)
        if row is None:
            self._completed.append((output, r.completed_at, r.id))
        else:
            row[9:] = output, r.completed_at  # the row's last two columns

    def fired(self, sync: str, key: str, flow: int) -> None:
        self._fired.append((sync, key, flow))

    def event(self, flow: int, kind: str, detail: str) -> None:
        self._events.append((flow, time.time(), kind, detail))

    def take_inbox(self, limit: int) -> list[tuple[int | None, str, str, dict[str, Any]]]:
        rows = self._conn.execute(
            "SELECT id, flow, concept, action, input FROM inbox ORDER BY id LIMIT ?", (limit,)
        ).fetchall()
        if rows:
            self._conn.execute("DELETE FROM inbox WHERE id <= ?", (rows[-1][0],))
        return [(flow, concept, action, json.loads(inp)) for _, flow, concept, action, inp in rows]

    def write(self) -> None:
        c = self._conn
        # Log rows are written at the end, in bulk: executemany is several times faster than
        # one statement per record, and order inside one transaction does not matter.
        if self._invoked:
            c.executemany(
                "INSERT INTO actions (id, flow, concept, action, input, sync, cause, attempt, "
                "invoked_at, output, completed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                self._invoked.values(),
            )
        if self._completed:
            c.executemany(
                "UPDATE actions SET output = ?, completed_at = ? WHERE id = ?", self._completed
            )
        if self._fired:
            c.executemany("INSERT INTO firings (sync, key, flow) VALUES (?,?,?)", self._fired)
        if self._events:
            c.executemany("INSERT INTO flow_events VALUES (?,?,?,?)", self._events)
        self._invoked, self._completed, self._fired, self._events = {}, [], [], []

    def commit(self) -> None:
        self.write()
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")


class SqliteStore(LogReader):
    """The action log and concept state in one SQLite database file (WAL)."""

    def __init__(
        self, path: str | Path, *, synchronous: Literal["FULL", "NORMAL", "OFF"] = "FULL"
    ) -> None:
        self.path = str(path)
        self.synchronous = synchronous
        self._conn: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._next_id = 1
        self._ids = threading.Lock()
        # "" is a private temporary database, like ":memory:": nobody else can reach it.
        self._writer = None if self.path in ("", ":memory:") else WriterLock(self.path)
        self._guard: Guard | None = None

    def isolate(self, ownership: Ownership) -> None:
        """From now on, each concept's statements may touch only the tables it owns."""
        self._guard = Guard(ownership)

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the store is not open; start the engine first")
        return self._conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def open(self, schemas: Iterable[str] = ()) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            if self.path != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            conn.execute("PRAGMA cache_size = -65536")
            conn.execute("BEGIN IMMEDIATE")
            for statement in (*LOG_SCHEMA, *schemas):
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.close()  # a bad concept schema must not leave the database write-locked
            raise
        self._conn = conn
        self._reader = conn if self.path == ":memory:" else self._connect()
        (top,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM actions").fetchone()
        self._next_id = top + 1

    def claim(self) -> None:
        """Become the one engine writing this database, until :meth:`close` or the end of the
        process; raise :class:`StoreLocked`, naming the holder, while another engine has it."""
        if self._writer is not None:
            self._writer.acquire()

    def close(self) -> None:
        try:
            for conn in {id(c): c for c in (self._reader, self._conn) if c is not None}.values():
                conn.close()
            self._conn = self._reader = None
        finally:
            if self._writer is not None:
                self._writer.release()

    def next_id(self) -> int:
        with self._ids:
            value = self._next_id
            self._next_id += 1
            return value

    def begin(self) -> _SqliteTransaction:
        return _SqliteTransaction(self.conn, self._guard)

    def post(self, concept: str, action: str, inputs: dict[str, Any], flow: int | None) -> None:
        """Leave a root invocation for the engine that owns this database (from any process)."""
        self.conn.execute(
            "INSERT INTO inbox (flow, concept, action, input, created_at) VALUES (?,?,?,?,?)",
            (flow, concept, action, _dumps(inputs), time.time()),
        )

    def inbox_size(self) -> int:
        (count,) = self._read("SELECT COUNT(*) FROM inbox")[0]
        return int(count)

    def reader(self) -> SqliteDb:
        if self._reader is None:
            raise RuntimeError("the store is not open; start the engine first")
        return SqliteDb(self._reader, self._guard)

    def resume(self) -> list[Record]:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        c.execute("UPDATE actions SET attempt = attempt + 1 WHERE output IS NULL")
        rows = c.execute(f"SELECT {COLUMNS} FROM actions WHERE output IS NULL ORDER BY id")
        pending = [record_from_row(r) for r in rows]
        c.execute("COMMIT")
        return pending

    def _read(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        conn = self._reader or self.conn
        return conn.execute(sql, params).fetchall()

    def _acted_on(self) -> str:
        return (
            "EXISTS (SELECT 1 FROM actions r, json_each(r.cause) c "
            "WHERE r.flow = x.flow AND c.value = x.id)"
        )

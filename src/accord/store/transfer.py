"""Copying an embedded SQLite database to PostgreSQL: ``accord migrate-store``.

Everything in the file moves: the action log (``actions``, ``firings``, ``flow_events``, the
``inbox``), the syncs and concept versions recorded by :mod:`accord.evolution`, and every
concept's tables, each created from its own ``CREATE TABLE`` statement as the PostgreSQL store
translates a concept's schema. Rows go with ``COPY``, in one transaction: the target has all of
it or none. Flows are copied without claims; the first worker that touches one claims it, and
work that was pending in the file is taken over (and rerun) like that of a worker that died.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.store._lock import WriterLock
from accord.store._pgsql import ddl, translate
from accord.store.postgres import PostgresStore

__all__ = ["TransferError", "TransferReport", "copy_to_postgres"]

# The log's tables: the PostgreSQL store creates them with its own types and indexes.
_LOG_TABLES = ("actions", "firings", "flow_events", "inbox")
_NOT_COPIED = re.compile(r"^sqlite_")  # SQLite's own: sqlite_sequence, sqlite_stat1
_IF_NOT_EXISTS = re.compile(
    r"^\s*CREATE\s+(UNIQUE\s+)?(TABLE|INDEX)\s+(?!IF\s+NOT\s+EXISTS\b)", re.IGNORECASE
)
_BATCH = 5_000


class TransferError(RuntimeError):
    """The copy cannot be made (the source is in use, the target is not empty...)."""


@dataclass
class TransferReport:
    """What was copied: rows per table, in the order copied."""

    rows: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Schema objects not copied (triggers and views), with why."""

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _if_not_exists(sql: str) -> str:
    return _IF_NOT_EXISTS.sub(
        lambda m: f"CREATE {m.group(1) or ''}{m.group(2).upper()} IF NOT EXISTS ", sql, count=1
    )


def _rows(conn: sqlite3.Connection, table: str, columns: list[str]) -> Iterator[list[Any]]:
    names = ", ".join(_quoted(c) for c in columns)
    select = f"SELECT {names} FROM {_quoted(table)}"
    try:  # in insertion order, so that identities numbered again keep it
        cursor = conn.execute(f"{select} ORDER BY rowid")
    except sqlite3.OperationalError:  # a WITHOUT ROWID table: its key's order
        cursor = conn.execute(select)
    while batch := cursor.fetchmany(_BATCH):
        yield from (list(row) for row in batch)


def copy_to_postgres(source: str | Path, target: PostgresStore) -> TransferReport:
    """Copy the SQLite database at ``source`` into ``target``'s schema (which must hold no
    accord data yet), in one transaction. ``source`` must not be in use by an engine."""
    path = Path(source)
    if not path.is_file():
        raise TransferError(f"no SQLite database at {path}; pass the app's file")
    lock = WriterLock(path)  # no engine may write the file while it is read
    try:
        lock.acquire()
    except RuntimeError as exc:
        raise TransferError(f"{exc}") from None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as src:
            try:
                objects = src.execute(
                    "SELECT type, name, tbl_name, sql FROM sqlite_master "
                    "WHERE sql IS NOT NULL ORDER BY rowid"
                ).fetchall()
            except sqlite3.DatabaseError as exc:
                raise TransferError(f"cannot read {path}: {exc}") from None
            tables = [name for kind, name, _, _ in objects if kind == "table"]
            if "actions" not in tables:
                raise TransferError(f"{path} is not an accord app's database: it has no log")
            target.open(())
            try:
                return _copy(src, objects, target)
            finally:
                target.close()
    finally:
        lock.release()


def _copy(
    src: sqlite3.Connection, objects: list[tuple[str, str, str, str]], target: PostgresStore
) -> TransferReport:
    report = TransferReport()
    conn = target.connect()
    try:
        with conn.transaction():
            # Nobody else starts on the schema while it is filled (see PostgresStore.open).
            conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (target.lock_class,))
            tables = []
            for kind, name, table, sql in objects:
                if _NOT_COPIED.match(name) or table in _LOG_TABLES:
                    continue
                if kind == "table":
                    conn.execute(translate(ddl(_if_not_exists(sql))))
                    tables.append(name)
                elif kind == "index":
                    conn.execute(translate(_if_not_exists(sql)))
                else:
                    report.skipped.append(f"{kind} {name}: create it on PostgreSQL by hand")
            source = {name for kind, name, _, _ in objects if kind == "table"}
            for table in (*(t for t in _LOG_TABLES if t in source), *tables):
                report.rows[table] = _copy_table(src, conn, table)
            conn.execute(
                "SELECT setval('accord_ids', COALESCE(MAX(id), 0) + 1, false) FROM actions"
            )
    finally:
        conn.close()
    return report


def _copy_table(src: sqlite3.Connection, conn: Any, table: str) -> int:
    taken = conn.execute(f"SELECT EXISTS (SELECT 1 FROM {_quoted(table)})").fetchone()
    if taken[0]:
        raise TransferError(
            f"table {table} already holds rows in the target; copy into an empty schema "
            "(name another with ?options=-csearch_path%3DNAME)"
        )
    wanted = [row[1] for row in src.execute(f"PRAGMA table_info({_quoted(table)})")]
    info = conn.execute(
        "SELECT column_name, is_identity, identity_generation FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s",
        (table,),
    ).fetchall()
    present = {name: (identity == "YES", generation) for name, identity, generation in info}
    missing = [c for c in wanted if c not in present]
    if missing:
        raise TransferError(f"table {table}: the target has no column {', '.join(missing)}")
    # An ALWAYS identity (the inbox's id) is numbered again, in the same order.
    columns = [c for c in wanted if present[c][1] != "ALWAYS"]
    names = ", ".join(_quoted(c) for c in columns)
    count = 0
    with conn.cursor().copy(f"COPY {_quoted(table)} ({names}) FROM STDIN") as copy:
        for row in _rows(src, table, columns):
            copy.write_row(row)
            count += 1
    for column in columns:
        if present[column][0]:  # BY DEFAULT identity: go on after the copied values
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"COALESCE((SELECT MAX({_quoted(column)}) FROM {_quoted(table)}), 0) + 1, false)",
                (_quoted(table), column),
            )
    return count

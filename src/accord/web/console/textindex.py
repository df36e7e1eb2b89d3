"""The free-text filter's index: flows' root inputs in an SQLite FTS5 trigram table.

A substring search (``LIKE '%text%'``) can use no B-tree index, so without help it reads root
records until it has a page. A root's inputs never change once logged, so the console keeps
them in a full-text table with the ``trigram`` tokenizer (SQLite 3.34+), where a quoted phrase
of three or more characters is a substring match answered from the index, newest flow first by
rowid (the flow id).

The table lives in a file of its own beside the app's database (``<db>.console-text``): the
console never writes the app's log, the engine pays nothing per action, and deleting the file
only costs a rebuild. Each search first indexes the roots logged since the last one (a range
read of the log's primary key); a log whose newest id is older than the index's (a database
replaced under the same name) rebuilds it. docs/decisions/0022 says why FTS5 and not a scan.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

from accord.state import Db

__all__ = ["MIN_CHARS", "SEARCH_SQL", "TextIndex"]

log = logging.getLogger("accord.console")

MIN_CHARS = 3
"""Shorter text has no trigram: the list falls back to reading roots (bounded per page)."""
_BATCH = 5000
SEARCH_SQL = (
    "SELECT rowid FROM roots WHERE roots MATCH ? AND rowid < ? AND rowid > ? "
    "ORDER BY rowid DESC LIMIT ?"
)
"""The one search statement (its plan reads the trigram index: tests/web/console)."""


def _phrase(text: str) -> str:
    # A quoted phrase of trigrams is a substring match (and, unlike LIKE with ESCAPE, one the
    # index answers): the text's own quotes are doubled, so nothing in it is query syntax.
    return '"' + text.replace('"', '""') + '"'


class TextIndex:
    """Root inputs of the log's flows, searchable by substring through an index."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._indexed_to = 0
        self.broken = False
        """Set when the index file cannot be used; the caller then scans instead."""

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            fresh = not self.path.exists()
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            if fresh:  # a copy of logged inputs: readable by its owner only, like the log
                os.chmod(self.path, 0o600)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = OFF")  # a cache: a lost write is re-indexed
            conn.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS roots USING fts5(input, tokenize = 'trigram')"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS indexed (one INTEGER PRIMARY KEY CHECK (one = 1), "
                "upto INTEGER NOT NULL)"
            )
            row = conn.execute("SELECT upto FROM indexed").fetchone()
            self._indexed_to = int(row[0]) if row else 0
            self._conn = conn
        return self._conn

    def _catch_up(self, db: Db) -> None:
        conn = self._open()
        top = db.one("SELECT MAX(id) AS top FROM actions")
        newest = int(top["top"] or 0) if top else 0
        if newest < self._indexed_to:  # another log under the same name: start again
            conn.execute("DELETE FROM roots")
            self._indexed_to = 0
        while self._indexed_to < newest:
            rows = db.all(
                "SELECT id, input FROM actions WHERE id > ? AND id <= ? AND id = flow",
                (self._indexed_to, min(self._indexed_to + _BATCH, newest)),
            )
            upto = min(self._indexed_to + _BATCH, newest)
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO roots (rowid, input) VALUES (?, ?)",
                [(r["id"], r["input"]) for r in rows],
            )
            conn.execute("INSERT OR REPLACE INTO indexed (one, upto) VALUES (1, ?)", (upto,))
            conn.execute("COMMIT")
            self._indexed_to = upto

    def search(
        self, db: Db, text: str, *, before: int | None, after: int, limit: int
    ) -> list[int] | None:
        """Flow ids whose root inputs contain ``text`` (any case), newest first, with
        ``after < id < before``; ``None`` when the index cannot answer (text too short, or the
        index file unusable) and the caller must scan."""
        if len(text) < MIN_CHARS or self.broken:
            return None
        try:
            with self._lock:
                self._catch_up(db)
                conn = self._open()
                found = conn.execute(
                    SEARCH_SQL,
                    (_phrase(text), before if before is not None else 1 << 62, after, limit),
                ).fetchall()
        except (sqlite3.Error, OSError) as exc:
            log.warning("text index %s unusable (%s); searching without it", self.path, exc)
            self.broken = True
            return None
        return [int(r[0]) for r in found]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

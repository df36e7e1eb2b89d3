"""Response cache: validated answers keyed by everything that determines them.

Two stores: `MemoryCache` (process-wide, bounded LRU; the default when a task sets
``cache=True``) and `SqliteCache` (a table in a SQLite file, shared across processes and
restarts). Only answers that validated are stored; a hit is parsed and validated again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from accord.llm.messages import Request

__all__ = ["CachedAnswer", "MemoryCache", "ResponseCache", "SqliteCache", "cache_key"]


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    text: str
    input_tokens: int | None
    output_tokens: int | None


class ResponseCache(Protocol):
    def get(self, key: str) -> CachedAnswer | None: ...
    def put(self, key: str, answer: CachedAnswer) -> None: ...


def cache_key(model: str, prompt_version: str, request: Request) -> str:
    """Hash of model, prompt version, rendered messages, output schema and settings."""
    material = {
        "model": model,
        "prompt_version": prompt_version,
        "messages": [[m.role, m.content] for m in request.messages],
        "schema": request.schema,
        "schema_name": request.schema_name,
        "mode": request.mode,
        "settings": request.settings,
    }
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class MemoryCache:
    """A bounded, thread-safe LRU cache in this process's memory."""

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedAnswer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is not None:
                self._entries.move_to_end(key)
            return answer

    def put(self, key: str, answer: CachedAnswer) -> None:
        with self._lock:
            self._entries[key] = answer
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class SqliteCache:
    """Answers in the table ``llm_cache`` of a SQLite file (may be the app's database)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS llm_cache (key TEXT PRIMARY KEY, text TEXT NOT NULL, "
                "input_tokens INTEGER, output_tokens INTEGER, created_at REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10.0)

    def get(self, key: str) -> CachedAnswer | None:
        with self._lock, self._connect() as db:
            row: Any = db.execute(
                "SELECT text, input_tokens, output_tokens FROM llm_cache WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else CachedAnswer(row[0], row[1], row[2])

    def put(self, key: str, answer: CachedAnswer) -> None:
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO llm_cache VALUES (?, ?, ?, ?, ?)",
                (key, answer.text, answer.input_tokens, answer.output_tokens, time.time()),
            )


default_cache = MemoryCache()
"""The cache a task uses with ``cache=True``."""

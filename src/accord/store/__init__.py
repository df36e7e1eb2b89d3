"""Storage: the durable action log and concept state behind one small interface."""

from __future__ import annotations

import re
from pathlib import Path

from accord.store.base import FlowSummary, Store, Transaction, is_postgres_url
from accord.store.sqlite import SqliteStore, StoreLocked

__all__ = [
    "FlowSummary",
    "SqliteStore",
    "Store",
    "StoreLocked",
    "Transaction",
    "database",
    "is_postgres_url",
    "store_for",
]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def database(db: str | Path) -> str:
    """A ``--db`` value as :func:`store_for` takes it: a ``postgresql://`` URL as given, a
    SQLite file as its path (``sqlite:PATH`` and ``sqlite:///PATH`` name one too).

    Raises :class:`ValueError`, saying what to pass, for an empty value or another scheme."""
    text = str(db).strip()
    if not text:
        raise ValueError("--db is empty: pass a SQLite file or a postgresql:// URL")
    if is_postgres_url(text):
        return text
    found = _SCHEME.match(text)
    if found is None or len(found.group(1)) == 1:  # no scheme (or a Windows drive letter)
        return text
    if found.group(1).lower() == "sqlite":
        path = text[found.end() :]
        path = path[2:] if path.startswith("///") else path  # sqlite:///rel, sqlite:////abs
        if not path or path == "/":
            raise ValueError(f"--db {text}: name the SQLite file, e.g. sqlite:app.db")
        return path
    raise ValueError(
        f"--db {text}: unknown database scheme {found.group(1)!r}; pass a SQLite file "
        "(app.db or sqlite:app.db) or a postgresql://user@host:5432/db URL"
    )


def store_for(db: str | Path) -> Store:
    """The store a ``--db`` value names: a ``postgresql://`` URL, else a SQLite file path."""
    text = str(db)
    if is_postgres_url(text):
        from accord.store.postgres import PostgresStore  # psycopg only when asked for

        return PostgresStore(text)
    return SqliteStore(db)

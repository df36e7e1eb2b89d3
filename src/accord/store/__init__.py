"""Storage: the durable action log and concept state behind one small interface."""

from __future__ import annotations

from pathlib import Path

from accord.store.base import FlowSummary, Store, Transaction, is_postgres_url
from accord.store.sqlite import SqliteStore, StoreLocked

__all__ = [
    "FlowSummary",
    "SqliteStore",
    "Store",
    "StoreLocked",
    "Transaction",
    "is_postgres_url",
    "store_for",
]


def store_for(db: str | Path) -> Store:
    """The store a ``--db`` value names: a ``postgresql://`` URL, else a SQLite file path."""
    text = str(db)
    if is_postgres_url(text):
        from accord.store.postgres import PostgresStore  # psycopg only when asked for

        return PostgresStore(text)
    return SqliteStore(db)

"""Storage: the durable action log and concept state behind one small interface."""

from accord.store.base import FlowSummary, Store, Transaction
from accord.store.sqlite import SqliteStore

__all__ = ["FlowSummary", "SqliteStore", "Store", "Transaction"]

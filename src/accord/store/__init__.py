"""Storage: the durable action log and concept state behind one small interface."""

from accord.store.base import FlowSummary, Store, Transaction
from accord.store.sqlite import SqliteStore, StoreLocked

__all__ = ["FlowSummary", "SqliteStore", "Store", "StoreLocked", "Transaction"]

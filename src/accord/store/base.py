"""The storage interface: the durable action log and the concepts' state, in one database.

The engine writes in *batches*: one transaction holds the state writes of the actions that ran,
their completions, the firings of the syncs they triggered and the invocations those produced.
A backend implements this small interface; SQLite is the embedded default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from accord.records import Record
from accord.state import Db

__all__ = ["FlowSummary", "RetryBatch", "Store", "Transaction", "is_postgres_url"]


def is_postgres_url(value: object) -> bool:
    """Whether ``value`` (a ``--db`` value) names a PostgreSQL database, not a SQLite file."""
    return str(value).startswith(("postgresql://", "postgres://"))


class RetryBatch(Exception):
    """The store could not apply a batch as it was run; nothing of it was committed.

    Raised by a transaction (by any of its methods, ``commit`` included) that sent statements
    ahead of their outcome when one of them failed. The engine rolls the batch back and runs
    the same work again; the store's next transaction then checks every statement as it goes.
    """


@dataclass(frozen=True, slots=True)
class FlowSummary:
    """One line of ``accord flows``."""

    flow: int
    root: str
    started_at: float
    updated_at: float
    actions: int
    pending: int
    errors: int
    events: int
    unhandled: int = 0
    """Error completions that no sync acted on (a routed error is not a failure)."""

    @property
    def status(self) -> str:
        if self.pending:
            return "running"
        if self.events:
            return "halted"
        return "failed" if self.unhandled else "done"


class Transaction(Protocol):
    """One batch of writes, committed atomically."""

    @property
    def db(self) -> Db:
        """Concept state access inside the transaction."""

    def savepoint(self) -> None:
        """Start a nested scope for one action's state writes."""

    def release(self) -> None:
        """Keep the writes since the last savepoint."""

    def rollback_to(self) -> None:
        """Undo the writes since the last savepoint (an action failed)."""

    def invoked(self, record: Record, input_json: str | None = None) -> None:
        """Record a new invocation (id already assigned); ``input_json``, when given, is its
        input serialized already."""

    def completed(self, record: Record, output_json: str | None = None) -> None:
        """Record the completion of an invocation; ``output_json``, when given, is its output
        serialized already."""

    def fired(self, sync: str, key: str, flow: int) -> None:
        """Record that a sync fired for a combination of completions."""

    def event(self, flow: int, kind: str, detail: str) -> None:
        """Record a flow-level event (step budget exhausted, a sync failed in where...)."""

    def take_inbox(self, limit: int) -> list[tuple[int | None, str, str, dict[str, Any]]]:
        """Remove and return up to ``limit`` posted stimuli: (flow, concept, action, input)."""

    def write(self) -> None:
        """Write what this batch has recorded so far, without committing (``commit`` writes
        the rest): the engine writes on its own thread and leaves only the commit to another."""

    def commit(self) -> None:
        """Make everything in this batch durable."""

    def rollback(self) -> None:
        """Discard the batch."""


class Store(Protocol):
    """A database holding the action log and the concepts' state."""

    def claim(self) -> None:
        """Reserve the database for this store's engine, before ``open``; ``close`` gives it
        back. A store that allows one writer refuses a second one here (the embedded SQLite
        store raises :class:`accord.store.StoreLocked`); readers never claim."""

    def open(self, schemas: Iterable[str]) -> None:
        """Connect and create the log tables and the given concept tables if absent."""

    def close(self) -> None: ...

    def next_id(self) -> int:
        """A fresh record id (ids grow with time)."""

    def begin(self) -> Transaction:
        """Start a write transaction (one at a time)."""

    def post(self, concept: str, action: str, inputs: dict[str, Any], flow: int | None) -> None:
        """Leave a root invocation for the engine owning the database; safe from any process."""

    def inbox_size(self) -> int:
        """How many posted stimuli wait in the inbox."""

    def reader(self) -> Db:
        """Read access to committed state, for code running outside the write transaction."""

    def resume(self) -> list[Record]:
        """Invocations without a completion, oldest first; counts a new attempt for each."""

    def flow_records(self, flow: int) -> list[Record]:
        """Every record of a flow, oldest first."""

    def flow_firings(self, flow: int) -> set[tuple[str, str]]:
        """The (sync, combination key) pairs that already fired in a flow."""

    def record(self, record_id: int) -> Record | None: ...

    def flows(self, limit: int = 20) -> list[FlowSummary]:
        """The most recent flows, newest first."""

    def flow_events(self, flow: int) -> list[tuple[float, str, str]]: ...

    def recent(self, concept: str, action: str, limit: int) -> Sequence[Record]:
        """The latest records of one action, newest first."""

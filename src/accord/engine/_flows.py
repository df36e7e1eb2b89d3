"""What the engine keeps in memory about flows, for matching: an LRU cache over the log.

A flow's state (its completions, the syncs it fired, its step count) is loaded from the store
the first time a batch touches the flow and kept while the flow has work pending; settled flows
are evicted, oldest first, beyond the cache's capacity. Completions of the batch being built are
in the cache before they commit: :meth:`FlowCache.settled` is what a waiter may see.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from accord.engine.errors import FlowFailed
from accord.engine.matching import match_pattern
from accord.records import Record
from accord.store.base import Store
from accord.sync.model import Sync

__all__ = ["Flow", "FlowCache", "Key"]

Key = tuple[str, str]


@dataclass(slots=True)
class Flow:
    """What the engine keeps in memory about one flow, for matching."""

    id: int
    completed: dict[Key, list[Record]] = field(default_factory=lambda: defaultdict(list))
    fired: set[tuple[str, str]] = field(default_factory=set)
    steps: int = 0
    pending: int = 0
    halted: bool = False
    failed: FlowFailed | None = None

    def waiting(self, syncs: Iterable[Sync]) -> list[str]:
        """Syncs with some ``when`` pattern matched in the flow that have not fired here."""
        fired = {name for name, _ in self.fired}
        return [
            s.name
            for s in syncs
            if s.name not in fired
            and any(
                match_pattern(p, r, {}) is not None
                for p in s.when
                for r in self.completed.get((p.action.concept, p.action.name), ())
            )
        ]


class FlowCache:
    """The flows the engine works on, most recently used last, loaded from ``store``."""

    def __init__(self, store: Store, capacity: int) -> None:
        self._store = store
        self.capacity = capacity
        self._flows: OrderedDict[int, Flow] = OrderedDict()
        self._uncommitted: set[int] = set()  # records completed by the batch not yet committed
        # Flows a sync failed in, in the batch being built: failed for waiters once committed.
        self._failing: list[tuple[Flow, FlowFailed]] = []
        # Flows the batch being built touched: (pending, halted) before it, None if it loaded
        # or created them. What undo_batch puts back when the batch is to run again.
        self._touched: dict[int, tuple[int, bool] | None] = {}

    def flow(self, flow_id: int, *, new: bool = False) -> Flow:
        """The flow's state, from the cache or else from the store (``new``: nothing stored)."""
        flow = self._flows.get(flow_id)
        if flow is not None:
            self._flows.move_to_end(flow_id)
            if flow_id not in self._touched:
                self._touched[flow_id] = (flow.pending, flow.halted)
            return flow
        self._touched.setdefault(flow_id, None)
        flow = Flow(flow_id)
        if not new:
            for record in self._store.flow_records(flow_id):
                flow.steps += 1
                if record.completed:
                    flow.completed[record.key].append(record)
            flow.fired = self._store.flow_firings(flow_id)
            flow.failed = self._stored_failure(flow_id)
        self._flows[flow_id] = flow
        return flow

    def cached(self, flow_id: int) -> Flow | None:
        """The flow's state if it is in the cache (its use does not count as recent)."""
        return self._flows.get(flow_id)

    def exists(self, flow_id: int) -> bool:
        """Whether the log holds a flow of that id."""
        # A flow's id is its root's id: a record left in an unknown flow would merge with the
        # flow of whatever root later takes that id, and two flows would cross-match.
        root = self._store.record(flow_id)
        return root is not None and root.flow == flow_id

    def complete(self, record: Record) -> Flow:
        """Count ``record``'s completion (made by the batch being built) in its flow."""
        self._uncommitted.add(record.id)
        flow = self.flow(record.flow)
        flow.pending -= 1
        flow.completed[record.key].append(record)
        return flow

    def fail(self, flow: Flow, failure: FlowFailed) -> None:
        """A sync failed in ``flow`` in the batch being built (only its first failure counts)."""
        if flow.failed is None and all(f is not flow for f, _ in self._failing):
            self._failing.append((flow, failure))

    def begin_batch(self) -> None:
        """A batch starts: the flows it touches from now on are noted (see ``undo_batch``)."""
        self._touched.clear()

    def end_batch(self) -> list[tuple[Flow, FlowFailed]]:
        """The batch committed or was dropped: the flows it failed, to fail if it committed."""
        self._uncommitted.clear()
        self._touched.clear()
        failing, self._failing = self._failing, []
        return failing

    def undo_batch(self) -> None:
        """The batch was rolled back to run again: what it did to flows is forgotten (their
        completions and firings are read again from the log, their counts put back)."""
        touched, self._touched = self._touched, {}
        self._uncommitted.clear()
        self._failing = []
        for flow_id, before in touched.items():
            self._flows.pop(flow_id, None)
            if before is not None:
                flow = self.flow(flow_id)
                flow.pending, flow.halted = before

    def settled(self, flow_id: int, key: Key) -> tuple[list[Record], FlowFailed | None]:
        """The flow's committed completions of ``key`` and its failure, as a waiter sees them."""
        cached = self._flows.get(flow_id)
        # A cached flow holds every committed completion (and those of the batch being
        # committed, which must not be seen yet); only an evicted flow needs the store.
        if cached is not None:
            done = [r for r in cached.completed.get(key, ()) if r.id not in self._uncommitted]
            return done, cached.failed
        done = [r for r in self._store.flow_records(flow_id) if r.key == key and r.completed]
        return done, self._stored_failure(flow_id)

    def evict(self) -> None:
        """Drop the least recently used flows with nothing pending, down to the capacity."""
        excess = len(self._flows) - self.capacity
        if excess <= 0:
            return
        # Only the oldest few are looked at: copying all ids would cost O(cache) per batch.
        for flow_id in list(itertools.islice(self._flows, excess * 2)):
            if excess <= 0:
                break
            if self._flows[flow_id].pending == 0:
                del self._flows[flow_id]
                excess -= 1

    def clear(self) -> None:
        """Forget every flow: the log is the truth, read again on demand."""
        self._flows.clear()

    def _stored_failure(self, flow_id: int) -> FlowFailed | None:
        """The failure of a flow that is not in the cache, from its recorded events."""
        for _, kind, detail in self._store.flow_events(flow_id):
            if kind == "sync_failed":
                sync, _, reason = detail.partition(": ")
                return FlowFailed(flow_id, sync, reason)
        return None

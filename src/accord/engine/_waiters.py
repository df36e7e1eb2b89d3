"""Callers waiting on the engine: for a record's completion, an action in a flow, or idleness.

The engine tells the waiters what each batch committed (:meth:`Waiters.completed`,
:meth:`Waiters.flows_failed`), when it ran out of work (:meth:`Waiters.idle_reached`) and when
it stopped (:meth:`Waiters.release`); a caller that gives up (a timeout, a cancellation)
leaves nothing behind.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from accord.engine._flows import Flow, FlowCache, Key
from accord.engine.errors import EngineError, FlowFailed
from accord.records import Record
from accord.store.base import Store

__all__ = ["Waiters"]


class Waiters:
    """The futures of every caller waiting on the engine."""

    def __init__(self, store: Store, flows: FlowCache) -> None:
        self._store = store
        self._flows = flows
        self._done: dict[int, list[asyncio.Future[Record]]] = defaultdict(list)
        self._watchers: dict[int, list[tuple[Key, asyncio.Future[Record]]]] = defaultdict(list)
        self._idle: list[asyncio.Future[None]] = []

    async def completion(self, record_id: int, timeout: float | None) -> Record:
        """The record once it is completed and committed."""
        stored = self._store.record(record_id)
        if stored is not None and stored.completed:
            return stored
        future: asyncio.Future[Record] = asyncio.get_running_loop().create_future()
        waiters = self._done[record_id]
        waiters.append(future)
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:  # a caller that gave up leaves nothing behind
            waiters.remove(future)
            if not waiters and self._done.get(record_id) is waiters:
                del self._done[record_id]

    async def wait_for(self, flow: int, key: Key, timeout: float | None) -> Record:
        """The first committed completion of the action ``key`` in ``flow``."""
        future: asyncio.Future[Record] = asyncio.get_running_loop().create_future()
        self._watchers[flow].append((key, future))
        done, failed = self._flows.settled(flow, key)
        if done or failed is not None:
            self._watchers[flow].remove((key, future))
            if done:
                return done[0]
            raise failed  # type: ignore[misc]  # one of the two is set
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            watchers = self._watchers.get(flow)
            if watchers and (key, future) in watchers:
                watchers.remove((key, future))
                if not watchers:
                    del self._watchers[flow]

    async def idle(self) -> None:
        """Until :meth:`idle_reached` (the engine checked it is not idle now)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._idle.append(future)
        await future

    def completed(self, records: Iterable[Record]) -> None:
        """These completions are committed: answer whoever waits on them."""
        done_waiters, watching = self._done, self._watchers
        for record in records:
            for future in done_waiters.pop(record.id, ()):
                if not future.done():
                    future.set_result(record)
            watchers = watching.get(record.flow)
            if watchers:
                for key, future in list(watchers):
                    if key == record.key and not future.done():
                        future.set_result(record)

    def flows_failed(self, failures: Iterable[tuple[Flow, FlowFailed]]) -> None:
        """These flow failures are committed: the flows fail their watchers, now and later."""
        for flow, failure in failures:
            flow.failed = failure
            for _, future in self._watchers.pop(flow.id, ()):
                if not future.done():
                    future.set_exception(failure)

    def idle_reached(self) -> None:
        """The engine has no work left: answer every idle waiter."""
        for waiter in self._idle:
            if not waiter.done():
                waiter.set_result(None)
        self._idle.clear()

    def release(self, reason: EngineError, *others: asyncio.Future[Any]) -> None:
        """Answer every waiter, and ``others``, with ``reason``: nothing else will answer them."""
        waiting: list[asyncio.Future[Any]] = [f for fs in self._done.values() for f in fs]
        waiting += [f for ws in self._watchers.values() for _, f in ws]
        waiting += others
        waiting += self._idle
        for future in waiting:
            if not future.done():
                future.set_exception(reason)
        self._idle.clear()

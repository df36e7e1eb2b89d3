"""One of many engines sharing a PostgreSQL store: ``accord worker``.

A :class:`Worker` runs an :class:`Engine` on a :class:`PostgresStore`. It is woken by
``LISTEN/NOTIFY`` when a stimulus is posted, and every ``takeover_interval`` seconds it takes
over the flows of workers that died (their advisory lock is gone). When its engine stops on a
failure (a lost connection, a flow another worker owns), it starts a new engine, with a new
worker id, that resumes from the log. See docs/scaling.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from typing import Any

import psycopg

from accord.app import App
from accord.engine.engine import Engine
from accord.records import Record
from accord.store.postgres import CHANNEL, PostgresStore

__all__ = ["Worker"]

log = logging.getLogger("accord.worker")


class Worker:
    """Runs ``app`` as one worker of many on the PostgreSQL database at ``url``."""

    def __init__(
        self,
        app: App,
        url: str,
        *,
        schema: str | None = None,
        takeover_interval: float = 1.0,
        restart_delay: float = 1.0,
        concepts: Collection[str] | None = None,
        **engine_options: Any,
    ) -> None:
        self.app = app
        self.concepts = None if concepts is None else frozenset(concepts)
        self.url = url
        self.schema = schema
        self.takeover_interval = takeover_interval
        self.restart_delay = restart_delay
        self.engine_options = engine_options
        self.engine: Engine | None = None
        self.started = asyncio.Event()
        self.restarts = 0

    def _new_engine(self) -> Engine:
        store = PostgresStore(self.url, schema=self.schema, concepts=self.concepts)
        return Engine(self.app, store=store, concepts=self.concepts, **self.engine_options)

    async def run(self) -> None:
        """Work until cancelled; an engine that fails is replaced by a new one."""
        while True:
            engine = self._new_engine()
            await engine.start()
            self.engine = engine
            self.started.set()
            store = engine.store
            assert isinstance(store, PostgresStore)
            log.info("worker %s started on %s", store.worker, self.url.split("@")[-1])
            helpers = [asyncio.create_task(self.assist(engine))]
            failed = asyncio.create_task(engine.failed())
            try:
                done, _ = await asyncio.wait(
                    [failed, *helpers], return_when=asyncio.FIRST_COMPLETED
                )
                finished = next(iter(done))
                cause = finished.exception() or (finished.result() if finished is failed else None)
            finally:
                for task in (failed, *helpers):
                    task.cancel()
                await asyncio.gather(failed, *helpers, return_exceptions=True)
                self.started.clear()
                with contextlib.suppress(Exception):
                    await engine.stop()
            self.restarts += 1
            log.warning("worker %s stopped (%s); starting a new one", store.worker, cause)
            await asyncio.sleep(self.restart_delay)

    async def assist(self, engine: Engine) -> None:
        """What makes ``engine`` (started on this worker's database) one worker of many, until
        cancelled: woken by ``NOTIFY``, taking over the flows of workers that died and, with
        ``concepts``, running those concepts' actions for flows other workers hold. Returns or
        raises only when that fails (a lost connection). ``accord serve`` on PostgreSQL runs
        this beside its engine."""
        store = engine.store
        if not isinstance(store, PostgresStore):
            raise TypeError("Worker.assist needs an engine on a PostgresStore")
        wake = asyncio.Event()
        helpers = [
            asyncio.create_task(self._listen(engine, store, wake)),
            asyncio.create_task(self._take_over(engine, store)),
        ]
        if self.concepts is not None:
            helpers.append(asyncio.create_task(self._run_for_others(engine, store, wake)))
        try:
            done, _ = await asyncio.wait(helpers, return_when=asyncio.FIRST_COMPLETED)
            next(iter(done)).result()
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)

    async def _listen(self, engine: Engine, store: PostgresStore, wake: asyncio.Event) -> None:
        conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        async with conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            engine.inbox_posted()  # what was posted before we listened
            wake.set()
            async for notice in conn.notifies():
                if notice.payload == store.current_schema:
                    engine.inbox_posted()
                    wake.set()

    async def _run_for_others(
        self, engine: Engine, store: PostgresStore, wake: asyncio.Event
    ) -> None:
        """Run this worker's concepts' actions in flows other workers hold (``--concepts``):
        claimed one by one, their results left for the flow's holder to record."""
        running: set[asyncio.Task[None]] = set()

        async def run(record: Record) -> None:
            output, writes = await engine.run_elsewhere(record)
            await asyncio.to_thread(store.post_result, record, output, writes)

        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.takeover_interval):
                        await wake.wait()
                wake.clear()
                for record in store.claim_actions():  # on the loop, as adopt(): one connection
                    task = asyncio.create_task(run(record))
                    running.add(task)
                    task.add_done_callback(running.discard)
        finally:
            for task in running:
                task.cancel()

    async def _take_over(self, engine: Engine, store: PostgresStore) -> None:
        while True:
            await asyncio.sleep(self.takeover_interval)
            records = store.adopt()
            if records:
                log.info(
                    "worker %s took over %d pending invocations of %d flows",
                    store.worker,
                    len(records),
                    len({r.flow for r in records}),
                )
                engine.adopt(records)

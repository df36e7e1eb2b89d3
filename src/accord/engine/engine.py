"""The sync engine: runs actions, records them durably, and fires syncs on completions.

Work happens in *batches*. One batch is one write transaction holding: the synchronous actions
that were ready (their state writes and completions), the completions of ``async`` actions that
finished meanwhile, the syncs those completions fire (firing records and the invocations they
produce) and new root invocations. The batch commits before anything it invoked runs, so every
completion is durable before any sync acts on it; concurrent flows share one commit (group
commit), which is where the throughput comes from.

This module is the scheduler and the batch; beside it: what is kept in memory about flows
(``_flows``), the callers waiting on the engine (``_waiters``), the commit's thread
(``_commit``), running one action or query (``_running``), which syncs a completion may fire
(``_index``), matching and ``where`` plans (``matching``) and the exceptions (``errors``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid as _uuid
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from accord import _json, evolution
from accord.app import App
from accord.concept import ActionDef, Concept, QueryDef
from accord.engine import _running
from accord.engine._commit import Committer
from accord.engine._flows import Flow, FlowCache, Key
from accord.engine._index import SyncIndex
from accord.engine._query_cache import QueryCache
from accord.engine._waiters import Waiters
from accord.engine.errors import EngineError, EngineFailed, FlowFailed, InputRefused
from accord.engine.matching import combinations, compile_where, substitute
from accord.observe import telemetry
from accord.records import Record
from accord.state import Row
from accord.store import store_for
from accord.store.base import RetryBatch, Store, Transaction
from accord.sync import dsl
from accord.sync.model import Pattern, QueryCall, Sync, Var
from accord.values import Unrepresentable, check_representable

__all__ = ["Engine"]

log = logging.getLogger("accord.engine")


_Finished = tuple[Record, dict[str, Any], _running.BufferedDb | None, str | None]


@dataclass(slots=True)
class _Root:
    record: Record
    done: asyncio.Future[Record]


class Engine:
    """Runs an :class:`App` on a durable store. See docs/engine.md."""

    def __init__(
        self,
        app: App,
        db: str | Path = ":memory:",
        *,
        store: Store | None = None,
        deterministic: bool = False,
        seed: int = 0,
        step_budget: int = 1000,
        poll_interval: float = 0.5,
        batch_size: int = 1024,
        chain: bool = True,
        flow_cache: int = 1_000,
        check: bool = True,
        concepts: Collection[str] | None = None,
    ) -> None:
        if not isinstance(db, str | Path):
            raise TypeError(
                f"db is the path of a SQLite file or a postgresql:// URL, got {type(db).__name__}; "
                "pass a store object as `Engine(app, store=...)`"
            )
        self.app = app
        self.store: Store = store if store is not None else store_for(db)
        self.deterministic = deterministic
        self.step_budget = step_budget
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.chain = chain
        self._seed = seed
        self._random = random.Random(seed)
        self._actions: dict[Key, tuple[Concept, ActionDef[Any]]] = {}
        self._queries: dict[Key, tuple[Concept, QueryDef[Any]]] = {}
        for concept in app.concepts:
            for name, adef in type(concept).actions.items():
                self._actions[(concept.name, name)] = (concept, adef)
            for name, qdef in type(concept).queries.items():
                self._queries[(concept.name, name)] = (concept, qdef)
        if check:
            self._check()
        known = {c.name for c in app.concepts}
        unknown = sorted(set(concepts or ()) - known)
        if unknown:
            raise ValueError(
                f"no concept {', '.join(unknown)} in this app; its concepts are "
                f"{', '.join(sorted(known))}"
            )
        # The concepts whose actions this engine runs (None: all); the others' invocations
        # are left to workers that run them (accord worker --concepts, docs/scaling.md).
        self._serves: frozenset[str] | None = None if concepts is None else frozenset(concepts)
        self._left = False  # invocations were left for other workers since the last announce
        self._index = SyncIndex(app.syncs)
        self._plans = {s.name: compile_where(s.where) for s in app.syncs if s.where}
        # The action of each `when` pattern, for syncs that join several.
        self._joins = {s.name: tuple(map(_key, s.when)) for s in app.syncs if len(s.when) > 1}
        self._cache = QueryCache()
        self._plain_syncs = {
            s.name for s in app.syncs if not s.where and all(_is_json(c.inputs) for c in s.then)
        }
        self._semaphores: dict[Key, asyncio.Semaphore] = {}
        self._flows = FlowCache(self.store, flow_cache)
        self._waiters = Waiters(self.store, self._flows)
        self._roots: deque[_Root] = deque()
        self._ready: deque[Record] = deque()
        # Async completions to record: (record, output, its buffered writes, the output's JSON).
        self._finished: deque[_Finished] = deque()
        self._running: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._busy = False  # a batch is being built or committed
        self._inbox = True  # stimuli posted by other processes may be waiting
        self._services: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self._failed = asyncio.Event()
        self._committer = Committer()

    # -- life cycle -------------------------------------------------------------------------

    def _check(self) -> None:
        from accord.checks.syncs import check, raise_on_errors

        diagnostics = check(self.app.concepts, self.app.syncs)
        for d in diagnostics:
            if d.severity == "warning":
                log.warning("%s", d)
        raise_on_errors(diagnostics)

    async def start(self) -> None:
        """Open the store, create concept tables, resume unfinished work, start the loop."""
        if self._loop_task is not None:
            return
        self.store.claim()  # a second engine on the database is refused before it writes
        try:
            self.store.open(())
            # Concept tables: isolated, created or migrated (accord.evolution); syncs recorded.
            evolution.prepare(self.store, self.app)
        except BaseException:
            self.store.close()  # gives the database back
            raise
        # Everything in memory is rebuilt from the log: after a failure it may hold work of a
        # batch that never committed.
        self._cache.forget()
        self._flows.clear()
        self._ready.clear()
        self._finished.clear()
        self._in_flight = 0
        self._failure = None
        self._failed.clear()
        for attempt in range(2):  # a store that sent statements ahead may ask for a rerun
            tx = self.store.begin()
            try:
                with _running.context(tx.db):
                    for concept in self.app.concepts:
                        concept.setup()
                tx.commit()
                break
            except RetryBatch:
                tx.rollback()
                if attempt:
                    self.store.close()
                    raise
            except BaseException:
                tx.rollback()
                self.store.close()
                raise
        for record in self.store.resume():
            self._flows.flow(record.flow).pending += 1
            self._dispatch(record)
        self._announce()
        self._loop_task = asyncio.create_task(self._loop(), name="accord-engine")
        for concept in self.app.concepts:
            service = concept.serve(self)
            if service is not None:
                self._services.append(asyncio.create_task(service, name=f"{concept.name}-service"))

    async def stop(self) -> None:
        """Stop the loop; running async actions are cancelled (they resume on next start)."""
        if self._loop_task is None:
            return
        self._loop_task.cancel()
        for task in (*self._running, *self._services):
            task.cancel()
        await asyncio.gather(
            self._loop_task, *self._running, *self._services, return_exceptions=True
        )
        self._services.clear()
        self._loop_task = None
        self._release_waiters(EngineError("the engine was stopped"))
        self._committer.shutdown()
        self.store.close()

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- public operations ------------------------------------------------------------------

    async def invoke(
        self, action: ActionDef[Any], /, *, flow: int | None = None, **inputs: Any
    ) -> Record:
        """Invoke a root action (an external stimulus); returns once it is durably recorded.

        Without ``flow`` it starts a new flow; with it, it continues that flow (a reviewer's
        decision arriving days later, say). Bad inputs raise before anything is stored.
        """
        self._require_running()
        concept_action = self._actions.get((action.concept, action.name))
        if concept_action is None:
            raise EngineError(f"{action.qualname} is not an action of a concept in this app")
        validated = action.validate_input(inputs)
        normalized: dict[str, Any] = to_jsonable_python(validated)
        try:
            for name, value in normalized.items():  # each input nests on its own
                check_representable(value, path=f"input.{name}")
        except Unrepresentable as exc:
            raise InputRefused(f"{action.qualname}: {exc}") from None
        return await self._root(action, normalized, flow)

    async def invoke_checked(
        self, action: ActionDef[Any], inputs: dict[str, Any], /, *, flow: int | None = None
    ) -> Record:
        """:meth:`invoke` for inputs the caller has already checked: every input of the action
        given, each plain JSON data (dicts with string keys, lists, strings, finite numbers,
        booleans, None) that :func:`accord.values.check_representable` accepts.

        The HTTP edge uses it after its own checks, so a request is walked once, not twice.
        The action still validates its inputs when it runs (a wrong one completes it with an
        ``invalid_input`` error); ``inputs`` becomes the record's input as it is, not copied.
        """
        self._require_running()
        if (action.concept, action.name) not in self._actions:
            raise EngineError(f"{action.qualname} is not an action of a concept in this app")
        return await self._root(action, inputs, flow)

    async def _root(
        self, action: ActionDef[Any], inputs: dict[str, Any], flow: int | None
    ) -> Record:
        if flow is not None and not self._flows.exists(flow):
            raise EngineError(
                f"no flow {flow}: pass the `flow` of a record of an existing flow "
                "(the id of its root action)"
            )
        record_id = self.store.next_id()
        record = Record(
            record_id,
            flow if flow is not None else record_id,
            action.concept,
            action.name,
            inputs,
            invoked_at=time.time(),
        )
        root = _Root(record, asyncio.get_running_loop().create_future())
        self._roots.append(root)
        self._wake.set()
        return await root.done

    async def completion(self, record_id: int, timeout: float | None = None) -> Record:
        """Wait for the completion of a record."""
        self._require_running()
        return await self._waiters.completion(record_id, timeout)

    async def wait_for(
        self, flow: int, action: ActionDef[Any], timeout: float | None = None
    ) -> Record:
        """Wait for the first completion of ``action`` in ``flow``."""
        self._require_running()
        return await self._waiters.wait_for(flow, (action.concept, action.name), timeout)

    async def failed(self) -> BaseException:
        """Wait until the engine fails on its own (never, with luck); returns the cause.

        A server awaits this beside its work to exit when its engine is gone.
        """
        await self._failed.wait()
        assert self._failure is not None
        return self._failure

    @property
    def failure(self) -> BaseException | None:
        """Why the engine stopped, if it failed; None while it runs or after a clean stop."""
        return self._failure

    async def idle(self) -> None:
        """Wait until no work is pending (no ready, running or uncommitted action)."""
        self._require_running()
        if self._is_idle():
            return
        await self._waiters.idle()

    def records(self, flow: int) -> list[Record]:
        """The flow's durable records, oldest first."""
        return self.store.flow_records(flow)

    def query(self, query: QueryDef[Any], /, **inputs: Any) -> list[Row]:
        """Run a query against committed state (outside any sync)."""
        concept, qdef = self._queries[(query.concept, query.name)]
        return _running.call_query(concept, qdef, inputs, self.store.reader())

    def waiting_syncs(self, flow: int) -> list[str]:
        """Syncs with some ``when`` pattern matched in the flow that have not fired there.

        The answer to "which syncs was this flow waiting on?" when a request times out.
        """
        return self._flows.flow(flow).waiting(self.app.syncs)

    # -- shared stores (accord.engine.worker) -----------------------------------------------

    def adopt(self, records: list[Record]) -> None:
        """Run pending invocations another engine left behind (it died); their flows, claimed
        in the store by the caller, are advanced by this engine from now on."""
        self._require_running()
        for record in records:
            self._flows.flow(record.flow).pending += 1
            self._dispatch(record)
        self._announce()

    def runs(self, record: Record) -> bool:
        """Whether this engine runs ``record``'s action (``concepts`` given: only theirs)."""
        return self._serves is None or record.concept in self._serves

    async def run_elsewhere(self, record: Record) -> tuple[str, list[Any]]:
        """Run an invocation of a flow another engine holds: its output as the log stores it,
        and its state writes, which that engine replays when it records the completion."""
        concept, adef = self._actions[record.key]
        if adef.is_async:
            output, buffered = await _running.call_async_action(
                concept, adef, record, self.store.reader()
            )
        else:
            buffered = _running.BufferedDb(self.store.reader())
            output = _running.call_action(concept, adef, record, buffered)
        output, text, storable = _running.serialized(record, output)
        if buffered is None or not storable or _is_kind(output, "internal", "invalid_input"):
            return text, []  # a failed action leaves no state behind
        return text, [list(write) for write in buffered.writes]

    def inbox_posted(self) -> None:
        """Another process posted to the inbox: take it now rather than at the next poll."""
        self._inbox = True
        self._wake.set()

    # -- the loop ---------------------------------------------------------------------------

    def _require_running(self) -> None:
        if self._failure is not None:
            raise EngineFailed(f"the engine stopped after a failure: {self._failure}")
        if self._loop_task is None:
            raise EngineError("the engine is not running: call `await engine.start()` first")

    def _is_idle(self) -> bool:
        # Stimuli other processes posted (a review decision) are pending work too.
        return not (
            self._roots
            or self._ready
            or self._finished
            or self._in_flight
            or self._busy
            or self._inbox
        )

    async def _loop(self) -> None:
        try:
            while True:
                if not (self._roots or self._ready or self._finished or self._inbox):
                    if self._is_idle():
                        self._waiters.idle_reached()
                    self._wake.clear()
                    try:  # not asyncio.wait_for: on 3.11 it can swallow stop()'s cancellation
                        async with asyncio.timeout(self.poll_interval):
                            await self._wake.wait()
                    except TimeoutError:
                        self._inbox = self.store.inbox_size() > 0
                    continue
                self._busy = True
                try:
                    await self._batch()
                finally:
                    self._busy = False
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # a storage failure: stop, and tell every waiter at once
            log.exception("engine stopped")
            self._fail(exc)
            raise

    def _fail(self, exc: BaseException) -> None:
        self._failure = exc
        self._release_waiters(EngineFailed(f"the engine stopped: {type(exc).__name__}: {exc}"))
        self._failed.set()

    def _release_waiters(self, reason: EngineError) -> None:
        """Answer every caller still waiting with ``reason``: nothing else will answer them."""
        self._waiters.release(reason, *(root.done for root in self._roots))
        self._roots.clear()

    async def _batch(self) -> None:
        roots = _take(self._roots, self.batch_size)
        ready = _take(self._ready, self.batch_size)
        finished = _take(self._finished, self.batch_size)
        if self.deterministic:
            finished += await self._run_async_inline(ready)
            ready = [r for r in ready if not self._is_async(r)]
            finished.sort(key=lambda item: item[0].id)
        created: list[Record] = []
        completed: list[Record] = []
        taken = len(roots)
        self._flows.begin_batch()
        tx = self.store.begin()
        try:
            with dsl.uuids_from(self._deterministic_uuid if self.deterministic else None):
                if self._inbox:
                    self._inbox = False
                    roots += self._posted(tx)
                    if self._serves is not None:
                        finished += self._results(tx)
                flow_of = self._flows.flow
                for root in roots:
                    tx.invoked(root.record)
                    flow = flow_of(root.record.flow, new=root.record.flow == root.record.id)
                    flow.steps += 1
                    flow.pending += 1
                    created.append(root.record)
                for record, output, writes, text in finished:
                    if writes is not None and writes.writes:
                        replayed = self._replay(tx, record, output, writes)
                        if replayed is not output:  # the replay failed: an error instead
                            output, text = replayed, None
                    self._complete(tx, record, output, created, completed, text)
                work = deque(ready)
                if self.chain:
                    work.extend(r for r in created if not self._is_async(r))
                self._run_work(tx, work, created, completed)
            if self.deterministic:
                tx.commit()
            else:  # the fsync happens off the event loop, so HTTP and LLM I/O keep moving
                # The rows are written here, where the GIL is held anyway: the committer thread
                # needs it only to start and to end, so the commit is done sooner.
                tx.write()
                await self._committer.commit(tx)
        except RetryBatch as exc:
            tx.rollback()
            log.info("batch of %d actions runs again: %s", len(completed), exc)
            self._flows.undo_batch()
            self._again(roots[:taken], len(roots) > taken, ready, finished)
            return
        except BaseException as exc:
            tx.rollback()
            # These callers were taken out of the queue: nobody else will answer them.
            stopped = (
                EngineError("the engine stopped while recording this; it resumes on next start")
                if isinstance(exc, asyncio.CancelledError)
                else EngineFailed(f"the engine stopped: {type(exc).__name__}: {exc}")
            )
            for root in roots:
                if not root.done.done():
                    root.done.set_exception(stopped)
            raise
        finally:
            failing = self._flows.end_batch()
        self._in_flight -= len(finished)
        for root in roots:
            if not root.done.done():
                root.done.set_result(root.record)
        for record in created:
            if not record.completed:
                self._dispatch(record)
        self._announce()
        self._waiters.completed(completed)
        self._waiters.flows_failed(failing)
        if telemetry.enabled():
            for flow_id in {r.flow for r in completed}:
                ended = self._flows.cached(flow_id)
                if ended is not None and ended.pending == 0:
                    telemetry.flow_ended(flow_id)
        self._flows.evict()

    def _again(
        self,
        roots: list[_Root],
        posted: bool,
        ready: list[Record],
        finished: list[_Finished],
    ) -> None:
        """Put a rolled-back batch's work back in front of the queues, as it was taken."""
        self._cache.forget()  # it may hold rows the batch wrote
        for record in [r.record for r in roots] + ready + [item[0] for item in finished]:
            record.output = None
            record.completed_at = None
        self._roots.extendleft(reversed(roots))
        self._ready.extendleft(reversed(ready))
        self._finished.extendleft(reversed(finished))
        if posted:  # its posts went back to the inbox with the rollback
            self._inbox = True
        self._wake.set()

    def _run_work(
        self, tx: Transaction, work: deque[Record], created: list[Record], completed: list[Record]
    ) -> None:
        """Run synchronous actions; with ``chain``, also those their syncs invoke, in this batch.

        Chaining is safe for durability: everything a chained action does commits atomically
        with the completion that caused it, and nothing (no waiter, no async action, no HTTP
        answer) sees any of it before the commit. It saves one commit per step of a flow.
        """
        traced = telemetry.enabled()
        steps = 0
        while work and steps < self.batch_size:
            record = work.popleft()
            if record.completed:  # already run: a root that was also queued as ready
                continue
            if self._serves is not None and record.concept not in self._serves:
                continue  # another worker runs it; dispatched (left) after the commit
            steps += 1
            if traced:
                with telemetry.action_span(record) as span:
                    output, text = self._run_sync(tx, record)
                    span["output"] = output
            else:
                output, text = self._run_sync(tx, record)
            mark = len(created)
            self._complete(tx, record, output, created, completed, text)
            if self.chain:
                work.extend(r for r in created[mark:] if not self._is_async(r))

    def _run_sync(self, tx: Transaction, record: Record) -> tuple[dict[str, Any], str]:
        """Run a synchronous action: its output, and that output as the log stores it."""
        concept, adef = self._actions[record.key]
        if self.deterministic:
            self._reseed(f"record:{record.id}")
        self._cache.forget(concept.name)  # the action may change the concept's state
        tx.savepoint()
        output, text, storable = _running.serialized(
            record, _running.call_action(concept, adef, record, tx.db)
        )
        if not storable or _is_kind(output, "internal", "invalid_input"):
            tx.rollback_to()  # a failed action leaves no state behind
        else:
            tx.release()
        return output, text

    def _posted(self, tx: Transaction) -> list[_Root]:
        """Root invocations that other processes left in the store's inbox."""
        loop = asyncio.get_running_loop()
        roots = []
        for flow, concept, action, inputs in tx.take_inbox(self.batch_size):
            record_id = self.store.next_id()
            if flow is not None and not self._flows.exists(flow):
                detail = (
                    f"{concept}/{action} was posted to flow {flow}, which does not exist; "
                    f"it starts flow {record_id} instead"
                )
                log.warning("%s", detail)
                flow = None
            record = Record(
                record_id,
                flow if flow is not None else record_id,
                concept,
                action,
                inputs,
                invoked_at=time.time(),
            )
            roots.append(_Root(record, loop.create_future()))
        return roots

    def _results(self, tx: Transaction) -> list[_Finished]:
        """What other workers ran for this engine's flows: recorded in this batch."""
        take = getattr(tx, "take_results", None)
        if take is None:
            return []
        results: list[_Finished] = []
        for record, output_json, writes in take(self.batch_size):
            buffered = _running.BufferedDb(self.store.reader())
            buffered.writes = [(sql, params, bool(many)) for sql, params, many in writes]
            # Serialized again when recorded (None): the text is the other worker's.
            results.append((record, json.loads(output_json), buffered, None))
        self._in_flight += len(results)
        return results

    def _announce(self) -> None:
        """Wake the workers that run what this engine left for them."""
        if self._left:
            self._left = False
            announce = getattr(self.store, "announce", None)
            if announce is not None:
                announce()

    def _replay(
        self, tx: Transaction, record: Record, output: dict[str, Any], writes: _running.BufferedDb
    ) -> dict[str, Any]:
        self._cache.forget(record.concept)
        tx.savepoint()
        scope = getattr(tx.db, "for_concept", None)
        try:
            writes.replay(tx.db if scope is None else scope(record.concept))
        except Exception as exc:
            tx.rollback_to()
            return _running.internal_error(self._actions[record.key][1], record, exc)
        tx.release()
        return output

    def _complete(
        self,
        tx: Transaction,
        record: Record,
        output: dict[str, Any],
        created: list[Record],
        completed: list[Record],
        text: str | None = None,
    ) -> None:
        if text is None:
            output, text, _ = _running.serialized(record, output)
        record.output = output
        record.completed_at = time.time()
        tx.completed(record, text)
        completed.append(record)
        flow = self._flows.complete(record)
        for sync, position in self._index.candidates(record):
            self._evaluate(tx, sync, position, record, flow, created)

    def _evaluate(
        self,
        tx: Transaction,
        sync: Sync,
        position: int,
        record: Record,
        flow: Flow,
        created: list[Record],
    ) -> None:
        completed = flow.completed
        joined = self._joins.get(sync.name)
        if joined is not None and not all(
            completed.get(key) for i, key in enumerate(joined) if i != position
        ):
            return  # another pattern has no completion in the flow yet: nothing can match

        def candidates(pattern: Pattern) -> list[Record]:
            return completed.get(_key(pattern), [])

        for frame, matched in combinations(sync.when, position, record, candidates):
            key = ",".join(str(r.id) for r in matched)
            if (sync.name, key) in flow.fired:
                continue
            flow.fired.add((sync.name, key))
            if self.deterministic:
                self._reseed(f"{sync.name}:{key}")
            try:
                plan = self._plans.get(sync.name)
                if plan is None:
                    frames = [frame]
                else:
                    # A failed statement ends PostgreSQL's transaction, not only itself: the
                    # queries run in a savepoint, so a failing one fails this flow alone.
                    tx.savepoint()
                    try:
                        frames = plan(frame, lambda q, i: self._run_query(q, i, tx))
                    except BaseException:
                        tx.rollback_to()
                        raise
                    tx.release()
                # Values bound by `when` are JSON already (they come from records); `where` may
                # bind anything (a date from `bind`), which the log must store as JSON.
                # The text that made them plain is what the log stores: serialized once.
                plain = sync.name in self._plain_syncs
                calls = [
                    (call.action, *((inputs, None) if plain else _json.plain(inputs)))
                    for f in frames
                    for call in sync.then
                    for inputs in (substitute(call.inputs, f),)
                ]
            except RetryBatch:
                raise
            except Exception as exc:  # a failing query or filter fails this flow, not the engine
                log.exception("sync %s failed in flow %s", sync.name, flow.id)
                reason = f"{type(exc).__name__}: {exc}"
                tx.event(flow.id, "sync_failed", f"{sync.name}: {reason}")
                tx.fired(sync.name, key, flow.id)
                self._flows.fail(flow, FlowFailed(flow.id, sync.name, reason))
                continue
            tx.fired(sync.name, key, flow.id)
            cause = tuple(r.id for r in matched)
            for adef, inputs, text in calls:
                if flow.steps >= self.step_budget:
                    if not flow.halted:
                        flow.halted = True
                        detail = f"step budget of {self.step_budget} exhausted; {sync.name} stopped"
                        log.warning("flow %s: %s", flow.id, detail)
                        tx.event(flow.id, "budget_exhausted", detail)
                    return
                flow.steps += 1
                flow.pending += 1
                new = Record(
                    self.store.next_id(),
                    flow.id,
                    adef.concept,
                    adef.name,
                    inputs,
                    sync=sync.name,
                    cause=cause,
                    invoked_at=time.time(),
                )
                tx.invoked(new, text)
                created.append(new)

    def _run_query(self, call: QueryCall, inputs: dict[str, Any], tx: Transaction) -> list[Row]:
        concept, qdef = self._queries[(call.query.concept, call.query.name)]
        key = self._cache.key(qdef.name, inputs) if qdef.cached else None
        if key is None:
            return _running.call_query(concept, qdef, inputs, tx.db)
        rows = self._cache.get(concept.name, key)
        if rows is None:
            rows = _running.call_query(concept, qdef, inputs, tx.db)
            self._cache.put(concept.name, key, rows)
        return rows

    # -- dispatching ------------------------------------------------------------------------

    def _is_async(self, record: Record) -> bool:
        return self._actions[record.key][1].is_async

    def _dispatch(self, record: Record) -> None:
        if self._serves is not None and record.concept not in self._serves:
            self._left = True  # pending in the log until a worker that runs it answers
            return
        if record.key not in self._actions:
            # Recorded by an older version of the app: complete it as an error, don't hang.
            self._finished.append(
                (
                    record,
                    {"error": {"kind": "internal", "message": f"unknown action {record.name}"}},
                    None,
                    None,
                )
            )
            self._in_flight += 1
        elif self._is_async(record) and not self.deterministic:
            self._in_flight += 1
            task = asyncio.create_task(self._run_async(record))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        else:
            self._ready.append(record)
        self._wake.set()

    def _semaphore(self, key: Key, adef: ActionDef[Any]) -> asyncio.Semaphore | None:
        if adef.concurrency is None:
            return None
        if key not in self._semaphores:
            self._semaphores[key] = asyncio.Semaphore(adef.concurrency)
        return self._semaphores[key]

    async def _run_async(self, record: Record) -> None:
        semaphore = self._semaphore(record.key, self._actions[record.key][1])
        async with semaphore if semaphore is not None else contextlib.nullcontext():
            output, writes, text = await self._call_async(record)
        self._finished.append((record, output, writes, text))
        self._wake.set()

    async def _call_async(
        self, record: Record
    ) -> tuple[dict[str, Any], _running.BufferedDb | None, str]:
        """Run an async action: its output, its buffered writes, and the output's JSON text
        (carried to the batch that records it, so it is serialized once)."""
        concept, adef = self._actions[record.key]
        with telemetry.action_span(record) as span:
            output, writes = await _running.call_async_action(
                concept, adef, record, self.store.reader()
            )
            output, text, storable = _running.serialized(record, output)
            span["output"] = output
        return output, writes if storable else None, text

    async def _run_async_inline(self, ready: list[Record]) -> list[_Finished]:
        results: list[_Finished] = []
        with dsl.uuids_from(self._deterministic_uuid):
            for record in ready:
                if self._is_async(record):
                    self._reseed(f"record:{record.id}")
                    output, writes, text = await self._call_async(record)
                    self._in_flight += 1
                    results.append((record, output, writes, text))
        return results

    def _deterministic_uuid(self) -> str:
        return _uuid.UUID(int=self._random.getrandbits(128), version=4).hex

    def _reseed(self, label: str) -> None:
        # Seeded per firing and per invocation, not once per engine: the same work draws the
        # same uuid() values in every run, and an engine restarted on the same file does not
        # hand out the values of the first run again.
        self._random.seed(f"{self._seed}:{label}")


def _is_json(value: Any) -> bool:
    """Whether a (possibly nested) value holds only JSON types and variables."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool | Var)


def _take(queue: deque[Any], limit: int) -> list[Any]:
    return [queue.popleft() for _ in range(min(limit, len(queue)))]


def _key(pattern: Pattern) -> Key:
    return (pattern.action.concept, pattern.action.name)


def _is_kind(output: Mapping[str, Any], *kinds: str) -> bool:
    err = output.get("error")
    return isinstance(err, Mapping) and err.get("kind") in kinds

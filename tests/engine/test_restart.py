"""Restart: pending invocations resume on the next engine; nothing fires twice."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync
from accord.engine import Engine

from .support import engine_for, entries, running, stored_rows


class Keyed(TypedDict):
    key: str


class Slow(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS done (key TEXT PRIMARY KEY)",)
    hold: ClassVar[bool] = True
    started: ClassVar[asyncio.Event | None] = None

    @action
    def start(self, key: str) -> Keyed:
        return {"key": key}

    @action
    async def work(self, key: str) -> Keyed:
        self.db.execute("INSERT INTO done VALUES (?)", (key,))
        if Slow.hold:
            assert Slow.started is not None
            Slow.started.set()
            await asyncio.Event().wait()  # until the engine stops and cancels it
        return {"key": key}

    @action
    def after(self, key: str) -> Keyed:
        return {"key": key}


@sync
def begin(key: Var) -> Clauses:
    return Clauses(when=[Slow.start(key=key)], then=[Slow.work(key=key)])


@sync
def finish(key: Var) -> Clauses:
    return Clauses(
        when=[Slow.start(key=key), Slow.work(key=key).out(key=key)], then=[Slow.after(key=key)]
    )


async def test_an_action_cut_off_by_stop_resumes_on_the_next_start(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    app = App([Slow()], [begin, finish])
    Slow.hold, Slow.started = True, asyncio.Event()
    async with running(app, db) as engine:
        root = await engine.invoke(Slow.start, key="k")
        await Slow.started.wait()
        assert [r.output for r in engine.records(root.flow)] == [{"key": "k"}, None]
    # The cancelled action's buffered write was never applied.
    assert stored_rows(db, "SELECT * FROM done") == []

    Slow.hold = False
    async with running(app, db, deterministic=True) as engine:
        await engine.idle()
        records = engine.records(root.flow)
        assert entries(records) == [
            (1, "Slow/start", {"key": "k"}, {"key": "k"}, None, ()),
            (2, "Slow/work", {"key": "k"}, {"key": "k"}, "begin", (1,)),
            (3, "Slow/after", {"key": "k"}, {"key": "k"}, "finish", (1, 2)),
        ]
        assert [r.attempt for r in records] == [1, 2, 1]
    assert stored_rows(db, "SELECT * FROM done") == [("k",)]
    assert stored_rows(db, "SELECT sync, key FROM firings ORDER BY sync, key") == [
        ("begin", "1"),
        ("finish", "1,2"),
    ]

    # A third start finds nothing to do and fires nothing again.
    async with running(app, db, deterministic=True) as engine:
        await engine.idle()
        assert len(engine.records(root.flow)) == 3
    assert stored_rows(db, "SELECT COUNT(*) FROM firings") == [(2,)]


async def test_stopping_while_batches_commit_loses_nothing_and_never_crashes(
    tmp_path: Path,
) -> None:
    # Regression: stop() used to roll back and close the connection while a worker thread was
    # still committing on it, which crashed the process (SIGSEGV) at random.
    db = tmp_path / "app.db"
    app = App([Slow()], [begin, finish])
    Slow.hold = False
    accepted: list[str] = []

    async def start(engine: Engine, key: str) -> None:
        await engine.invoke(Slow.start, key=key)
        accepted.append(key)

    for round_ in range(40):
        async with asyncio.timeout(30):  # a stop that hangs fails here, not at the suite's limit
            async with running(app, db) as engine:  # leaving it stops the engine mid-batch
                keys = [f"{round_}-{i}" for i in range(20)]
                callers = [asyncio.create_task(start(engine, key)) for key in keys]
                await asyncio.sleep(0.001 * (round_ % 5))
        for caller in callers:
            caller.cancel()
        await asyncio.gather(*callers, return_exceptions=True)

    async with running(app, db) as engine:
        await engine.idle()
    started = {
        k
        for (k,) in stored_rows(
            db, "SELECT json_extract(input, '$.key') FROM actions WHERE action = 'start'"
        )
    }
    assert set(accepted) <= started
    assert stored_rows(db, "SELECT COUNT(*) FROM actions WHERE output IS NULL") == [(0,)]
    assert {k for (k,) in stored_rows(db, "SELECT key FROM done")} == started
    assert stored_rows(db, "SELECT COUNT(*) FROM actions WHERE action = 'after'") == [
        (len(started),)
    ]


async def test_stop_returns_when_work_arrives_in_the_same_turn(tmp_path: Path) -> None:
    # Regression: on Python 3.11, asyncio.wait_for returns its result, swallowing the
    # cancellation, when the awaited event is set in the same turn as the cancel; the idle loop
    # then went on polling and stop() never returned.
    engine = engine_for(App([Slow()], [begin, finish]), tmp_path / "app.db")
    await engine.start()
    await asyncio.sleep(0.01)  # the loop is now idle, waiting to be woken
    caller = asyncio.create_task(engine.invoke(Slow.start, key="k"))
    await asyncio.sleep(0)  # the caller wakes the loop...
    async with asyncio.timeout(10):
        await engine.stop()  # ...in the same turn as this cancels it
    caller.cancel()


async def test_commits_never_wait_behind_the_default_executors_work(tmp_path: Path) -> None:
    # Password hashing and other blocking work run on the event loop's default executor; a
    # commit queued there waited until a worker came free (and, with every worker blocked on
    # something the flow itself would release, forever).
    loop = asyncio.get_running_loop()
    blocked, release = ThreadPoolExecutor(max_workers=1), threading.Event()
    loop.set_default_executor(blocked)
    busy = loop.run_in_executor(None, release.wait)
    engine = engine_for(App([Slow()], [begin, finish]), tmp_path / "app.db")
    await engine.start()
    try:
        async with asyncio.timeout(10):
            record = await engine.invoke(Slow.after, key="k")
            done = await engine.completion(record.id)
        assert done.ok and not busy.done()
    finally:
        release.set()
        await busy
        await engine.stop()
        blocked.shutdown()

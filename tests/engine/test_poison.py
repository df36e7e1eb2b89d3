"""Poison input never stops the engine: bad values are refused or become one failed action,
a failing ``where`` fails its flow at once, and an engine that does fail tells every waiter."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, bind, sync
from accord.engine import EngineError, EngineFailed, FlowFailed, InputRefused

from .support import running, stored_rows


class Echoed(TypedDict):
    text: str


class Stored(TypedDict):
    value: Any


class Echo(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS echoes (text TEXT)",)

    @action
    def say(self, text: str) -> Echoed:
        return {"text": text}

    @action
    def keep(self, text: str) -> Echoed:
        """Writes state, then answers with a string decoded from bytes that hold a surrogate."""
        self.db.execute("INSERT INTO echoes VALUES (?)", (text,))
        return {"text": b"Zo\xed\xa0\x80e".decode("utf-8", "surrogatepass")}

    @action
    async def keep_later(self, text: str) -> Echoed:
        self.db.execute("INSERT INTO echoes VALUES (?)", (text,))
        return {"text": "x\udfff"}

    @action
    def nest(self, depth: int) -> Stored:
        value: Any = []
        for _ in range(depth):
            value = [value]
        return {"value": value}

    @action
    def big(self, size: int) -> Echoed:
        return {"text": "x" * size}


@sync
def said_then_kept(text: Var) -> Clauses:
    return Clauses(when=[Echo.say(text=text)], then=[Echo.keep(text=text)])


@sync
def crashes_in_where(text: Var, n: Var) -> Clauses:
    return Clauses(
        when=[Echo.say(text=text)],
        where=[bind(n, int, text)],
        then=[Echo.big(size=n)],
    )


def _echoes(db: Path) -> list[tuple[Any, ...]]:
    return stored_rows(db, "SELECT text FROM echoes")


async def test_a_root_input_with_a_lone_surrogate_is_refused_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    async with running(App([Echo()], []), db) as engine:
        with pytest.raises(InputRefused, match=r"input\.text: lone surrogate U\+D800"):
            await engine.invoke(Echo.say, text="a\ud800")
        with pytest.raises(ValueError):  # InputRefused is a ValueError too
            await engine.invoke(Echo.say, text="\udc00")
        ok = await engine.invoke(Echo.say, text="fine")
        assert (await engine.completion(ok.id, timeout=5)).output == {"text": "fine"}
    assert stored_rows(db, "SELECT input FROM actions") == [('{"text":"fine"}',)]


async def test_an_output_the_log_cannot_store_fails_that_action_only(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    async with running(App([Echo()], [said_then_kept]), db) as engine:
        root = await engine.invoke(Echo.say, text="hello")
        await engine.idle()
        kept = engine.records(root.flow)[-1]
        assert kept.name == "Echo/keep"
        assert kept.error is not None and kept.error["kind"] == "internal"
        assert "$.text: lone surrogate U+D800" in kept.error["message"]
        assert _echoes(db) == []  # its state write was rolled back with it
        # The engine goes on.
        again = await engine.invoke(Echo.big, size=3)
        assert (await engine.completion(again.id, timeout=5)).output == {"text": "xxx"}


async def test_an_async_action_whose_output_cannot_be_stored_fails_and_writes_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    async with running(App([Echo()], []), db) as engine:
        record = await engine.invoke(Echo.keep_later, text="later")
        done = await engine.completion(record.id, timeout=5)
        assert done.error is not None and "U+DFFF" in done.error["message"]
        await engine.idle()
    assert _echoes(db) == []


@pytest.mark.parametrize("depth", [300, 900, 5_000])
async def test_an_output_nested_too_deeply_fails_that_action_only(
    tmp_path: Path, depth: int
) -> None:
    async with running(App([Echo()], []), tmp_path / "app.db") as engine:
        record = await engine.invoke(Echo.nest, depth=depth)
        done = await engine.completion(record.id, timeout=5)
        assert done.error is not None and done.error["kind"] == "internal"
        assert re.search("depth|nested", done.error["message"])
        ok = await engine.invoke(Echo.nest, depth=3)
        assert (await engine.completion(ok.id, timeout=5)).output == {"value": [[[[]]]]}


async def test_an_exception_in_where_fails_the_flow_at_once_naming_the_sync(
    tmp_path: Path,
) -> None:
    async with running(App([Echo()], [crashes_in_where]), tmp_path / "app.db") as engine:
        root = await engine.invoke(Echo.say, text="²")  # isdigit() says yes, int() says no
        with pytest.raises(FlowFailed) as failed:
            # Far below the timeout: the failure answers the waiter, not the clock.
            await engine.wait_for(root.flow, Echo.big, timeout=60)
        assert failed.value.flow == root.flow
        assert failed.value.sync == "crashes_in_where"
        assert "ValueError" in failed.value.reason
        # A later wait on the same flow is answered at once too.
        with pytest.raises(FlowFailed):
            await engine.wait_for(root.flow, Echo.big, timeout=60)
        # Other flows are unaffected.
        fine = await engine.invoke(Echo.say, text="4")
        assert (await engine.wait_for(fine.flow, Echo.big, timeout=5)).output == {"text": "xxxx"}


async def test_a_failed_flow_evicted_from_the_cache_still_fails_waiters_from_the_log(
    tmp_path: Path,
) -> None:
    async with running(App([Echo()], [crashes_in_where]), tmp_path / "app.db", flow_cache=1) as e:
        root = await e.invoke(Echo.say, text="x")
        await e.idle()
        for n in range(3):  # push the failed flow out of the cache
            await e.invoke(Echo.say, text=str(n))
        await e.idle()
        with pytest.raises(FlowFailed, match="crashes_in_where"):
            await e.wait_for(root.flow, Echo.big, timeout=60)
        # Loaded into the cache again by new work in the flow, it is still failed.
        await e.invoke(Echo.big, flow=root.flow, size=1)
        await e.idle()
        with pytest.raises(FlowFailed, match="crashes_in_where"):
            await e.wait_for(root.flow, Echo.nest, timeout=60)


async def test_when_the_store_fails_every_waiter_is_told_and_the_engine_stops(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    async with running(App([Echo()], []), db) as engine:
        ok = await engine.invoke(Echo.big, size=1)
        await engine.completion(ok.id, timeout=5)
        # A real SQLite failure: the database may not grow, so the next batch cannot commit.
        (pages,) = engine.store.conn.execute("PRAGMA page_count").fetchone()  # type: ignore[attr-defined]
        engine.store.conn.execute(f"PRAGMA max_page_count = {pages}")  # type: ignore[attr-defined]
        watcher = asyncio.create_task(engine.wait_for(ok.flow, Echo.say, timeout=60))
        idle = asyncio.create_task(engine.idle())
        roots = [asyncio.create_task(engine.invoke(Echo.big, size=200_000)) for _ in range(3)]
        failure = await asyncio.wait_for(engine.failed(), timeout=30)
        assert isinstance(failure, sqlite3.Error)
        assert engine.failure is failure
        for task in (*roots, watcher):
            with pytest.raises(EngineFailed, match="full"):
                await asyncio.wait_for(task, timeout=5)
        await asyncio.wait_for(idle, timeout=5)  # idle already, or told
        with pytest.raises(EngineFailed):
            await engine.invoke(Echo.big, size=1)
    # Stopped cleanly; the log holds nothing half-written, and a new start works.
    assert stored_rows(db, "SELECT COUNT(*) FROM actions WHERE output IS NULL") == [(0,)]
    async with running(App([Echo()], []), db) as engine:
        again = await engine.invoke(Echo.big, size=2)
        assert (await engine.completion(again.id, timeout=5)).output == {"text": "xx"}


async def test_stop_answers_every_caller_still_waiting(tmp_path: Path) -> None:
    async with running(App([Echo()], []), tmp_path / "app.db") as engine:
        root = await engine.invoke(Echo.say, text="x")
        waiter = asyncio.create_task(engine.wait_for(root.flow, Echo.big))
        await asyncio.sleep(0)
    with pytest.raises(EngineError, match="stopped"):
        await asyncio.wait_for(waiter, timeout=5)

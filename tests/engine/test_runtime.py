"""Runaway protection, waiting on flows and records, and per-action concurrency limits."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

import pytest
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, bind, query, sync

from .support import entries, running, stored_rows


class Number(TypedDict):
    n: int


class Ping(Concept):
    @action
    def ping(self, n: int) -> Number:
        return {"n": n}


@sync
def loop(n: Var, following: Var) -> Clauses:
    return Clauses(
        when=[Ping.ping().out(n=n)],
        where=[bind(following, lambda v: v + 1, n)],
        then=[Ping.ping(n=following)],
    )


async def test_the_step_budget_stops_a_runaway_cycle_per_flow(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    async with running(App([Ping()], [loop]), db, deterministic=True, step_budget=4) as engine:
        first = await engine.invoke(Ping.ping, n=0)
        await engine.idle()
        second = await engine.invoke(Ping.ping, n=100)
        await engine.idle()
        assert entries(engine.records(first.flow)) == [
            (1, "Ping/ping", {"n": 0}, {"n": 0}, None, ()),
            (2, "Ping/ping", {"n": 1}, {"n": 1}, "loop", (1,)),
            (3, "Ping/ping", {"n": 2}, {"n": 2}, "loop", (2,)),
            (4, "Ping/ping", {"n": 3}, {"n": 3}, "loop", (3,)),
        ]
        # The budget is per flow: the second flow gets its own four steps.
        assert [r.input["n"] for r in engine.records(second.flow)] == [100, 101, 102, 103]
        events = [(kind, detail) for _, kind, detail in engine.store.flow_events(first.flow)]
        assert events == [("budget_exhausted", "step budget of 4 exhausted; loop stopped")]
        assert [f.status for f in engine.store.flows()] == ["halted", "halted"]
    assert stored_rows(db, "SELECT COUNT(*) FROM actions WHERE output IS NULL") == [(0,)]


class Gates(Concept):
    opened: ClassVar[dict[str, asyncio.Event]] = {}

    @action
    def open(self, gate: str) -> Number:
        return {"n": 0}

    @action
    async def pass_through(self, gate: str) -> Number:
        await self.opened.setdefault(gate, asyncio.Event()).wait()
        return {"n": 1}

    @action
    def after(self, gate: str) -> Number:
        return {"n": 2}


@sync
def through(gate: Var) -> Clauses:
    return Clauses(when=[Gates.open(gate=gate)], then=[Gates.pass_through(gate=gate)])


@sync
def join_after(gate: Var) -> Clauses:
    return Clauses(
        when=[Gates.open(gate=gate), Gates.pass_through(gate=gate)], then=[Gates.after(gate=gate)]
    )


async def test_wait_for_completion_and_waiting_syncs_follow_a_flow(tmp_path: Path) -> None:
    Gates.opened.clear()
    app = App([Gates()], [through, join_after])
    async with running(app, tmp_path / "app.db") as engine:
        root = await engine.invoke(Gates.open, gate="g")
        waiting = asyncio.create_task(engine.wait_for(root.flow, Gates.after))
        opened = await engine.completion(root.id, timeout=30)
        assert opened.output == {"n": 0}
        passed = await engine.wait_for(root.flow, Gates.open, timeout=30)  # already happened
        assert passed.id == root.id
        while len(engine.records(root.flow)) < 2:
            await asyncio.sleep(0.01)
        assert not waiting.done()
        assert engine.waiting_syncs(root.flow) == ["join_after"]
        with pytest.raises(TimeoutError):
            await engine.completion(root.id + 1, timeout=0.05)  # still behind the gate
        Gates.opened.setdefault("g", asyncio.Event()).set()
        after = await asyncio.wait_for(waiting, 30)
        await engine.idle()
        assert entries([after]) == [
            (3, "Gates/after", {"gate": "g"}, {"n": 2}, "join_after", (1, 2))
        ]
        done = await engine.completion(2, timeout=30)
        assert (done.name, done.output, done.sync, done.cause) == (
            "Gates/pass_through",
            {"n": 1},
            "through",
            (1,),
        )
        assert engine.waiting_syncs(root.flow) == []
        with pytest.raises(TimeoutError):
            await engine.wait_for(root.flow, Ping.ping, timeout=0.05)  # never in this flow


class Row(TypedDict):
    i: int


class Pool(Concept):
    active: ClassVar[int] = 0
    peak: ClassVar[int] = 0

    @action
    def start(self, n: int) -> Number:
        return {"n": n}

    @action(concurrency=2)
    async def work(self, i: int) -> Number:
        Pool.active += 1
        Pool.peak = max(Pool.peak, Pool.active)
        try:
            await asyncio.sleep(0.005)
        finally:
            Pool.active -= 1
        return {"n": i}

    @query
    def numbers(self, n: int) -> list[Row]:
        return [{"i": i} for i in range(n)]


@sync
def spread(n: Var, i: Var) -> Clauses:
    return Clauses(
        when=[Pool.start().out(n=n)],
        where=[Pool.numbers(n=n).out(i=i)],
        then=[Pool.work(i=i)],
    )


async def test_an_async_actions_concurrency_limit_is_never_exceeded(tmp_path: Path) -> None:
    Pool.active = Pool.peak = 0
    async with running(App([Pool()], [spread]), tmp_path / "app.db") as engine:
        roots = await asyncio.gather(*(engine.invoke(Pool.start, n=8) for _ in range(3)))
        await engine.idle()
        for root in roots:
            records = engine.records(root.flow)
            assert sorted(r.output["n"] for r in records[1:] if r.output) == list(range(8))
            assert all(r.name == "Pool/work" and r.cause == (root.id,) for r in records[1:])
    assert Pool.peak == 2  # 24 invocations ready at once, two at a time

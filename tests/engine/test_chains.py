"""Chained syncs in one flow, joins on one action, and flows that never cross-match."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Sync, Var, action, bind, sync, where

from .support import entries, running, shape


class Appended(TypedDict):
    tag: str


class Log(Concept):
    @action
    async def append(self, tag: str) -> Appended:
        # Jitter, so that concurrent flows interleave when the engine is not deterministic.
        await asyncio.sleep(random.random() / 500)
        return {"tag": tag}


# The chain written with literals: x -> x:a, and (x, x:a) -> x:done.
@sync
def literal_a() -> Clauses:
    return Clauses(when=[Log.append(tag="x")], then=[Log.append(tag="x:a")])


@sync
def literal_done() -> Clauses:
    return Clauses(
        when=[Log.append(tag="x"), Log.append(tag="x:a")], then=[Log.append(tag="x:done")]
    )


# The same chain with variables: both `when` patterns of the join match every completion of
# Log/append, so each new completion is tried in both positions.
@sync
def step_a(tag: Var, next_tag: Var) -> Clauses:
    return Clauses(
        when=[Log.append(tag=tag)],
        where=[where(lambda t: ":" not in t, tag), bind(next_tag, lambda t: f"{t}:a", tag)],
        then=[Log.append(tag=next_tag)],
    )


@sync
def step_done(tag: Var, tag_a: Var, done: Var) -> Clauses:
    return Clauses(
        when=[Log.append(tag=tag), Log.append(tag=tag_a)],
        where=[
            where(lambda t, ta: ta == f"{t}:a", tag, tag_a),
            bind(done, lambda t: f"{t}:done", tag),
        ],
        then=[Log.append(tag=done)],
    )


CHAINS = {"literals": [literal_a, literal_done], "variables": [step_a, step_done]}


def chain(name: str) -> list[Sync]:
    return CHAINS[name]


@pytest.mark.parametrize("syncs", sorted(CHAINS))
async def test_chained_syncs_produce_x_then_x_a_then_x_done_once(
    tmp_path: Path, syncs: str
) -> None:
    first, second = chain(syncs)
    async with running(App([Log()], chain(syncs)), tmp_path / "app.db", deterministic=True) as e:
        root = await e.invoke(Log.append, tag="x")
        await e.idle()
        assert entries(e.records(root.flow)) == [
            (1, "Log/append", {"tag": "x"}, {"tag": "x"}, None, ()),
            (2, "Log/append", {"tag": "x:a"}, {"tag": "x:a"}, first.name, (1,)),
            (3, "Log/append", {"tag": "x:done"}, {"tag": "x:done"}, second.name, (1, 2)),
        ]
        assert e.waiting_syncs(root.flow) == []


def expected_chain(first: str, second: str) -> list[object]:
    return [
        ("Log/append", {"tag": "x"}, {"tag": "x"}, None, ()),
        ("Log/append", {"tag": "x:a"}, {"tag": "x:a"}, first, (0,)),
        ("Log/append", {"tag": "x:done"}, {"tag": "x:done"}, second, (0, 1)),
    ]


async def test_two_flows_with_equal_values_never_cross_join(tmp_path: Path) -> None:
    async with running(App([Log()], chain("variables")), tmp_path / "app.db") as engine:
        one = await engine.invoke(Log.append, tag="x")
        two = await engine.invoke(Log.append, tag="x")
        await engine.idle()
        assert one.flow != two.flow
        for root in (one, two):
            assert shape(engine.records(root.flow)) == expected_chain("step_a", "step_done")


@pytest.mark.parametrize("deterministic", [False, True])
async def test_many_concurrent_flows_each_complete_their_own_chain(
    tmp_path: Path, deterministic: bool
) -> None:
    app = App([Log()], chain("variables"))
    async with running(app, tmp_path / "app.db", deterministic=deterministic) as engine:
        roots = await asyncio.gather(*(engine.invoke(Log.append, tag="x") for _ in range(25)))
        await engine.idle()
        assert len({r.flow for r in roots}) == 25
        for root in roots:
            assert shape(engine.records(root.flow)) == expected_chain("step_a", "step_done")

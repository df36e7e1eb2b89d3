"""The workload of the worker tests: flows of synchronous steps and slow "LLM calls".

Each flow is keyed by its root's ``key``; every step writes one row of concept state keyed by
(key, n), with a primary key: a state write applied twice fails its action, which the tests
would see as an error completion. ``ACCORD_TEST_MAX_DELAY_MS`` sets the longest scripted call.
"""

from __future__ import annotations

import asyncio
import os
import random

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync, where

STEPS = 6  # step 0, think 1, step 2, think 3, step 4, then last 5


class Stepped(TypedDict):
    key: str
    n: int


class Work(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS work_done "
        "(key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, n))",
    )

    @action
    def step(self, key: str, n: int) -> Stepped:
        self.db.execute("INSERT INTO work_done (key, n) VALUES (?, ?)", (key, n))
        return {"key": key, "n": n + 1}

    @action
    async def think(self, key: str, n: int) -> Stepped:
        """A scripted model call: a random pause, then a state write with the answer."""
        longest = int(os.environ.get("ACCORD_TEST_MAX_DELAY_MS", "20"))
        await asyncio.sleep(random.uniform(0, longest) / 1000)
        self.db.execute("INSERT INTO work_done (key, n) VALUES (?, ?)", (key, n))
        return {"key": key, "n": n + 1}

    @action
    def last(self, key: str, n: int) -> Stepped:
        self.db.execute("INSERT INTO work_done (key, n) VALUES (?, ?)", (key, n))
        return {"key": key, "n": n + 1}


@sync
def to_think(key: Var, n: Var) -> Clauses:
    return Clauses(
        when=[Work.step().out(key=key, n=n)],
        where=[where(lambda v: v < STEPS - 1, n)],
        then=[Work.think(key=key, n=n)],
    )


@sync
def to_step(key: Var, n: Var) -> Clauses:
    return Clauses(
        when=[Work.think().out(key=key, n=n)],
        where=[where(lambda v: v < STEPS - 1, n)],
        then=[Work.step(key=key, n=n)],
    )


@sync
def to_last(key: Var, n: Var) -> Clauses:
    return Clauses(
        when=[Work.step().out(key=key, n=n)],
        where=[where(lambda v: v == STEPS - 1, n)],
        then=[Work.last(key=key, n=n)],
    )


def build() -> App:
    return App([Work()], [to_think, to_step, to_last])


app = build()

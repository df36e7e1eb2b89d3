"""Stimuli posted to the store's inbox by another process become root invocations."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync
from accord.engine import Engine, Record
from accord.store import SqliteStore

from .support import entries, running, stored_rows


class Said(TypedDict):
    text: str


class Chat(Concept):
    @action
    def say(self, text: str) -> Said:
        return {"text": text}

    @action
    def echo(self, text: str) -> Said:
        return {"text": text}


@sync
def echo(text: Var) -> Clauses:
    return Clauses(when=[Chat.say(text=text)], then=[Chat.echo(text=text)])


async def _records_when(engine: Engine, flow: int, count: int) -> list[Record]:
    for _ in range(2000):
        records = engine.records(flow)
        if len(records) >= count and all(r.completed for r in records):
            return records
        await asyncio.sleep(0.01)
    raise AssertionError(f"flow {flow} never reached {count} completed records")


async def test_posted_stimuli_start_and_continue_flows(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    async with running(App([Chat()], [echo]), db, poll_interval=0.02) as engine:
        root = await engine.invoke(Chat.say, text="hi")
        await engine.idle()
        other = SqliteStore(db)  # what the review CLI or a cron job would hold
        other.open()
        try:
            other.conn.execute("BEGIN")  # both at once, so that one batch takes both
            other.post("Chat", "say", {"text": "later"}, flow=root.flow)
            other.post("Chat", "say", {"text": "new"}, flow=None)
            other.conn.execute("COMMIT")
        finally:
            other.close()
        continued = await _records_when(engine, root.flow, 4)
        started = await _records_when(engine, 4, 2)
    assert entries(continued) == [
        (1, "Chat/say", {"text": "hi"}, {"text": "hi"}, None, ()),
        (2, "Chat/echo", {"text": "hi"}, {"text": "hi"}, "echo", (1,)),
        (3, "Chat/say", {"text": "later"}, {"text": "later"}, None, ()),
        (5, "Chat/echo", {"text": "later"}, {"text": "later"}, "echo", (3,)),
    ]
    assert entries(started) == [
        (4, "Chat/say", {"text": "new"}, {"text": "new"}, None, ()),
        (6, "Chat/echo", {"text": "new"}, {"text": "new"}, "echo", (4,)),
    ]
    assert stored_rows(db, "SELECT COUNT(*) FROM inbox") == [(0,)]


async def test_a_stimulus_posted_to_an_unknown_flow_starts_its_own_flow(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "app.db"
    async with running(App([Chat()], [echo]), db, poll_interval=0.02) as engine:
        other = SqliteStore(db)
        other.open()
        try:
            other.post("Chat", "say", {"text": "orphan"}, flow=3)
        finally:
            other.close()
        orphan = await _records_when(engine, 1, 2)
        # Record 3 roots a later flow; the orphan must not have been filed under it.
        fresh = await engine.invoke(Chat.say, text="fresh")
        await engine.idle()
        assert entries(orphan) == [
            (1, "Chat/say", {"text": "orphan"}, {"text": "orphan"}, None, ()),
            (2, "Chat/echo", {"text": "orphan"}, {"text": "orphan"}, "echo", (1,)),
        ]
        assert entries(engine.records(fresh.flow)) == [
            (3, "Chat/say", {"text": "fresh"}, {"text": "fresh"}, None, ()),
            (4, "Chat/echo", {"text": "fresh"}, {"text": "fresh"}, "echo", (3,)),
        ]
    assert "Chat/say was posted to flow 3, which does not exist; it starts flow 1" in caplog.text

"""Reviewing: a durable human-review queue whose decisions carry the item's flow on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, field_validator
from tests.store.pg_server import database
from typer.testing import CliRunner
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync
from accord.cli import app as cli
from accord.concepts.reviewing import Reviewing
from accord.engine import Engine, Record


class Person(BaseModel):
    name: str
    born: date

    @field_validator("born")
    @classmethod
    def not_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("birth date is in the future")
        return value


class Stored(TypedDict):
    key: str


class Dropped(TypedDict):
    dropped: str


class Desk(Concept):
    """A test concept: receives things, stores accepted ones, records drops."""

    schema = ("CREATE TABLE IF NOT EXISTS desk (key TEXT, value TEXT)",)

    @action
    def receive(self, key: str, value: dict[str, Any]) -> Stored:
        return {"key": key}

    @action
    def store(self, key: str, value: dict[str, Any]) -> Stored:
        self.db.execute("INSERT INTO desk VALUES (?, ?)", (key, str(value)))
        return {"key": key}

    @action
    def drop(self, key: str, reason: str) -> Dropped:
        return {"dropped": key}


@sync
def ask_review(key: Var, value: Var) -> Clauses:
    return Clauses(
        when=[Desk.receive(key=key, value=value)],
        then=[
            Reviewing.request(
                subject=key, payload={"key": key}, reason="check", proposed=value, schema="Person"
            )
        ],
    )


@sync
def store_accepted(key: Var, value: Var) -> Clauses:
    return Clauses(
        when=[Desk.receive(key=key), Reviewing.resolve().out(value=value, decision="approved")],
        then=[Desk.store(key=key, value=value)],
    )


@sync
def store_edited(key: Var, value: Var) -> Clauses:
    return Clauses(
        when=[Desk.receive(key=key), Reviewing.resolve().out(value=value, decision="edited")],
        then=[Desk.store(key=key, value=value)],
    )


@sync
def drop_rejected(key: Var, note: Var) -> Clauses:
    return Clauses(
        when=[Desk.receive(key=key), Reviewing.resolve().out(decision="rejected", note=note)],
        then=[Desk.drop(key=key, reason=note)],
    )


@sync
def drop_expired(key: Var) -> Clauses:
    return Clauses(
        when=[Desk.receive(key=key), Reviewing.resolve().out(decision="expired")],
        then=[Desk.drop(key=key, reason="nobody answered in time")],
    )


def make_app(deadline: float | None = None) -> App:
    syncs = [ask_review, store_accepted, store_edited, drop_rejected, drop_expired]
    if deadline is not None:
        syncs[0] = _ask_with_deadline(deadline)
    return App([Desk(), Reviewing({"Person": Person}, poll_interval=0.05)], syncs)


def _ask_with_deadline(seconds: float) -> Any:
    @sync
    def ask_review(key: Var, value: Var) -> Clauses:
        return Clauses(
            when=[Desk.receive(key=key, value=value)],
            then=[
                Reviewing.request(
                    subject=key,
                    payload={},
                    reason="check",
                    proposed=value,
                    schema="Person",
                    deadline=seconds,
                )
            ],
        )

    return ask_review


def names(records: list[Record]) -> list[str]:
    return [r.name for r in records]


async def _start(db: Path, value: dict[str, Any], deadline: float | None = None) -> int:
    async with Engine(make_app(deadline), db, poll_interval=0.05) as engine:
        root = await engine.invoke(Desk.receive, key="k1", value=value)
        await engine.idle()
        return root.flow


async def _resume(db: Path, seconds: float = 0.3) -> list[Record]:
    async with Engine(make_app(), db, poll_interval=0.05) as engine:
        await asyncio.sleep(seconds)
        await engine.idle()
        return engine.records(1)


def _item(db: Path) -> str:
    out = CliRunner().invoke(cli, ["review", "list", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "1 open item(s)" in out.output
    return "rv2"


def test_approve_from_cli_carries_the_flow_on(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    flow = asyncio.run(_start(db, {"name": "Ada", "born": "1990-01-02"}))
    assert flow == 1
    item = _item(db)
    out = CliRunner().invoke(cli, ["review", "approve", item, "--db", str(db)])
    assert out.exit_code == 0, out.output
    records = asyncio.run(_resume(db))
    assert names(records) == [
        "Desk/receive",
        "Reviewing/request",
        "Reviewing/resolve",
        "Desk/store",
    ]
    assert records[2].output == {
        "item": item,
        "decision": "approved",
        "value": {"name": "Ada", "born": "1990-01-02"},
        "note": "",
    }
    assert records[3].sync == "store_accepted"


def test_invalid_edit_is_refused_and_item_stays_open(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    asyncio.run(_start(db, {"name": "Ada", "born": "2990-01-02"}))
    runner = CliRunner()
    bad = runner.invoke(
        cli, ["review", "edit", "rv2", "--db", str(db), "--value", '{"name": "Ada", "born": "x"}']
    )
    assert bad.exit_code == 1
    assert "refused" in bad.output and "born" in bad.output
    assert "stays open" in bad.output
    _item(db)  # still open
    good = runner.invoke(
        cli,
        [
            "review",
            "edit",
            "rv2",
            "--db",
            str(db),
            "--value",
            '{"name": "Ada", "born": "1990-01-02"}',
        ],
    )
    assert good.exit_code == 0, good.output
    records = asyncio.run(_resume(db))
    assert names(records)[-1] == "Desk/store"
    assert records[-1].input == {"key": "k1", "value": {"name": "Ada", "born": "1990-01-02"}}


def test_approving_an_invalid_proposal_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    asyncio.run(_start(db, {"name": "Ada", "born": "2990-01-02"}))
    out = CliRunner().invoke(cli, ["review", "approve", "rv2", "--db", str(db)])
    assert out.exit_code == 1
    assert "birth date is in the future" in out.output


def test_reject_records_the_reason(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    asyncio.run(_start(db, {"name": "Ada", "born": "1990-01-02"}))
    out = CliRunner().invoke(cli, ["review", "reject", "rv2", "--db", str(db), "--reason", "spam"])
    assert out.exit_code == 0, out.output
    records = asyncio.run(_resume(db))
    assert names(records)[-1] == "Desk/drop"
    assert records[-1].input == {"key": "k1", "reason": "spam"}
    again = CliRunner().invoke(cli, ["review", "approve", "rv2", "--db", str(db)])
    assert again.exit_code == 1 and "already rejected" in again.output


@pytest.fixture(params=["sqlite", "postgres"])
def store_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The app's database on each store: a SQLite file, or a schema of the test server."""
    with database(request.param, tmp_path / "app.db") as db:
        yield db


def test_unanswered_item_expires_into_its_flow(store_db: str) -> None:
    async def run() -> list[Record]:
        async with Engine(make_app(deadline=0.1), store_db, poll_interval=0.05) as engine:
            root = await engine.invoke(
                Desk.receive, key="k1", value={"name": "A", "born": "2000-01-01"}
            )
            await engine.wait_for(root.flow, Desk.drop, timeout=5)
            return engine.records(root.flow)

    records = asyncio.run(run())
    assert names(records) == ["Desk/receive", "Reviewing/request", "Reviewing/resolve", "Desk/drop"]
    assert records[2].output is not None and records[2].output["decision"] == "expired"
    assert records[2].sync is None  # a root action, invoked by the deadline, in the item's flow
    assert records[3].input["reason"] == "nobody answered in time"


def test_unknown_schema_is_an_error_completion(store_db: str) -> None:
    async def run() -> Record:
        app = App([Reviewing()], [])
        async with Engine(app, store_db) as engine:
            root = await engine.invoke(
                Reviewing.request, subject="s", payload={}, reason="r", schema="Nope"
            )
            return await engine.completion(root.id, timeout=5)

    done = asyncio.run(run())
    assert done.error["kind"] == "invalid_input"
    assert "unknown review schema 'Nope'" in done.error["message"]


@pytest.mark.parametrize("command", ["list", "show rv1", "approve rv1"])
def test_cli_without_database_says_so(tmp_path: Path, command: str) -> None:
    out = CliRunner().invoke(cli, ["review", *command.split(), "--db", str(tmp_path / "none.db")])
    assert out.exit_code == 2
    assert "no database at" in out.output

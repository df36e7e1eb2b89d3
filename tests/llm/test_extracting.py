"""Extracting as a concept on the real engine: validated outputs or typed errors that syncs
route, and one llm_calls row per call with its llm_attempts rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync
from accord.concepts.extracting import Extracting
from accord.engine import Engine
from accord.llm import Budget, Policy, Prompt, ScriptedModel, Task
from accord.llm.models.test import schema_invalid


class Customer(BaseModel):
    name: str
    email: str


class Received(TypedDict):
    message: str


class Added(TypedDict):
    customer: str


class Queued(TypedDict):
    queued: str


class Inbox(Concept):
    @action
    def receive(self, message: str, text: str) -> Received:
        return {"message": message}


class Customers(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS customers (ref TEXT, record TEXT)",)

    @action
    def add(self, ref: str, record: dict[str, Any]) -> Added:
        self.db.execute("INSERT INTO customers VALUES (?, ?)", (ref, json.dumps(record)))
        return {"customer": ref}


class Triage(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS triage (ref TEXT, reason TEXT)",)

    @action
    def manual(self, ref: str, reason: str) -> Queued:
        self.db.execute("INSERT INTO triage VALUES (?, ?)", (ref, reason))
        return {"queued": ref}


@sync
def extract_received(message: Var, text: Var) -> Clauses:
    return Clauses(
        when=[Inbox.receive(message=message, text=text)],
        then=[Extracting.extract(task="customer", input={"text": text}, ref=message)],
    )


@sync
def store_customer(message: Var, record: Var) -> Clauses:
    return Clauses(
        when=[Inbox.receive(message=message), Extracting.extract(ref=message).out(output=record)],
        then=[Customers.add(ref=message, record=record)],
    )


@sync
def triage_invalid_output(message: Var, why: Var) -> Clauses:
    return Clauses(
        when=[
            Inbox.receive(message=message),
            Extracting.extract(ref=message).err({"kind": "invalid_output", "message": why}),
        ],
        then=[Triage.manual(ref=message, reason=why)],
    )


def make_app(model: ScriptedModel) -> App:
    task = Task(
        "customer",
        output=Customer,
        prompt=Prompt("Who wrote?\n{text}", version="v7"),
        models=[model],
        budget=Budget(attempts=2),
        policy=Policy(timeout=5),
    )
    return App(
        concepts=[Inbox(), Extracting([task]), Customers(), Triage()],
        syncs=[extract_received, store_customer, triage_invalid_output],
    )


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql)]


async def test_a_validated_extraction_flows_on_and_is_recorded(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    model = ScriptedModel(
        [schema_invalid({"name": "Ada"}), {"name": "Ada", "email": "ada@example.com"}]
    )
    async with Engine(make_app(model), db=str(db), deterministic=True) as engine:
        root = await engine.invoke(Inbox.receive, message="m1", text="Ada <ada@example.com>")
        await engine.idle()
        log = engine.records(root.flow)
    assert [f"{r.concept}/{r.action}" for r in log] == [
        "Inbox/receive",
        "Extracting/extract",
        "Customers/add",
    ]
    extract = log[1]
    assert extract.output == {"output": {"name": "Ada", "email": "ada@example.com"}}
    assert rows(db, "SELECT ref, record FROM customers") == [
        {"ref": "m1", "record": '{"name": "Ada", "email": "ada@example.com"}'}
    ]
    [call] = rows(db, "SELECT * FROM llm_calls")
    assert call["record_id"] == str(extract.id) and call["flow"] == str(root.flow)
    assert (call["task"], call["model"], call["prompt_version"], call["outcome"]) == (
        "customer",
        "test:scripted",
        "v7",
        "ok",
    )
    assert (call["attempts"], call["reasked"], call["repaired"], call["fell_back"]) == (2, 1, 0, 0)
    assert json.loads(call["output_json"]) == {"name": "Ada", "email": "ada@example.com"}
    attempts = rows(db, "SELECT * FROM llm_attempts ORDER BY n")
    assert [(a["n"], a["outcome"], a["reask"]) for a in attempts] == [
        (1, "invalid_output", 0),
        (2, "ok", 1),
    ]
    assert json.loads(attempts[0]["errors_json"])[0]["loc"] == ["email"]
    assert attempts[0]["raw"] == '{"name": "Ada"}'


async def test_invalid_output_is_a_typed_error_that_a_sync_routes_to_triage(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    model = ScriptedModel([schema_invalid({"name": "Ada"})] * 2)
    async with Engine(make_app(model), db=str(db), deterministic=True) as engine:
        root = await engine.invoke(Inbox.receive, message="m2", text="Ada, no email")
        await engine.idle()
        log = engine.records(root.flow)
    assert [f"{r.concept}/{r.action}" for r in log] == [
        "Inbox/receive",
        "Extracting/extract",
        "Triage/manual",
    ]
    error = log[1].error
    assert isinstance(error, dict) and error["kind"] == "invalid_output"
    details = error["details"]
    assert details["raw"] == '{"name": "Ada"}'
    assert [a["outcome"] for a in details["attempts"]] == ["invalid_output"] * 2
    assert details["errors"][0]["loc"] == ["email"]
    assert rows(db, "SELECT COUNT(*) AS n FROM customers") == [{"n": 0}]
    assert rows(db, "SELECT ref FROM triage") == [{"ref": "m2"}]
    [call] = rows(db, "SELECT outcome, attempts, output_json FROM llm_calls")
    assert call == {"outcome": "invalid_output", "attempts": 2, "output_json": None}


async def test_an_unknown_task_is_an_invalid_input_error(tmp_path: Path) -> None:
    app = make_app(ScriptedModel([]))
    async with Engine(app, db=str(tmp_path / "app.db"), deterministic=True) as engine:
        rec = await engine.invoke(Extracting.extract, task="nope", input={}, ref="r")
        done = await engine.completion(rec.id, timeout=10)
    assert done.error is not None and done.error["kind"] == "invalid_input"
    assert "customer" in done.error["message"]


async def test_llm_calls_has_exactly_the_columns_drift_detection_reads(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    async with Engine(make_app(ScriptedModel([])), db=str(db), deterministic=True):
        pass
    with sqlite3.connect(db) as conn:
        columns = [(r[1], r[2], r[3], r[4]) for r in conn.execute("PRAGMA table_info(llm_calls)")]
    assert columns == [
        ("record_id", "TEXT", 0, None),
        ("flow", "TEXT", 1, None),
        ("task", "TEXT", 1, None),
        ("model", "TEXT", 1, None),
        ("prompt_version", "TEXT", 1, None),
        ("outcome", "TEXT", 1, None),
        ("attempts", "INTEGER", 1, None),
        ("reasked", "INTEGER", 1, None),
        ("repaired", "INTEGER", 1, None),
        ("fell_back", "INTEGER", 1, None),
        ("reviewed", "INTEGER", 1, "0"),
        ("input_tokens", "INTEGER", 0, None),
        ("output_tokens", "INTEGER", 0, None),
        ("latency_ms", "REAL", 0, None),
        ("cost", "REAL", 0, None),
        ("output_json", "TEXT", 0, None),
        ("output_chars", "INTEGER", 0, None),
        ("created_at", "REAL", 1, None),
    ]


def test_extracting_rejects_duplicate_tasks_and_non_object_outputs() -> None:
    prompt = Prompt("{text}", version="1")
    task = Task("customer", output=Customer, prompt=prompt)
    with pytest.raises(ValueError, match="unique"):
        Extracting([task, task])
    with pytest.raises(TypeError, match="object output"):
        Extracting([Task("tags", output=list[str], prompt=prompt)])

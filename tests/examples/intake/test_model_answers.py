"""The original triggers of issue 10 on the intake example: a model answering a lone surrogate in
``full_name``, or 20 MB, no longer stops the engine or bloats the database; the message is
routed like any invalid answer (next model, then review) and the next message goes on."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from examples.intake.app import build_app
from examples.intake.concepts import Customers, Inbox

from accord.engine import Engine
from accord.llm import Policy, ScriptedModel, register_test_model
from accord.llm.models.test import Step

from .conftest import INTAKE_DIR

CHAIN = ("test:primary", "test:fallback")
MESSAGES = {
    row["id"]: row
    for row in map(json.loads, (INTAKE_DIR / "data" / "messages.jsonl").read_text().splitlines())
}
EXPECTED = {
    row["id"]: row
    for row in map(json.loads, (INTAKE_DIR / "data" / "expected.jsonl").read_text().splitlines())
}


def good(message: str) -> dict[str, Any]:
    record = EXPECTED[message]["record"]
    assert record is not None
    return dict(record)


def script(primary: list[Step], fallback: list[Step]) -> None:
    register_test_model("primary", ScriptedModel(primary, name="test:primary"))
    register_test_model("fallback", ScriptedModel(fallback, name="test:fallback"))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    policy = Policy(timeout=30.0, backoff_base=0.0, backoff_max=0.0)
    async with Engine(
        build_app(CHAIN, policy=policy), tmp_path / "intake.db", deterministic=True
    ) as running:
        yield running


async def receive(engine: Engine, message: str) -> list[str]:
    m = MESSAGES[message]
    root = await engine.invoke(
        Inbox.receive,
        message=m["id"],
        sender=m["sender"],
        subject=m["subject"],
        body=m["body"],
        received_at=datetime.fromisoformat(m["received_at"]),
    )
    await engine.idle()
    return [r.name for r in engine.records(root.flow)]


@pytest.mark.parametrize("escaped", [True, False], ids=["escaped", "character"])
async def test_a_surrogate_in_full_name_goes_to_review_and_the_next_message_is_stored(
    engine: Engine, escaped: bool
) -> None:
    poisoned = json.dumps({**good("msg-0003"), "full_name": "Zo\ud800e"}, ensure_ascii=escaped)
    script([poisoned] * 2 + [good("msg-0004")], [poisoned] * 2)
    flow = await receive(engine, "msg-0003")
    assert flow[-1] == "Reviewing/request"
    assert flow.count("Extracting/extract") == 2  # the fallback model was tried first
    assert await receive(engine, "msg-0004") == [
        "Inbox/receive",
        "Screening/screen",
        "Evidence/gather",
        "Extracting/extract",
        "Evidence/assemble",
        "Customers/add",
    ]
    assert [r["record"] for r in engine.query(Customers.all)] == [good("msg-0004")]


async def test_a_20_mb_answer_falls_back_and_the_database_stays_small(
    engine: Engine, tmp_path: Path
) -> None:
    huge = json.dumps({**good("msg-0003"), "summary": "x" * (20 * 1024 * 1024)})
    script([huge, huge], [good("msg-0003")])
    flow = await receive(engine, "msg-0003")
    assert flow[-1] == "Customers/add"
    with sqlite3.connect(tmp_path / "intake.db") as conn:
        (largest,) = conn.execute(
            "SELECT MAX(length(input) + COALESCE(length(output), 0)) FROM actions"
        ).fetchone()
        (raw,) = conn.execute("SELECT MAX(length(raw)) FROM llm_attempts").fetchone()
    assert largest < 40_000 and raw < 17_000

"""A review decision made while the intake is stopped is applied by the next run, even when that
run has no new message to process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from examples.intake.app import OWN_DOMAINS
from examples.intake.concepts.evidence import DECIDED_FIELDS
from examples.intake.evidence import gather
from examples.intake.messages import IncomingMessage
from examples.intake.oracle import ORACLE, register_oracle
from examples.intake.run import run_intake
from typer.testing import CliRunner

from accord.cli import app as cli
from accord.store.sqlite import SqliteStore

from .conftest import EXPECTED, MESSAGES


def _review_item(db: Path, message: str) -> dict[str, object]:
    store = SqliteStore(db)
    store.open()
    try:
        row = store.reader().one(
            "SELECT item, flow, proposed FROM review_items WHERE subject = ? AND status = 'open'",
            (message,),
        )
        assert row is not None, f"{message} has no open review item"
        return dict(row)
    finally:
        store.close()


def test_decision_made_while_stopped_is_applied_by_a_run_with_nothing_else_to_do(
    tmp_path: Path,
) -> None:
    wanted = next(
        m
        for m, row in EXPECTED.items()
        if row["outcome"] == "review" and "missing:plan" in row["tags"]
    )
    messages = [IncomingMessage.model_validate(MESSAGES[wanted])]
    register_oracle(messages, EXPECTED)
    db = tmp_path / "intake.db"
    first = asyncio.run(run_intake(db, messages, [ORACLE]))
    assert first.outcomes[0].outcome == "review"
    item = _review_item(db, wanted)
    m = messages[0]
    found = gather(m.sender, m.subject, m.body, m.received_at.date(), own_domains=OWN_DOMAINS)
    fixed = {name: found.findings[name].value for name in DECIDED_FIELDS}
    fixed |= {"plan": "pro", "full_name": found.values("full_name")[0], "summary": "Help."}
    store = SqliteStore(db)
    store.open()
    try:  # what `accord review edit` does: post the decision to the app's inbox
        store.post(
            "Reviewing",
            "resolve",
            {"item": item["item"], "decision": "edit", "value": fixed},
            int(str(item["flow"])),
        )
    finally:
        store.close()
    second = asyncio.run(run_intake(db, messages, [ORACLE]))
    assert second.received_now == 0
    assert second.outcomes[0].outcome == "stored"
    assert second.outcomes[0].record is not None
    assert second.outcomes[0].record["plan"] == "pro"


def test_approving_an_item_with_no_proposal_is_refused_where_the_person_decides(
    tmp_path: Path,
) -> None:
    """It once succeeded in the CLI and then failed silently inside the app."""
    wanted = next(m for m, row in EXPECTED.items() if row["reason"] == "two_customers")
    messages = [IncomingMessage.model_validate(MESSAGES[wanted])]
    register_oracle(messages, EXPECTED)
    db = tmp_path / "intake.db"
    assert asyncio.run(run_intake(db, messages, [ORACLE])).outcomes[0].outcome == "review"
    item = _review_item(db, wanted)
    assert item["proposed"] in (None, "null")
    out = CliRunner().invoke(cli, ["review", "approve", str(item["item"]), "--db", str(db)])
    assert out.exit_code == 1
    text = " ".join(out.output.split())
    assert f"review item {item['item']} has no proposed value to approve" in text
    assert "accord review edit" in text and "accord review reject" in text
    assert len(out.output.strip().splitlines()) == 1
    store = SqliteStore(db)
    store.open()
    try:  # nothing was posted: the item waits for `edit` or `reject`
        assert store.reader().all("SELECT * FROM inbox") == []
    finally:
        store.close()
    _review_item(db, wanted)  # still open

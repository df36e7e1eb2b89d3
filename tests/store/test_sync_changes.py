"""Syncs changed while flows are in flight: new syncs apply to new completions only, removed
syncs never fire again, and no pending completion is lost."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app as cli
from accord.engine import Engine
from accord.evolution import recorded_syncs, sync_changes

from .flows_across_versions import Jobs, version1, version2

HERE = Path(__file__).parent


async def _in_flight(db: Path) -> int:
    """Version 1 starts a flow and stops while its async `wait` (made by `kick`) is pending."""
    async with Engine(version1(asyncio.Event()), db) as engine:
        root = await engine.invoke(Jobs.submit, job="j1")
        await engine.wait_for(root.flow, Jobs.submit, timeout=10)
        while not [r for r in engine.records(root.flow) if r.name == "Jobs/wait"]:
            await asyncio.sleep(0.01)
        return root.flow


def test_an_in_flight_flow_follows_the_new_syncs_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "app.db"
    flow = asyncio.run(_in_flight(db))
    with sqlite3.connect(db) as conn:
        pending = conn.execute("SELECT action, sync FROM actions WHERE output IS NULL").fetchall()
    assert pending == [("wait", "kick")]

    async def resume() -> list[tuple[str, str | None]]:
        async with Engine(version2(), db) as engine:
            await engine.wait_for(flow, Jobs.wait, timeout=10)
            await engine.idle()
            return [(r.name, r.sync) for r in engine.records(flow) if r.completed]

    with caplog.at_level(logging.INFO, logger="accord.engine"):
        completed = asyncio.run(resume())
    assert completed == [
        ("Jobs/submit", None),
        ("Jobs/wait", "kick"),  # made by a removed sync: still completes, not lost
        ("Jobs/new_followup", "after_wait_v2"),  # a new sync, on a new completion
    ]
    # The removed after_wait never fired; the new on_submit_v2 never replayed the old submit.
    with sqlite3.connect(db) as conn:
        fired = {s for (s,) in conn.execute("SELECT sync FROM firings")}
        steps = [s for (s,) in conn.execute("SELECT step FROM jobs_done ORDER BY rowid")]
    assert fired == {"kick", "after_wait_v2"}
    assert steps == ["submit", "wait", "new_followup"]
    logged = "\n".join(caplog.messages)
    assert "sync removed after_wait: never fires again" in logged
    assert "sync added on_submit_v2: fires on completions recorded from now on" in logged


def test_the_database_records_which_syncs_ran(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    asyncio.run(_in_flight(db))
    recorded = recorded_syncs(db)
    assert sorted(recorded) == ["after_wait", "kick"]
    changes = sync_changes(recorded, version2().syncs)
    assert changes.added == ("after_wait_v2", "on_submit_v2")
    assert changes.removed == ("after_wait", "kick")
    assert changes.changed == ()
    assert not sync_changes(recorded, version1().syncs)


def test_accord_check_against_a_database_lists_what_changed(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    asyncio.run(_in_flight(db))
    target = f"{HERE / 'flows_across_versions.py'}:v2"
    result = CliRunner().invoke(cli, ["check", target, "--against", str(db)])
    assert result.exit_code == 0, result.output
    assert f"syncs changed since {db} last ran:" in result.output
    assert "added after_wait_v2: fires on completions recorded from now on" in result.output
    assert "removed kick: never fires again; invocations it made still complete" in result.output


def test_accord_check_against_a_missing_database_says_so(tmp_path: Path) -> None:
    target = f"{HERE / 'flows_across_versions.py'}:v2"
    result = CliRunner().invoke(cli, ["check", target, "--against", str(tmp_path / "no.db")])
    assert result.exit_code == 2
    assert "no database at" in result.output

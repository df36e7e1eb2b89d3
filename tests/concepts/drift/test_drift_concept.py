"""The Drift concept in a running engine: syncs route its completions, schedules fire it."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typing_extensions import TypedDict

from accord import App, Concept, action
from accord.concepts.drift import Drift, Scheduled
from accord.drift import take_baseline
from accord.drift.synthetic import SyntheticShape, write_synthetic_calls
from accord.engine import Engine, Record
from accord.sync.text import parse_syncs

N = 3_000
T0 = 1_700_000_000.0
WINDOW_START = T0 + 10 * N

DRIFTED = replace(
    SyntheticShape(),
    schema_failure_rate=0.08,
    category_shares=(0.30, 0.35, 0.15, 0.12, 0.08),
)

ROUTES = """
sync AlertOnDrift
when { Drift/check: [ baseline: ?b ] => [ drifted: ?d ] }
then { Alerts/raise_alert: [ baseline: ?b ; fields: ?d ] }

sync NoteStable
when { Drift/check: [ baseline: ?b ] => [ stable: true ] }
then { Alerts/note: [ baseline: ?b ] }
"""


class Raised(TypedDict):
    alert: str


class Alerts(Concept):
    """Where drift ends up in these tests: raised alerts and notes of stable checks."""

    schema = (
        "CREATE TABLE IF NOT EXISTS alerts (baseline TEXT NOT NULL, kind TEXT NOT NULL, "
        "fields TEXT NOT NULL)",
    )

    @action
    def raise_alert(self, baseline: str, fields: list[str]) -> Raised:
        self.db.execute("INSERT INTO alerts VALUES (?, 'drift', ?)", (baseline, ",".join(fields)))
        return {"alert": baseline}

    @action
    def note(self, baseline: str) -> Raised:
        self.db.execute("INSERT INTO alerts VALUES (?, 'stable', '')", (baseline,))
        return {"alert": baseline}


def _db(tmp_path: Path, window_shape: SyntheticShape) -> Path:
    path = tmp_path / "app.db"
    write_synthetic_calls(path, N, seed=1, start=T0, id_prefix="base-")
    write_synthetic_calls(path, N, seed=2, shape=window_shape, start=WINDOW_START, id_prefix="w-")
    take_baseline(path, "v1", until=WINDOW_START)
    return path


def _app(db: Path, **drift: Any) -> App:
    concepts = [Drift(db, **drift), Alerts()]
    return App(concepts, parse_syncs(ROUTES, concepts, filename="routes.sync"))


def _alerts(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return [tuple(r) for r in conn.execute("SELECT * FROM alerts ORDER BY rowid")]


async def _check(db: Path, **inputs: Any) -> list[Record]:
    async with Engine(_app(db), db) as engine:
        root = await engine.invoke(Drift.check, **inputs)
        await engine.idle()
        return engine.records(root.flow)


def test_drift_is_routed_to_an_alert_naming_the_fields(tmp_path: Path) -> None:
    db = _db(tmp_path, DRIFTED)
    records = asyncio.run(_check(db, baseline="v1", since=WINDOW_START))
    check, alert = records
    assert (check.action, alert.action, alert.sync) == ("check", "raise_alert", "AlertOnDrift")
    assert check.output is not None
    drifted = check.output["drifted"]
    assert {"schema_failure_rate", "output.category"} <= set(drifted)
    assert "output.sentiment" not in drifted
    report = check.output["report"]
    assert report["baseline"] == "v1" and report["window_n"] == N
    assert report["drifted_fields"] == drifted
    assert _alerts(db) == [("v1", "drift", ",".join(drifted))]


def test_a_stable_window_completes_stable(tmp_path: Path) -> None:
    db = _db(tmp_path, SyntheticShape())
    records = asyncio.run(_check(db, baseline="v1", last=N))
    assert [r.action for r in records] == ["check", "note"]
    assert records[0].output is not None
    assert records[0].output["stable"] is True
    assert records[0].output["report"]["drifted_fields"] == []
    assert _alerts(db) == [("v1", "stable", "")]


def test_unknown_baseline_is_a_typed_error_naming_the_stored_ones(tmp_path: Path) -> None:
    db = _db(tmp_path, SyntheticShape())
    (check,) = asyncio.run(_check(db, baseline="v2"))
    assert check.error is not None
    assert check.error["kind"] == "not_found"
    assert "no drift baseline named 'v2'" in check.error["message"]
    assert "stored: v1" in check.error["message"]
    assert _alerts(db) == []


def test_a_bad_window_is_a_typed_error(tmp_path: Path) -> None:
    db = _db(tmp_path, SyntheticShape())
    (check,) = asyncio.run(_check(db, baseline="v1", seconds=60, since=WINDOW_START))
    assert check.error is not None
    assert check.error["kind"] == "invalid_input"
    assert "either seconds or since" in check.error["message"]


def test_scheduled_check_runs_as_a_root_action_and_reaches_the_alerts(tmp_path: Path) -> None:
    db = _db(tmp_path, DRIFTED)

    async def run() -> list[Record]:
        app = _app(db, schedule=[("v1", 0.2, N)])
        async with Engine(app, db) as engine:
            for _ in range(300):
                if _alerts(db):
                    break
                await asyncio.sleep(0.05)
            await engine.idle()
            store = engine.store
            rows = store.reader().all("SELECT DISTINCT flow FROM actions ORDER BY flow")
            return [r for row in rows for r in engine.records(int(row["flow"]))]

    records = asyncio.run(run())
    checks = [r for r in records if r.action == "check"]
    assert checks, "the scheduled check never ran"
    assert all(r.sync is None and r.input == {"baseline": "v1", "last": N} for r in checks)
    raised = [r for r in records if r.action == "raise_alert"]
    assert raised and raised[0].flow == checks[0].flow
    assert _alerts(db)[0][:2] == ("v1", "drift")


def test_schedule_entries_are_checked_when_the_concept_is_built(tmp_path: Path) -> None:
    assert Drift(tmp_path / "a.db", schedule=[("v1", 60)]).schedule == (Scheduled("v1", 60),)
    with pytest.raises(ValueError, match="every must be seconds > 0"):
        Drift(tmp_path / "a.db", schedule=[("v1", 0)])
    with pytest.raises(ValueError, match="last calls or seconds, not both"):
        Drift(tmp_path / "a.db", schedule=[("v1", 60, 100, 3600)])
    with pytest.raises(TypeError, match="write \\(baseline, every_seconds\\)"):
        Drift(tmp_path / "a.db", schedule=[("v1",)])
    with pytest.raises(ValueError, match="in-memory database cannot be shared"):
        Drift(":memory:")

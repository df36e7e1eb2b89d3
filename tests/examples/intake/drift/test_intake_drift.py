"""Drift of the intake example, end to end: a good model, a baseline, a worse model, a check.

Both runs go through the intake's own command line (``python -m examples.intake run``) and the
drift checks through ``accord drift``, in this process so the test model can be registered.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from examples.intake.cli import app as intake_cli
from typer.testing import CliRunner

from accord.cli import app as accord_cli

from .vendor import MESSAGES, register_vendor

runner = CliRunner()
PASSES = 2


def _messages(path: Path, phase: str) -> Path:
    """Every bundled message, PASSES times, under new ids (the intake skips ids it has seen).

    Both phases send the same texts, so whatever drifts comes from the model. One pass gives
    about 100 calls and 70 stored records per phase, too few for a check of ~20 fields at a 1%
    false-alarm rate (each field tested at 0.01 / m) to see most of these changes; two passes
    give about 200 calls and 140 records.
    """
    rows = [{**m, "id": f"{phase}{k}-{m['id']}"} for k in range(PASSES) for m in MESSAGES]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _intake(data: Path, db: Path) -> None:
    expected = Path(__file__).resolve().parents[4] / "examples/intake/data/expected.jsonl"
    result = runner.invoke(
        intake_cli,
        [
            "run",
            "--data",
            str(data),
            "--db",
            str(db),
            "--model",
            "test:vendor",
            "--expected",
            str(expected),
            "--window",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_a_worse_model_behind_the_same_name_fails_the_drift_check(tmp_path: Path) -> None:
    vendor = register_vendor()
    db = tmp_path / "intake.db"
    first = _messages(tmp_path / "first.jsonl", "good")
    second = _messages(tmp_path / "second.jsonl", "worse")

    _intake(first, db)
    taken = runner.invoke(accord_cli, ["drift", "baseline", "--db", str(db), "--name", "good"])
    assert taken.exit_code == 0, taken.output
    assert "task 'customer_record_1'" in taken.output

    cutover = time.time()
    vendor.degraded = True
    _intake(second, db)

    result = runner.invoke(
        accord_cli,
        ["drift", "check", "--db", str(db), "--baseline", "good", "--since", str(cutover)],
    )
    assert result.exit_code == 1, result.output
    summary = " ".join(result.output.split("drifted field(s):")[1].split("; window")[0].split())
    drifted = {name.strip() for name in summary.split(",")}
    # What the worse model changed: invalid answers (re-asked, then failed), repaired ones,
    # the summaries it writes, and the time it takes.
    assert {
        "schema_failure_rate",
        "reask_rate",
        "repair_rate",
        "error_rate",
        "outcome",
        "output.summary.length",
        "latency_ms",
    } <= drifted, result.output
    # What it did not change: same model string, same messages, the other fields as before.
    assert drifted.isdisjoint(
        {
            "model",
            "refusal_rate",
            "fallback_rate",
            "output.full_name.length",
            "output.company.length",
        }
    ), result.output

    first_half = runner.invoke(
        accord_cli,
        ["drift", "check", "--db", str(db), "--baseline", "good", "--until", str(cutover)],
    )
    assert first_half.exit_code == 0, first_half.output
    assert "0 drifted field(s)" in first_half.output

"""The `accord drift` Typer app: exit codes and files, through a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from accord.cli.drift import drift_app, parse_time, parse_window

from ._data import WINDOW_START

runner = CliRunner()


def _baseline(db: Path) -> None:
    result = runner.invoke(
        drift_app, ["baseline", "--db", str(db), "--name", "v1", "--until", str(WINDOW_START)]
    )
    assert result.exit_code == 0, result.output
    assert "baseline v1 of task 'extract_customer': 3000 calls" in result.output


def test_check_exits_0_on_a_stable_window(stable_db: Path) -> None:
    _baseline(stable_db)
    result = runner.invoke(
        drift_app,
        ["check", "--db", str(stable_db), "--baseline", "v1", "--since", str(WINDOW_START)],
    )
    assert result.exit_code == 0, result.output
    assert "0 drifted field(s)" in result.output


def test_check_exits_1_on_drift_and_writes_html(drifted_db: Path, tmp_path: Path) -> None:
    _baseline(drifted_db)
    html = tmp_path / "drift.html"
    result = runner.invoke(
        drift_app,
        [
            "check",
            "--db",
            str(drifted_db),
            "--baseline",
            "v1",
            "--window",
            "3000",
            "--html",
            str(html),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "DRIFT" in result.output
    assert html.read_text(encoding="utf-8").count("data:image/svg+xml;base64,") > 10


def test_unknown_baseline_exits_2_with_the_reason(stable_db: Path) -> None:
    result = runner.invoke(drift_app, ["check", "--db", str(stable_db), "--baseline", "nope"])
    assert result.exit_code == 2
    assert "no drift baseline named 'nope'" in result.output


def test_bad_window_is_rejected_with_the_accepted_forms(stable_db: Path) -> None:
    result = runner.invoke(
        drift_app, ["check", "--db", str(stable_db), "--baseline", "v1", "--window", "lots"]
    )
    assert result.exit_code == 2
    assert "neither a number of calls" in result.output


def test_time_options_accept_iso_unix_and_durations_ago() -> None:
    now = 1_800_000_000.0
    assert parse_time("24h", "--since", now=now) == now - 86_400
    assert parse_time("1700000000", "--since") == 1_700_000_000.0
    assert parse_time("2026-01-01T00:00:00+00:00", "--since") == 1_767_225_600.0
    with pytest.raises(typer.BadParameter, match="not a time"):
        parse_time("yesterday", "--since")
    assert parse_window("500", None, None) == (None, None, 500)
    with pytest.raises(typer.BadParameter, match="either a duration"):
        parse_window("7d", "1700000000", None)

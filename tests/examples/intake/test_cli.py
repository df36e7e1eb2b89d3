"""``python -m examples.intake run`` on a user's own file: bad lines named, export per message."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from examples.intake.cli import app
from typer.testing import CliRunner

from .conftest import DATA_DIR, MESSAGES, Script


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_run_names_bad_lines_stores_nothing_for_them_and_exports(tmp_path: Path) -> None:
    no_time = {k: v for k, v in MESSAGES["msg-0010"].items() if k != "received_at"}
    naive = {**MESSAGES["msg-0024"], "received_at": "2025-06-21 17:48"}
    data = _write(
        tmp_path / "mine.jsonl",
        [
            json.dumps(MESSAGES["msg-0003"]),
            "{not json",
            json.dumps(no_time),
            json.dumps(MESSAGES["msg-0028"]),
            json.dumps(naive),
            json.dumps(MESSAGES["msg-0003"]),
            json.dumps(MESSAGES["msg-0206"]),
        ],
    )
    db, export = tmp_path / "intake.db", tmp_path / "out.jsonl"
    args = [
        "run",
        "--data",
        str(data),
        "--db",
        str(db),
        "--model",
        "test:oracle",
        "--expected",
        str(DATA_DIR / "expected.jsonl"),
        "--export",
        str(export),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "mine.jsonl:2: not valid JSON" in out
    assert "mine.jsonl:3: field 'received_at' is missing" in out
    assert "mine.jsonl:5: field 'received_at' must be an ISO 8601 time with an offset" in out
    assert "mine.jsonl:6: id 'msg-0003' repeats line 1" in out
    assert "4 bad line(s) skipped" in out

    rows = [json.loads(line) for line in export.read_text().splitlines()]
    assert [(r["id"], r["outcome"]) for r in rows] == [
        ("msg-0003", "stored"),
        ("msg-0028", "rejected"),
        ("msg-0206", "review"),
    ]
    assert rows[0]["record"]["email"] == "tara_mcallister@zenithsolar.energy"
    assert rows[1]["record"] is None and rows[2]["record"] is None
    with sqlite3.connect(db) as conn:
        received = conn.execute("SELECT message FROM inbox_messages ORDER BY message").fetchall()
    assert received == [("msg-0003",), ("msg-0028",), ("msg-0206",)]

    again = CliRunner().invoke(app, args)  # resumes: nothing is received twice
    assert again.exit_code == 0, again.output
    assert "3 message(s) were already received earlier" in again.output


def test_missing_data_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--data", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "no message file at" in result.output and "--data FILE" in result.output


def test_lines_the_log_cannot_store_are_skipped_by_name_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    """A "\\ud800" escape decodes to a lone surrogate: it once hung the run with no output."""
    poisoned = json.dumps(MESSAGES["msg-0003"]).replace('"subject": "', '"subject": "\\ud800', 1)
    deep = '{"id": "deep", "body": ' + "[" * 100_000 + "]" * 100_000 + "}"
    data = _write(tmp_path / "mine.jsonl", [poisoned, deep, json.dumps(MESSAGES["msg-0028"])])
    db = tmp_path / "intake.db"
    args = [
        "run",
        "--data",
        str(data),
        "--db",
        str(db),
        "--model",
        "test:oracle",
        "--expected",
        str(DATA_DIR / "expected.jsonl"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "mine.jsonl:1: field 'subject': lone surrogate U+D800" in out
    assert "mine.jsonl:2: JSON nested too deeply" in out or "mine.jsonl:2: field" in out
    with sqlite3.connect(db) as conn:
        received = conn.execute("SELECT message FROM inbox_messages").fetchall()
        pending = conn.execute("SELECT COUNT(*) FROM actions WHERE output IS NULL").fetchone()
    assert received == [("msg-0028",)]
    assert pending == (0,)


def _run_args(data: Path, db: Path, *extra: str) -> list[str]:
    return ["run", "--data", str(data), "--db", str(db), *extra]


TARA = {
    "full_name": "Tara McAllister",
    "company": "Zenith Solar",
    "summary": "Add logo and brand colours to the customer portal.",
}


def test_expectations_of_another_layout_beside_the_data_are_ignored_with_a_warning(
    tmp_path: Path, script: Script
) -> None:
    """Such a file once crashed the summary with KeyError: 'outcome' after the whole run, and
    the export was never written."""
    data = _write(tmp_path / "mine.jsonl", [json.dumps(MESSAGES["msg-0003"])])
    _write(tmp_path / "expected.jsonl", [json.dumps({"id": "msg-0003", "label": "customer"})])
    script(primary=[TARA])
    export = tmp_path / "out.jsonl"
    args = _run_args(data, tmp_path / "i.db", "--model", "test:primary", "--export", str(export))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "warning: ignoring" in out and "expected.jsonl:1:" in out
    assert '"outcome" is None' in out and "pass --expected FILE" in out
    assert out.index("wrote 1 outcome(s)") < out.index("intake summary")
    rows = [json.loads(line) for line in export.read_text().splitlines()]
    assert [(r["id"], r["outcome"]) for r in rows] == [("msg-0003", "stored")]
    assert "outcome vs expected" not in out  # nothing scored against the ignored file


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('["msg-0003", "stored"]', "not a JSON object"),
        ('{"outcome": "stored"}', 'no "id"'),
        ('{"id": "msg-0003", "outcome": "kept"}', "\"outcome\" is 'kept'"),
        ('{"id": "msg-0003", "outcome": "stored", "record": {"email": "a@b.c"}}', "lacks"),
    ],
)
def test_a_malformed_expectations_file_asked_for_stops_before_the_run(
    tmp_path: Path, line: str, reason: str
) -> None:
    data = _write(tmp_path / "mine.jsonl", [json.dumps(MESSAGES["msg-0003"])])
    bad = _write(tmp_path / "exp.jsonl", ['{"id": "msg-0028", "outcome": "rejected"}', line])
    db = tmp_path / "i.db"
    result = CliRunner().invoke(app, _run_args(data, db, "--expected", str(bad)))
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    out = " ".join(result.output.split())
    assert "exp.jsonl:2:" in out and reason in out and '"id", "outcome"' in out
    assert not db.exists()  # nothing ran


def test_an_expectations_file_asked_for_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    data = _write(tmp_path / "mine.jsonl", [json.dumps(MESSAGES["msg-0003"])])
    missing = tmp_path / "nope.jsonl"
    result = CliRunner().invoke(app, _run_args(data, tmp_path / "i.db", "--expected", str(missing)))
    assert result.exit_code == 2
    assert "no expectations file at" in result.output and "--expected" in result.output

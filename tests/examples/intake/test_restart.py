"""The demo entry point killed half-way (SIGKILL) and run again finishes every message once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from examples.intake.schema import CustomerRecord

from .conftest import DATA_DIR, EXPECTED, MESSAGES, ROOT


def _command(db: Path) -> list[str]:
    data = str(DATA_DIR / "messages.jsonl")
    return [
        sys.executable,
        "-m",
        "examples.intake",
        "run",
        "--model",
        "test:oracle",
        "--db",
        str(db),
        "--data",
        data,
        "--window",
        "2",
    ]


def _env(delay: float) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "INTAKE_ORACLE_DELAY": str(delay)}


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_killed_run_resumes_and_finishes_every_message_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "intake.db"
    first = subprocess.Popen(
        _command(db), env=_env(0.05), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while _count(db, "SELECT COUNT(*) FROM customers") < 30:
        assert first.poll() is None, f"the run ended early: {first.communicate()[1]!r}"
        assert time.monotonic() < deadline, "the first run made no progress in 120 s"
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    stored_at_kill = _count(db, "SELECT COUNT(*) FROM customers")
    assert stored_at_kill < 138, "the run finished before it could be interrupted"

    second = subprocess.run(
        _command(db), env=_env(0.0), capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stderr
    assert "already received earlier" in second.stdout

    with sqlite3.connect(db) as conn:
        receives = dict(
            conn.execute(
                "SELECT json_extract(input, '$.message'), COUNT(*) FROM actions "
                "WHERE concept = 'Inbox' AND action = 'receive' GROUP BY 1"
            ).fetchall()
        )
        assert receives == dict.fromkeys(MESSAGES, 1)
        assert conn.execute("SELECT COUNT(*) FROM actions WHERE output IS NULL").fetchone() == (0,)
        # A sync fires once per combination of completions, restart or not.
        assert conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM actions WHERE sync IS NOT NULL "
            "GROUP BY flow, sync, cause HAVING COUNT(*) > 1)"
        ).fetchone() == (0,)
        finals = conn.execute(
            "SELECT r.flow, "
            " (SELECT COUNT(*) FROM actions a WHERE a.flow = r.flow AND a.concept = 'Customers'"
            "   AND json_extract(a.output, '$.error') IS NULL)"
            " + (SELECT COUNT(*) FROM actions a WHERE a.flow = r.flow AND a.concept = 'Inbox'"
            "   AND a.action = 'drop')"
            " + (SELECT COUNT(*) FROM review_items i WHERE i.flow = r.flow AND i.status = 'open')"
            " FROM actions r WHERE r.concept = 'Inbox' AND r.action = 'receive'"
        ).fetchall()
        assert len(finals) == len(MESSAGES)
        assert {n for _, n in finals} == {1}, "every message has exactly one final outcome"
        rows = conn.execute("SELECT record FROM customers").fetchall()
    expected_stored = sum(e["outcome"] == "stored" for e in EXPECTED.values())
    assert len(rows) == expected_stored
    for (record,) in rows:
        CustomerRecord.model_validate_json(record)

"""Crash recovery: an engine killed with SIGKILL at random points loses and repeats nothing.

crash_workload.py runs in a subprocess on one database; the test kills it at seeded random
moments (while it submits, runs actions, commits), each time raising the number of jobs it must
submit, then lets a last run finish. An uninterrupted run of the same workload on another file is
the reference: the logs (modulo ids and attempts) and every concept table must be equal.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from accord.ownership import ENGINE_TABLES as LOG_TABLES

WORKLOAD = Path(__file__).with_name("crash_workload.py")
KILLS = 20
JOBS_PER_ROUND = 10
SEED = 20261126


def _run(db: Path, jobs: int, kill_after: float | None, pace: float = 0.0) -> bool:
    """Run the workload; kill it ``kill_after`` seconds after it is ready. True if killed."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen(
        [sys.executable, str(WORKLOAD), str(db), str(jobs), str(pace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if kill_after is None or line != "ready\n":
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"workload failed ({proc.returncode}): {line}{err}"
            return False
        time.sleep(kill_after)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
        assert killed or proc.returncode == 0, f"workload failed ({proc.returncode}): {err}"
        return killed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _state(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables = [
        name
        for (name,) in _rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")
        if name not in LOG_TABLES and not name.startswith("sqlite_")
    ]
    return {t: sorted(_rows(db, f"SELECT * FROM {t}"), key=repr) for t in sorted(tables)}


Logged = tuple[str, str, str, str | None, tuple[str, ...]]


def _logs(db: Path) -> dict[int, list[Logged]]:
    """Per job: its flow's records as (name, input, output, sync, causes by name and input),
    sorted, so that runs with different ids and interleavings compare equal."""
    rows = _rows(db, "SELECT id, flow, concept, action, input, output, sync, cause FROM actions")
    by_id = {r[0]: r for r in rows}
    job_of_flow = {r[1]: json.loads(r[4])["job"] for r in rows if r[6] is None}
    logs: dict[int, list[Logged]] = {}
    for _, flow, concept, act, inp, out, sync_name, cause in rows:
        # Which Totals/add completes a job depends on the interleaving, so that cause is
        # compared by name only; every other cause is compared by name and input.
        causes = tuple(
            f"{by_id[c][2]}/{by_id[c][3]}"
            + ("" if by_id[c][2:4] == ("Totals", "add") else f" {by_id[c][4]}")
            for c in json.loads(cause)
        )
        logs.setdefault(job_of_flow[flow], []).append(
            (f"{concept}/{act}", inp, out, sync_name, causes)
        )
    return {job: sorted(entries, key=repr) for job, entries in logs.items()}


@pytest.mark.slow
def test_an_engine_killed_at_random_points_loses_and_repeats_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "crashed.db"
    jobs = kills = rounds = 0
    while kills < KILLS:
        rounds += 1
        assert rounds <= 4 * KILLS, f"only {kills} kills landed in {rounds - 1} runs"
        jobs += JOBS_PER_ROUND
        # Right after startup and resume, or anywhere in the run (submissions, actions, commits).
        kill_after = rng.choice([0.0, rng.uniform(0, 0.3), rng.uniform(0.2, 0.7)])
        kills += _run(db, jobs, kill_after, pace=0.03)
    _run(db, jobs, None)  # the last run finishes everything

    reference = tmp_path / "reference.db"
    _run(reference, jobs, None)

    # Nothing pending, no flow halted, every job submitted exactly once and finished.
    assert _rows(db, "SELECT COUNT(*) FROM actions WHERE output IS NULL") == [(0,)]
    assert _rows(db, "SELECT COUNT(*) FROM flow_events") == [(0,)]
    roots = _rows(db, "SELECT input FROM actions WHERE sync IS NULL ORDER BY id")
    assert sorted(json.loads(i)["job"] for (i,) in roots) == list(range(jobs))
    # Fire once: no invocation was produced twice by the same firing...
    produced = _rows(
        db, "SELECT sync, cause, concept, action, input FROM actions WHERE sync IS NOT NULL"
    )
    assert [k for k, n in Counter(produced).items() if n > 1] == []
    # ... every invocation has its firing record, and the firings match the reference's.
    firings = set(_rows(db, "SELECT sync, key FROM firings"))
    for sync_name, cause, *_ in produced:
        assert (sync_name, ",".join(map(str, json.loads(cause)))) in firings
    count_firings = "SELECT sync, COUNT(*) FROM firings GROUP BY sync ORDER BY sync"
    assert _rows(db, count_firings) == _rows(reference, count_firings)
    # No completion lost or repeated: the same log and the same state as the reference run.
    assert _logs(db) == _logs(reference)
    assert _state(db) == _state(reference)
    # The kills did interrupt work: some invocations were resumed after a crash.
    assert _rows(db, "SELECT COUNT(*) > 0 FROM actions WHERE attempt > 1") == [(1,)]

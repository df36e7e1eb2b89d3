"""Chaos: 4 `accord worker` processes on one PostgreSQL, SIGKILLed at random and restarted,
run flows with scripted model calls; nothing is lost, nothing runs twice, and the concept state
equals that of an uninterrupted single-process SQLite run of the same workload.

Sized by ACCORD_CHAOS_FLOWS (default 600), ACCORD_CHAOS_KILLS (default 20) and
ACCORD_TEST_MAX_DELAY_MS (the longest model call; default 500).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from accord.engine import Engine
from accord.ownership import Ownership
from accord.store.postgres import PostgresStore

from . import worker_app
from .worker_app import STEPS, Work

ROOT = Path(__file__).resolve().parents[2]
FLOWS = int(os.environ.get("ACCORD_CHAOS_FLOWS", "600"))
KILLS = int(os.environ.get("ACCORD_CHAOS_KILLS", "20"))
DELAY_MS = os.environ.get("ACCORD_TEST_MAX_DELAY_MS", "500")


def start_worker(url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        "ACCORD_TEST_MAX_DELAY_MS": DELAY_MS,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "accord.cli",
            "worker",
            "tests.store.worker_app:app",
            "--db",
            url,
            "--takeover-interval",
            "0.2",
            "--log-level",
            "error",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def counts(db: object, sql: str) -> int:
    row = db.one(sql)  # type: ignore[attr-defined]
    assert row is not None
    return int(next(iter(row.values())))


async def sqlite_reference(tmp_path: Path) -> tuple[set[tuple[str, int]], int, int]:
    """The state rows, actions and firings of the same workload on one SQLite engine."""
    os.environ["ACCORD_TEST_MAX_DELAY_MS"] = "0"
    try:
        async with Engine(worker_app.build(), tmp_path / "reference.db") as engine:
            for i in range(FLOWS):
                await engine.invoke(Work.step, key=f"k{i}", n=0)
            await engine.idle()
            db = engine.store.reader()
            rows = {(r["key"], r["n"]) for r in db.all("SELECT key, n FROM work_done")}
            return (
                rows,
                counts(db, "SELECT count(*) FROM actions"),
                counts(db, "SELECT count(*) FROM firings"),
            )
    finally:
        os.environ.pop("ACCORD_TEST_MAX_DELAY_MS", None)


@pytest.mark.slow
async def test_killing_workers_at_random_loses_nothing_and_duplicates_nothing(
    pg_url: str, pg_schema: str, tmp_path: Path
) -> None:
    url = f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{pg_schema}"
    setup = PostgresStore(url, schema=pg_schema)
    # The log and Work's schema exist before anyone posts or reads (a connection sees the
    # concept schemas that exist when it opens).
    setup.open(())
    setup.isolate(Ownership.of([Work()]))
    setup.close()
    client = PostgresStore(url, schema=pg_schema)
    client.attach()
    workers = [start_worker(url) for _ in range(4)]
    rng = random.Random(15)
    kills = posted = 0

    def post(count: int) -> None:
        nonlocal posted
        for _ in range(min(count, FLOWS - posted)):
            client.post("Work", "step", {"key": f"k{posted}", "n": 0}, None)
            posted += 1

    try:
        burst = max(1, FLOWS // (KILLS + 1))
        while kills < KILLS:
            # Every worker up (one still importing would prove nothing), then a burst of
            # flows, then a kill at a random moment while they run.
            async with asyncio.timeout(60):
                while len(client.live_workers()) < len(workers):
                    await asyncio.sleep(0.05)
            post(burst)
            await asyncio.sleep(rng.uniform(0.05, 0.6))
            victim = rng.randrange(len(workers))
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            workers[victim] = start_worker(url)
            kills += 1
        post(FLOWS)
        db = client.reader()
        async with asyncio.timeout(240):
            while (
                counts(
                    db, "SELECT count(*) FROM actions WHERE action = 'last' AND output IS NOT NULL"
                )
                < FLOWS
            ):
                assert all(w.poll() is None for w in workers), "a worker exited on its own"
                await asyncio.sleep(0.2)
        rows = {(r["key"], r["n"]) for r in db.all("SELECT key, n FROM work_done")}
        actions = counts(db, "SELECT count(*) FROM actions")
        firings = counts(db, "SELECT count(*) FROM firings")
        pending = counts(db, "SELECT count(*) FROM actions WHERE output IS NULL")
        errors = counts(db, "SELECT count(*) FROM actions WHERE output LIKE '{\"error\"%'")
        retried = counts(db, "SELECT count(*) FROM actions WHERE attempt > 1")
        inbox = counts(db, "SELECT count(*) FROM inbox")
        live = client.live_workers()
        stuck = [f for f, owner in client.claims().items() if owner not in live]
        stuck_pending = [
            f
            for f in stuck
            if counts(db, f"SELECT count(*) FROM actions WHERE flow = {f} AND output IS NULL")
        ]
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                w.kill()
        client.close()
    reference_rows, reference_actions, reference_firings = await sqlite_reference(tmp_path)
    assert kills >= KILLS
    assert (pending, errors, inbox) == (0, 0, 0)
    assert len(rows) == FLOWS * STEPS
    assert rows == reference_rows  # concept state as in an uninterrupted SQLite run
    assert actions == reference_actions == FLOWS * STEPS  # no invocation recorded twice
    assert firings == reference_firings  # no sync fired twice (nor missed)
    assert stuck_pending == []  # no flow with work left is held by a dead worker
    print(f"{kills} kills, {retried} invocations retried after a kill")

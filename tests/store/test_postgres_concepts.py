"""``accord worker --concepts``: two workers with disjoint concepts complete flows that need
both. Each runs only its concepts' actions; the syncs of a flow run on the worker holding it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from accord.store._pgscope import engine_path, set_path
from accord.store.postgres import PostgresStore

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.store.split_app:app"
FLOWS = 60


def schema_url(server: str, schema: str) -> str:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    joiner = "&" if "?" in server else "?"
    return f"{server}{joiner}options=-csearch_path%3D{schema}"


def start_worker(
    url: str, concepts: str, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "accord.cli", "worker", APP, "--db", url]
    command += ["--concepts", concepts, "--takeover-interval", "0.5"]
    with log.open("ab") as sink:
        return subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, env=env)


@pytest.fixture
def url(pg_url: str, pg_schema: str) -> str:
    return schema_url(pg_url, pg_schema)


@pytest.fixture
def workers(url: str, tmp_path: Path) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    started = {
        name: start_worker(url, name, tmp_path / f"{name}.log") for name in ("Desk", "Model")
    }
    try:
        yield started
    finally:
        for process in started.values():
            process.send_signal(signal.SIGTERM)
        for process in started.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    """``sql``'s rows, seeing every concept's tables as the engine does (each in its schema)."""
    with psycopg.connect(url, autocommit=True) as conn:
        app_schema = str(conn.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
        set_path(conn, engine_path(conn, app_schema))
        return conn.execute(sql).fetchall()


def wait_until(check: object, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting until {what}")


def test_two_workers_with_disjoint_concepts_complete_flows_that_need_both(
    url: str, workers: dict[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    def both_started() -> bool:
        found = rows(url, "SELECT to_regclass('worker_concepts') IS NOT NULL")
        return bool(found[0][0]) and len(rows(url, "SELECT * FROM worker_concepts")) >= 2

    wait_until(both_started, "both workers started")
    poster = PostgresStore(url)
    try:
        for i in range(FLOWS):
            poster.post("Desk", "ask", {"key": f"k{i:02}"}, None)
    finally:
        poster.close()

    def settled() -> bool:
        done = rows(url, "SELECT count(*) FROM desk_filed")[0][0]
        pending = rows(url, "SELECT count(*) FROM actions WHERE output IS NULL")[0][0]
        return done == FLOWS and pending == 0

    logs = "\n".join(p.read_text() for p in tmp_path.glob("*.log"))
    try:
        wait_until(settled, f"{FLOWS} flows completed")
    except AssertionError:
        raise AssertionError(logs) from None
    desk, model = workers["Desk"].pid, workers["Model"].pid
    # Each concept's actions ran only on the worker that serves it, once per flow.
    assert rows(url, "SELECT DISTINCT pid FROM desk_filed") == [(desk,)]
    assert rows(url, "SELECT DISTINCT pid, attempt FROM model_calls") == [(model, 1)]
    filed = rows(url, "SELECT key, answer FROM desk_filed ORDER BY key")
    assert filed == [(f"k{i:02}", f"K{i:02}") for i in range(FLOWS)]
    # Every flow: ask, answer, check, file, each completed once without error.
    shapes = rows(
        url,
        "SELECT flow, string_agg(concept || '/' || action, ' ' ORDER BY id), "
        "bool_and(output NOT LIKE '{\"error\"%') FROM actions GROUP BY flow",
    )
    assert len(shapes) == FLOWS
    assert {(s[1], s[2]) for s in shapes} == {("Desk/ask Model/answer Model/check Desk/file", True)}
    assert rows(url, "SELECT count(*) FROM firings") == [(3 * FLOWS,)]
    # Whichever worker held a flow (one may win every claim on a quiet machine), the actions
    # of the concept it does not run ran on the other worker (the pids above); every result
    # handed over was recorded by the holder.
    assert rows(url, "SELECT count(*) FROM action_results") == [(0,)]


def test_a_model_worker_killed_mid_call_is_replaced_and_nothing_is_lost(
    url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "ACCORD_TEST_MODEL_DELAY": "0.3"}
    desk = start_worker(url, "Desk", tmp_path / "desk.log", env)
    models = [start_worker(url, "Model", tmp_path / f"model{i}.log", env) for i in range(2)]
    try:
        wait_until(
            lambda: (
                len(rows(url, "SELECT * FROM worker_concepts")) >= 3
                if rows(url, "SELECT to_regclass('worker_concepts') IS NOT NULL")[0][0]
                else False
            ),
            "three workers started",
        )
        poster = PostgresStore(url)
        try:
            for i in range(FLOWS):
                poster.post("Desk", "ask", {"key": f"k{i:02}"}, None)
        finally:
            poster.close()
        wait_until(
            lambda: rows(url, "SELECT count(*) FROM action_claims")[0][0] > 0, "a model call"
        )
        models[0].kill()  # mid-call: its claims' lock is gone with its session
        models[0].wait()

        def settled() -> bool:
            done = rows(url, "SELECT count(*) FROM desk_filed")[0][0]
            pending = rows(url, "SELECT count(*) FROM actions WHERE output IS NULL")[0][0]
            return done == FLOWS and pending == 0

        wait_until(settled, f"{FLOWS} flows completed")
    finally:
        for process in (desk, *models):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    filed = rows(url, "SELECT key, answer FROM desk_filed ORDER BY key")
    assert filed == [(f"k{i:02}", f"K{i:02}") for i in range(FLOWS)]
    # Every model call recorded once (the state write of a killed call never committed),
    # by the surviving model worker whenever the killed one had not finished it.
    calls = rows(url, "SELECT key, pid FROM model_calls ORDER BY key")
    assert [k for k, _ in calls] == [f"k{i:02}" for i in range(FLOWS)]
    assert {pid for _, pid in calls} <= {models[0].pid, models[1].pid}
    assert rows(url, "SELECT count(*) FROM firings") == [(3 * FLOWS,)]
    assert rows(url, "SELECT count(*) FROM actions") == [(4 * FLOWS,)]
    assert rows(url, "SELECT count(*) FROM action_results") == [(0,)]


def test_unknown_concepts_are_refused_in_one_line(url: str) -> None:
    command = [sys.executable, "-m", "accord.cli", "worker", APP, "--db", url]
    result = subprocess.run(
        [*command, "--concepts", "Desk,Oracle"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "--concepts Desk,Oracle: no concept Oracle in tests.store.split_app:app" in (
        result.stderr
    )

"""``accord serve`` as a deployment runs it: a real subprocess, real signals, a real failure.

SIGTERM and SIGINT stop the server in every state (idle, with requests waiting on a slow flow,
after an engine failure), and every waiting request is answered first. When the engine fails,
the waiting requests are answered with 503 at once and the process exits with status 1.

The module is also the app under test: ``accord serve tests.cli.test_serve_signals:app``.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync
from accord.cli.serve import ENGINE_FAILED
from accord.concepts.requesting import Requesting
from accord.web import free_port

ROOT = Path(__file__).resolve().parents[2]
SHUTDOWN_TIMEOUT = 2
# How long stopping may take at most: the shutdown timeout, the engine's stop and the
# interpreter's exit, with room for a loaded machine. A hang fails the test instead.
STOP_BOUND = SHUTDOWN_TIMEOUT + 20


class Done(TypedDict):
    done: str


class Slow(Concept):
    """An async action that takes ten minutes, like a stuck model call."""

    @action
    async def wait(self, request: str) -> Done:
        await asyncio.sleep(600)
        return {"done": request}


class Ledger(Concept):
    """A concept whose writes break a deferred constraint: the batch that holds one cannot
    commit, and the engine stops (a bug in an app, found in production)."""

    schema = (
        "CREATE TABLE IF NOT EXISTS ledger_accounts (name TEXT PRIMARY KEY)",
        "CREATE TABLE IF NOT EXISTS ledger_entries (account TEXT NOT NULL REFERENCES "
        "ledger_accounts(name) DEFERRABLE INITIALLY DEFERRED, amount INTEGER NOT NULL)",
    )

    @action
    def post(self, account: str) -> Done:
        self.db.execute("INSERT INTO ledger_entries (account, amount) VALUES (?, 1)", (account,))
        return {"done": account}


@sync
def ping(request: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/ping").out(request=request)],
        then=[Requesting.respond(request=request, status=200, body={"pong": True})],
    )


@sync
def slow(request: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/slow").out(request=request)],
        then=[Slow.wait(request=request)],
    )


@sync
def slow_done(request: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/slow").out(request=request), Slow.wait().out()],
        then=[Requesting.respond(request=request, status=200)],
    )


@sync
def post_entry(request: Var, account: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/ledger", body={"account": account}).out(request=request)],
        then=[Ledger.post(account=account)],
    )


@sync
def entry_posted(request: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/ledger").out(request=request), Ledger.post().out()],
        then=[Requesting.respond(request=request, status=201)],
    )


app = App(
    concepts=[Requesting(["GET /ping", "GET /slow", "POST /ledger"]), Slow(), Ledger()],
    syncs=[ping, slow, slow_done, post_entry, entry_posted],
)


@dataclass
class Serving:
    url: str
    db: Path
    log: Path
    process: subprocess.Popen[bytes]
    answers: list[httpx.Response] = field(default_factory=list)

    def stop(self, sig: signal.Signals) -> int:
        """Send ``sig``; the exit status (fails, and kills it, past the bound)."""
        self.process.send_signal(sig)
        return self.wait()

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=STOP_BOUND)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"accord serve did not stop within {STOP_BOUND} s:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def slow_request_in_background(self) -> threading.Thread:
        """GET /slow from a thread; returns once its flow waits on Slow/wait."""

        def call() -> None:
            self.answers.append(httpx.get(self.url + "/slow", timeout=STOP_BOUND + 30))

        thread = threading.Thread(target=call, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not self._slow_started():
            assert time.monotonic() < deadline, "the slow flow never started"
            time.sleep(0.05)
        return thread

    def _slow_started(self) -> bool:
        with sqlite3.connect(self.db) as conn:
            try:
                rows = conn.execute("SELECT 1 FROM actions WHERE concept = 'Slow'").fetchall()
            except sqlite3.OperationalError:  # not created yet
                return False
        return bool(rows)


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Serving]:
    port = free_port()
    db, log = tmp_path / "serve.db", tmp_path / "serve.log"
    command = [
        sys.executable,
        "-m",
        "accord.cli",
        "serve",
        "tests.cli.test_serve_signals:app",
        "--port",
        str(port),
        "--db",
        str(db),
        "--log-level",
        "warning",
        "--shutdown-timeout",
        str(SHUTDOWN_TIMEOUT),
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    running = Serving(f"http://127.0.0.1:{port}", db, log, process)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"accord serve exited with {process.returncode}:\n{running.log_text()}")
        try:
            if httpx.get(running.url + "/ping", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"accord serve did not start:\n{running.log_text()}"
        time.sleep(0.1)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("sig", "status"), [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGINT, 130)]
)
def test_a_signal_stops_an_idle_server(serving: Serving, sig: signal.Signals, status: int) -> None:
    assert serving.stop(sig) == status
    assert "Traceback" not in serving.log_text()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_answers_requests_waiting_on_a_slow_flow_then_stops(
    serving: Serving, sig: signal.Signals
) -> None:
    waiting = serving.slow_request_in_background()
    serving.stop(sig)
    waiting.join(timeout=STOP_BOUND)
    [answer] = serving.answers
    assert answer.status_code == 503
    message = answer.json()["errors"]["body"][0]
    assert "shutting down" in message and "accord trace" in message


def test_an_engine_failure_answers_every_waiting_request_and_exits_non_zero(
    serving: Serving,
) -> None:
    waiting = serving.slow_request_in_background()
    failing = httpx.post(serving.url + "/ledger", json={"account": "nobody"}, timeout=30)
    assert failing.status_code == 503
    assert "engine stopped" in failing.json()["errors"]["body"][0]
    waiting.join(timeout=STOP_BOUND)
    [answer] = serving.answers
    assert answer.status_code == 503
    assert "engine stopped" in answer.json()["errors"]["body"][0]
    assert serving.wait() == ENGINE_FAILED
    log = serving.log_text()
    assert "the engine stopped" in log and "FOREIGN KEY constraint failed" in log
    assert "stopped because its engine failed" in log
    for text in (failing.text, answer.text):  # the cause is in the log, not in the answers
        assert "FOREIGN KEY" not in text and "Traceback" not in text


def test_a_signal_right_after_an_engine_failure_still_stops_the_server(
    serving: Serving,
) -> None:
    failing = httpx.post(serving.url + "/ledger", json={"account": "nobody"}, timeout=30)
    assert failing.status_code == 503
    assert serving.stop(signal.SIGTERM) in (ENGINE_FAILED, -signal.SIGTERM)

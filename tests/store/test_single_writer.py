"""One engine writes an embedded database; a second one, in any process, is refused at start."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.examples.realworld.support import ROOT, start_serve, stop_serve
from typing_extensions import TypedDict

from accord import App, Concept, action
from accord.engine import Engine
from accord.store import SqliteStore, StoreLocked


class Said(TypedDict):
    text: str


class Chat(Concept):
    @action
    def say(self, text: str) -> Said:
        return {"text": text}


class BadTable(Concept):
    schema = ("CREATE TABLE broken (",)

    @action
    def noop(self, text: str) -> Said:
        return {"text": text}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _serve(db: Path, port: int) -> subprocess.CompletedProcess[str]:
    return _run(
        "-m",
        "accord.cli",
        "serve",
        "examples.realworld.app:app",
        "--port",
        str(port),
        "--db",
        str(db),
        "--log-level",
        "warning",
    )


def _register(url: str, name: str) -> httpx.Response:
    user = {"username": name, "email": f"{name}@example.com", "password": "pw-123456"}
    return httpx.post(f"{url}/api/users", json={"user": user}, timeout=30)


def _assert_one_line_refusal(result: subprocess.CompletedProcess[str], holder_pid: int) -> None:
    assert result.returncode == 1, result.stderr
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    assert output.startswith("error: database ")
    assert f"PID {holder_pid}," in output
    assert "stop it first" in output and "PostgreSQL" in output


def test_a_second_process_is_refused_naming_the_first_which_is_unaffected(tmp_path: Path) -> None:
    db, log = tmp_path / "conduit.db", tmp_path / "serve.log"
    first = start_serve(db, log)
    try:
        assert _register(first.url, "before").status_code == 201
        # The unique port makes sure a refusal is the lock's, not a clash of addresses.
        second = _serve(db, int(first.url.rsplit(":", 1)[1]) + 1)
        _assert_one_line_refusal(second, first.process.pid)
        assert "accord.cli serve examples.realworld.app:app" in second.stderr  # the command
        # The first server still answers and commits.
        assert _register(first.url, "after").status_code == 201
        # A reader works while the engine holds the database.
        flows = _run("-m", "accord.cli", "flows", "--db", str(db))
        assert flows.returncode == 0, flows.stderr
        # start_serve's readiness probe and the two sign-ups, all committed.
        assert flows.stdout.count("Requesting/request") == 3
        assert flows.stdout.count(" done ") == 3
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=30)
    finally:
        stop_serve(first)
    # The kernel freed the lock with the process: nothing to clean up by hand.
    third = start_serve(db, log)
    try:
        login = httpx.post(
            f"{third.url}/api/users/login",
            json={"user": {"email": "after@example.com", "password": "pw-123456"}},
            timeout=30,
        )
        assert login.status_code == 200
    finally:
        stop_serve(third)


async def test_a_second_engine_in_the_same_process_is_refused_until_the_first_stops(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    first = Engine(App([Chat()], []), db)
    await first.start()
    try:
        second = Engine(App([Chat()], []), db)
        with pytest.raises(StoreLocked, match=r"another Engine in this process") as refused:
            await second.start()
        assert f"PID {os.getpid()}," in str(refused.value)
        assert refused.value.holder is not None and refused.value.holder.pid == os.getpid()
        said = await first.invoke(Chat.say, text="still running")
        assert said.output == {"text": "still running"}
    finally:
        await first.stop()
    assert Path(f"{db}.lock").read_text() == ""  # a clean stop leaves no holder behind
    async with second:
        said = await second.invoke(Chat.say, text="my turn")
    assert said.id == 2  # it carried on the first engine's log


async def test_readers_and_posts_work_while_an_engine_holds_the_database(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    async with Engine(App([Chat()], []), db, poll_interval=0.02) as engine:
        said = await engine.invoke(Chat.say, text="hello")
        other = SqliteStore(db)  # what the review CLI or a cron job opens
        other.open()
        try:
            assert [f.flow for f in other.flows()] == [said.flow]
            other.post("Chat", "say", {"text": "posted"}, flow=None)
        finally:
            other.close()
        for _ in range(1000):
            if engine.store.inbox_size() == 0 and len(engine.store.flows()) == 2:
                break
            await asyncio.sleep(0.01)
        assert [f.root for f in engine.store.flows()] == ["Chat/say", "Chat/say"]


async def test_the_same_file_by_another_path_is_the_same_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "data" / "app.db"
    async with Engine(App([Chat()], []), db):
        (tmp_path / "link").symlink_to(tmp_path / "data")
        with pytest.raises(StoreLocked):
            await Engine(App([Chat()], []), tmp_path / "link" / "app.db").start()
        monkeypatch.chdir(tmp_path / "data")
        with pytest.raises(StoreLocked):
            await Engine(App([Chat()], []), "app.db").start()


async def test_in_memory_databases_take_no_lock(tmp_path: Path) -> None:
    async with Engine(App([Chat()], [])) as one, Engine(App([Chat()], [])) as two:
        assert (await one.invoke(Chat.say, text="a")).completed
        assert (await two.invoke(Chat.say, text="b")).completed


async def test_a_failed_start_gives_the_database_back(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    with pytest.raises(Exception, match="incomplete input"):
        await Engine(App([BadTable()], []), db).start()
    async with Engine(App([Chat()], []), db) as engine:
        assert (await engine.invoke(Chat.say, text="fixed")).completed


def test_a_lock_held_without_details_is_still_refused(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    fd = os.open(f"{db}.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a holder that never wrote its details
        store = SqliteStore(db)
        with pytest.raises(StoreLocked, match="has not written its details yet") as refused:
            store.claim()
        assert refused.value.holder is None
    finally:
        os.close(fd)
    store.claim()  # free again once that descriptor is closed
    store.close()


def test_a_second_intake_run_on_one_database_is_refused_and_the_first_finishes(
    tmp_path: Path,
) -> None:
    db, intake = tmp_path / "intake.db", ROOT / "examples" / "intake"
    command = [
        sys.executable,
        "-m",
        "examples.intake",
        "run",
        "--model",
        "test:oracle",
        "--db",
        str(db),
        "--data",
        str(intake / "data" / "messages.jsonl"),
        "--limit",
        "12",
        "--window",
        "2",
    ]
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env = {**os.environ, "PYTHONPATH": path, "INTAKE_ORACLE_DELAY": "0.3"}
    first = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lock = Path(f"{db}.lock")
        for _ in range(1200):  # until the first run's engine holds the database
            if lock.exists() and f'"pid": {first.pid},' in lock.read_text():
                break
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        second = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert first.poll() is None, "the first run ended before the second was tried"
        out, err = first.communicate(timeout=120)
    finally:
        first.kill()
        first.wait()
    assert first.returncode == 0, err
    assert "12 message(s)" in out
    lines = second.stdout.splitlines()
    assert lines[0].startswith("error: database "), second.stdout  # before the progress bar
    _assert_one_line_refusal(second, first.pid)

"""``accord serve APP --console``: the app's routes and the console under /_accord/ on one port.

A real ``accord serve`` subprocess, real HTTP: the console logs in, lists the flow of a request
the app answered, and keeps its session cookie under its prefix; the app's own routes answer
as before; a console without a password is refused with one line before anything starts.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from accord.web import free_port

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.cli.test_serve_signals:app"  # answers GET /ping
REVIEWER = "a long reviewer password"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_CONSOLE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    return {**env, **extra}


def _command(port: int, db: Path) -> list[str]:
    options = ["--console", "--port", str(port), "--db", str(db), "--log-level", "warning"]
    return [sys.executable, "-m", "accord.cli", "serve", APP, *options]


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the login page has no CSRF field"
    return found.group(1)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = tmp_path / "serve.log"
    env = _env(ACCORD_CONSOLE_REVIEWER_PASSWORD=REVIEWER, ACCORD_CONSOLE_SECRET="test-secret")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            _command(port, tmp_path / "app.db"),
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            assert process.poll() is None, f"accord serve exited:\n{log.read_text()}"
            try:
                if httpx.get(base + "/ping", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"accord serve did not start:\n{log.read_text()}"
            time.sleep(0.1)
        yield base
        assert "Traceback" not in log.read_text()
        assert f"accord console on {base}/_accord/flows" in log.read_text()
    finally:
        process.kill()
        process.wait()


def test_the_console_is_served_under_accord_beside_the_routes(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as client:
        assert client.get("/ping").json() == {"pong": True}
        assert client.get("/_accord").headers["location"] == "/_accord/login?next=%2F_accord%2F"
        login = client.get("/_accord/login")
        assert login.status_code == 200
        assert 'action="/_accord/login"' in login.text
        # No session yet: the console sends the visitor to its own login page.
        assert client.get("/_accord/flows").headers["location"].startswith("/_accord/login")
        form = {"csrf": _csrf(login.text), "name": "grace", "password": REVIEWER, "next": ""}
        done = client.post("/_accord/login", data=form)
        assert done.status_code == 303, done.text
        cookie = done.headers["set-cookie"]
        assert "path=/_accord" in cookie.lower()
        assert client.get("/_accord").headers["location"] == "/_accord/flows"
        flows = client.get("/_accord/flows")
        assert flows.status_code == 200
        assert "Requesting/request" in flows.text
        assert client.get("/_accord/static/htmx.min.js").status_code == 200


def test_paths_beside_the_prefix_stay_the_apps(served: str) -> None:
    # "/_accordion" merely starts with the prefix's letters: the app's 404, not the console.
    answer = httpx.get(served + "/_accordion", timeout=10)
    assert answer.status_code == 404
    assert "errors" in answer.json()


def test_a_console_without_a_password_is_refused_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        _command(free_port(), tmp_path / "app.db"),
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "ACCORD_CONSOLE_REVIEWER_PASSWORD" in lines[0], done.stderr
    assert not (tmp_path / "app.db").exists()

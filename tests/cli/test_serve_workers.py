"""``accord serve --workers 2`` on PostgreSQL: two processes on one port, one log.

Every request opens a connection of its own, so the kernel gives it to either process. Whichever
process gets a request, the answer is right: state committed by one is read by the other, and a
retry with the same Idempotency-Key gets the answer of the flow the other process ran.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from tests.cli.test_postgres_commands import schema_url
from tests.store.pg_server import fresh_schema, server_url

from accord.web import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Served:
    url: str
    db: str
    schema: str
    server: str
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with server_url() as url:
        yield url


def serve(
    app: str,
    db: str,
    log: Path,
    workers: int = 2,
    more: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    command = [sys.executable, "-m", "accord.cli", "serve", app, "--db", db, "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", *(more or [])]
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"accord serve exited with {process.returncode}: {log.read_text()}")
        try:
            httpx.get(url + "/api/nothing", timeout=2)
            return url, process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"accord serve did not answer within 60 s: {log.read_text()}")


def claiming_workers(server: str, schema: str) -> int:
    """How many engines have claimed flows on the schema."""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        row = conn.execute("SELECT count(DISTINCT owner) FROM flow_claims").fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture
def served(pg_url: str, tmp_path: Path) -> Iterator[Served]:
    with fresh_schema(pg_url) as schema:
        db = schema_url(pg_url, schema)
        log = tmp_path / "serve.log"
        url, process = serve("tests.cli.notes_app:app", db, log)
        try:
            yield Served(url, db, schema, pg_url, process, log)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            finally:
                if process.poll() is None:
                    process.kill()
            if os.environ.get("ACCORD_SHOW_SERVER_LOG"):
                print(log.read_text())


def post(url: str, path: str, title: str, key: str | None = None) -> httpx.Response:
    headers = {"Connection": "close"}  # a connection per request: either process may get it
    if key is not None:
        headers["Idempotency-Key"] = key
    return httpx.post(f"{url}/api{path}", json={"title": title}, headers=headers, timeout=30)


def test_either_process_answers_and_sees_what_the_other_committed(served: Served) -> None:
    titles = [f"note {i:02}" for i in range(40)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda t: post(served.url, "/notes", t, key=t), titles))
    assert [(a.status_code, a.json()["title"]) for a in answers] == [(201, t) for t in titles]
    # Both processes ran flows (each flow is claimed by the engine that ran it).
    assert claiming_workers(served.server, served.schema) == 2
    for _ in range(6):  # every listing, from either process, holds every note
        listing = httpx.get(f"{served.url}/api/notes", headers={"Connection": "close"})
        assert listing.status_code == 200 and listing.json() == {"titles": titles}
    # A retry reaches either process and gets the first answer, not a new note.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        again = list(pool.map(lambda t: post(served.url, "/notes", t, key=t), titles))
    assert [a.json() for a in again] == [a.json() for a in answers]
    assert all(a.headers.get("idempotent-replayed") == "true" for a in again)


def test_a_retry_waits_for_the_answer_of_a_flow_another_process_runs(served: Served) -> None:
    with concurrent.futures.ThreadPoolExecutor(9) as pool:
        first = pool.submit(post, served.url, "/slow", "slow one", "k-slow")
        time.sleep(0.5)  # the first is recorded; its flow runs for a second more
        retries = [pool.submit(post, served.url, "/slow", "slow one", "k-slow") for _ in range(8)]
        answers = [first.result(), *(r.result() for r in retries)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["note"] for a in answers}) == 1  # one flow ran, once
    with psycopg.connect(served.server, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{served.schema}"')
        row = conn.execute(
            "SELECT count(*) FROM actions WHERE concept = 'Notes' AND action = 'add_slowly'"
        ).fetchone()
    assert row == (1,)


def test_an_http_process_leaves_a_concept_to_a_worker_that_runs_it(
    pg_url: str, tmp_path: Path
) -> None:
    with fresh_schema(pg_url) as schema:
        db = schema_url(pg_url, schema)
        log = tmp_path / "serve.log"
        command = [sys.executable, "-m", "accord.cli", "worker", "tests.cli.notes_app:app"]
        command += ["--db", db, "--concepts", "Notes", "--log-level", "warning"]
        with log.open("ab") as sink:
            worker = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
        url, process = serve(
            "tests.cli.notes_app:app", db, log, workers=1, more=["--concepts", "Requesting"]
        )
        try:
            answers = [post(url, "/notes", f"n{i}") for i in range(5)]
            slow = post(url, "/slow", "later")
            listing = httpx.get(f"{url}/api/notes")
        finally:
            for running in (process, worker):
                running.send_signal(signal.SIGTERM)
                running.wait(timeout=30)
        assert [(a.status_code, a.json()["title"]) for a in answers] == [
            (201, f"n{i}") for i in range(5)
        ]
        assert slow.status_code == 201 and slow.json()["title"] == "later"
        assert listing.json() == {"titles": ["later", *(f"n{i}" for i in range(5))]}
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            # Every flow was held by the HTTP process; the worker ran the Notes actions.
            held = conn.execute("SELECT DISTINCT owner FROM flow_claims").fetchall()
            served = conn.execute(
                "SELECT worker FROM worker_concepts WHERE concepts = ARRAY['Requesting']"
            ).fetchall()
            left = conn.execute("SELECT count(*) FROM action_results").fetchone()
        assert held == served and len(held) == 1 and left == (0,)


def test_workers_need_postgres(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "accord.cli", "serve", "tests.cli.notes_app:app"]
    command += ["--db", str(tmp_path / "x.db"), "--workers", "2"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--workers 2 needs --db postgresql://" in result.stderr


def test_stopping_the_server_stops_every_process(served: Served) -> None:
    assert post(served.url, "/notes", "one").status_code == 201
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=30) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{served.url}/api/notes", timeout=2)
    with psycopg.connect(served.server, autocommit=True) as conn:  # no engine is left
        conn.execute(f'SET search_path TO "{served.schema}"')
        cls = zlib.crc32(f"accord:{served.schema}".encode()) & 0x7FFFFFFF
        locks = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 "
            "AND classid::text::bigint = %s",
            (cls,),
        ).fetchone()
    assert locks == (0,)


def test_realworld_on_postgres_refuses_to_start_without_a_shared_jwt_key(pg_url: str) -> None:
    with fresh_schema(pg_url) as schema:
        app, db = "examples.realworld.app:app", schema_url(pg_url, schema)
        command = [sys.executable, "-m", "accord.cli", "serve", app, "--db", db]
        command += ["--port", str(free_port())]
        env = {**os.environ, "CONDUIT_JWT_SECRET": ""}
        ran = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
    assert ran.returncode == 1, ran.stderr
    assert "set CONDUIT_JWT_SECRET to the same secret for every process" in ran.stderr
    assert "Traceback" not in ran.stderr + ran.stdout


def test_realworld_on_two_processes_answers_whichever_gets_each_request(
    pg_url: str, tmp_path: Path
) -> None:
    with fresh_schema(pg_url) as schema:
        db = schema_url(pg_url, schema)
        secret = {"CONDUIT_JWT_SECRET": "a-secret-every-process-shares-32-bytes+"}
        url, process = serve("examples.realworld.app:app", db, tmp_path / "serve.log", env=secret)
        try:
            close = {"Connection": "close"}
            for i in range(6):  # every step on a connection of its own: either process
                user = {"username": f"ann{i}", "email": f"ann{i}@x.io", "password": "pw-123456"}
                made = httpx.post(f"{url}/api/users", json={"user": user}, headers=close)
                assert made.status_code == 201, made.text
                login = {"email": user["email"], "password": user["password"]}
                signed = httpx.post(f"{url}/api/users/login", json={"user": login}, headers=close)
                assert signed.status_code == 200, signed.text
                token = {**close, "Authorization": f"Token {signed.json()['user']['token']}"}
                article = {"title": f"Title {i}", "description": "d", "body": "b", "tagList": []}
                posted = httpx.post(f"{url}/api/articles", json={"article": article}, headers=token)
                assert posted.status_code == 201, posted.text
                listed = httpx.get(f"{url}/api/articles?author=ann{i}", headers=close)
                assert [a["title"] for a in listed.json()["articles"]] == [f"Title {i}"]
            assert claiming_workers(pg_url, schema) == 2
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

"""Fixtures: the Conduit app served on a loopback port, in-process or as a subprocess."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]

from examples.realworld.app import build  # noqa: E402
from tests.examples.realworld.support import Conduit, Process, start_serve, stop_serve  # noqa: E402
from tests.store.pg_server import database  # noqa: E402

from accord.web import AccordServer, live_server  # noqa: E402


@pytest.fixture(params=["sqlite", "postgres"])
def conduit_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The app's database: a SQLite file, or a schema of the test PostgreSQL server (whose JWT
    key comes from the environment: a server has no file to keep it beside)."""
    if request.param == "postgres":
        monkeypatch.setenv("CONDUIT_JWT_SECRET", "a-test-secret-of-at-least-thirty-two-bytes")
    with database(request.param, tmp_path / "conduit.db") as db:
        yield db


@pytest.fixture
async def conduit(conduit_db: str) -> AsyncIterator[Conduit]:
    """The app in-process on a loopback port, on each store. On teardown it checks the log:
    every request was answered exactly once, and no sync failed."""
    server = AccordServer(build(), db=conduit_db, deadline=10.0)
    async with (
        live_server(server.asgi) as url,
        httpx.AsyncClient(base_url=url + "/api", timeout=30) as client,
    ):
        yield Conduit(client, server)
        await server.engine.idle()
        reader = server.engine.store.reader()
        answers = reader.all(
            "SELECT r.flow, COUNT(a.id) AS answers, "
            "SUM(CASE WHEN a.output LIKE '{\"error\"%' THEN 1 ELSE 0 END) AS errors "
            "FROM actions r LEFT JOIN actions a ON a.flow = r.flow AND a.concept = 'Requesting' "
            "AND a.action = 'respond' WHERE r.id = r.flow AND r.concept = 'Requesting' "
            "GROUP BY r.flow"
        )
        assert [a for a in answers if a["answers"] != 1 or a["errors"]] == []
        assert reader.all("SELECT * FROM flow_events") == []


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Process]:
    """The app under ``accord serve`` in a subprocess, as a deployment would run it."""
    env_log = tmp_path / "serve.log"
    running = start_serve(tmp_path / "conduit.db", env_log)
    try:
        yield running
    finally:
        stop_serve(running)
        if os.environ.get("ACCORD_SHOW_SERVER_LOG"):
            print(env_log.read_text())

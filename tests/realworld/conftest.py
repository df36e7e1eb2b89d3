"""Fixtures: the Conduit app served on a loopback port, in-process or as a subprocess."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the example app and these helpers import from the repo root
    sys.path.insert(0, str(ROOT))

from examples.realworld.app import build  # noqa: E402
from tests.realworld.support import Conduit, Process, start_serve, stop_serve  # noqa: E402

from accord.web import AccordServer, live_server  # noqa: E402


@pytest.fixture
async def conduit(tmp_path: Path) -> AsyncIterator[Conduit]:
    server = AccordServer(build(), db=str(tmp_path / "conduit.db"), deadline=10.0)
    async with (
        live_server(server.asgi) as url,
        httpx.AsyncClient(base_url=url + "/api", timeout=30) as client,
    ):
        yield Conduit(client, server)


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

"""A running app (engine with a review step) and its console on a loopback port."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from tests.web.console.domain import (
    REVIEWER_PASSWORD,
    VIEWER_PASSWORD,
    Customer,
    Intake,
    make_app,
)

from accord.engine import Engine
from accord.web import live_server
from accord.web.console import ConsoleSettings, Credentials, create_console


@dataclass
class Running:
    engine: Engine
    base: str
    db: Path

    async def receive(self, key: str, body: str, proposed: dict[str, Any]) -> int:
        """A message arrives; returns its flow once its review item is queued."""
        from accord.concepts.reviewing import Reviewing

        root = await self.engine.invoke(Intake.receive, key=key, body=body, proposed=proposed)
        await self.engine.wait_for(root.flow, Reviewing.request, timeout=5)
        return root.flow


def settings(db: Path, **extra: Any) -> ConsoleSettings:
    return ConsoleSettings(
        db=db,
        credentials=Credentials(reviewer=REVIEWER_PASSWORD, viewer=VIEWER_PASSWORD),
        schemas={"Customer": Customer},
        secret="test-session-key",
        live_interval=0.1,
        live_duration=5.0,
        **extra,
    )


@pytest_asyncio.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    db = tmp_path / "app.db"
    async with (
        Engine(make_app(), db, poll_interval=0.05) as engine,
        live_server(create_console(settings(db))) as base,
    ):
        yield Running(engine, base, db)


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def login(
    client: httpx.AsyncClient, name: str = "grace", password: str = REVIEWER_PASSWORD
) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "name": name, "password": password, "next": ""},
    )

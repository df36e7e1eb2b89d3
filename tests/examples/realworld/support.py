"""Helpers for the Conduit tests: a client with set-up shortcuts, and ``accord serve`` runs."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from accord.web import AccordServer, free_port

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Conduit:
    """A client of a running Conduit server, with helpers for the common set-up."""

    client: httpx.AsyncClient
    server: AccordServer | None = None

    async def register(self, name: str, password: str = "secret-pw") -> str:
        """Register ``name`` (email ``name@example.com``); returns the token."""
        response = await self.client.post(
            "/users",
            json={"user": {"username": name, "email": f"{name}@example.com", "password": password}},
        )
        assert response.status_code == 201, response.text
        token: str = response.json()["user"]["token"]
        return token

    async def article(self, token: str, title: str = "A title", **fields: Any) -> dict[str, Any]:
        payload = {"title": title, "description": "about it", "body": "the text", **fields}
        response = await self.client.post(
            "/articles", json={"article": payload}, headers=auth(token)
        )
        assert response.status_code == 201, response.text
        article: dict[str, Any] = response.json()["article"]
        return article


def auth(token: str, scheme: str = "Token") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}


@dataclass
class Process:
    url: str
    db: Path
    process: subprocess.Popen[bytes]


def start_serve(db: Path, log: Path) -> Process:
    """``accord serve`` the Conduit app as a subprocess on a free port; waits until it answers."""
    port = free_port()
    command = [
        sys.executable,
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
    ]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"accord serve exited with {process.returncode}: {log.read_text()}")
        try:
            httpx.get(url + "/api/tags", timeout=2)
            return Process(url, db, process)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"accord serve did not answer within 60 s: {log.read_text()}")


def stop_serve(served: Process) -> None:
    served.process.terminate()
    try:
        served.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()

"""Declared request models at the HTTP edge, on a small ticket service (the issue's trigger:
a body with missing fields waited for the deadline and got a 504), over real loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from accord import App, Concept, Sync, Var, action
from accord.concepts.requesting import Identifier, Requesting, RequestInvalid, route
from accord.web import AccordServer, live_server
from accord.web.secrets import SecretVault, redact


class Opened(TypedDict):
    ticket: str


class Tickets(Concept):
    @action
    def open(self, name: str, title: str, priority: int) -> Opened:
        return {"ticket": f"{name}:{title}:{priority}"}


class NewTicket(BaseModel):
    name: Identifier
    title: str
    priority: int = 3


class Lookup(BaseModel):
    verbose: bool = False


opening = route("POST /tickets", body=NewTicket, envelope="ticket")
silent = route("POST /silent", body=NewTicket)
request, name, title, priority, ticket = (
    Var("request"),
    Var("name"),
    Var("title"),
    Var("priority"),
    Var("ticket"),
)

APP = App(
    concepts=[Requesting([opening, silent]), Tickets()],
    syncs=[
        Sync(
            "Open",
            when=[
                opening.request(body={"name": name, "title": title, "priority": priority}).out(
                    request=request
                )
            ],
            then=[Tickets.open(name=name, title=title, priority=priority)],
        ),
        Sync(
            "OpenRespond",
            when=[opening.request().out(request=request), Tickets.open().out(ticket=ticket)],
            then=[Requesting.respond(request=request, status=201, body={"ticket": ticket})],
        ),
    ],
)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, AccordServer]]:
    server = AccordServer(APP, db=str(tmp_path / "t.db"), deadline=0.5)
    async with live_server(server.asgi) as url, httpx.AsyncClient(base_url=url) as client:
        yield client, server


async def test_a_body_missing_fields_is_a_422_at_once_and_nothing_is_recorded(
    served: tuple[httpx.AsyncClient, AccordServer],
) -> None:
    client, server = served
    response = await client.post("/tickets", json={"ticket": {"priority": "high"}})
    assert response.status_code == 422
    assert response.json() == {
        "errors": {
            "name": ["is required"],
            "title": ["is required"],
            "priority": ["input should be a valid integer, unable to parse string as an integer"],
        }
    }
    assert server.engine.store.reader().all("SELECT 1 FROM actions") == []


async def test_syncs_receive_typed_normalized_values(
    served: tuple[httpx.AsyncClient, AccordServer],
) -> None:
    client, server = served
    body = {"ticket": {"name": "zoe\u0308", "title": "Broken", "priority": "2", "extra": 1}}
    response = await client.post("/tickets", json=body)
    assert response.status_code == 201 and response.json() == {"ticket": "zo\u00eb:Broken:2"}
    (row,) = server.engine.store.reader().all(
        "SELECT input FROM actions WHERE concept = 'Requesting' AND action = 'request'"
    )
    assert json.loads(row["input"])["body"] == {
        "name": "zo\u00eb",
        "title": "Broken",
        "priority": 2,
    }


async def test_a_valid_request_no_sync_answers_still_gets_the_explicit_504(
    served: tuple[httpx.AsyncClient, AccordServer],
) -> None:
    client, _ = served
    response = await client.post("/silent", json={"name": "n", "title": "t"})
    assert response.status_code == 504
    flow = response.headers["accord-flow"]
    assert response.headers["accord-flow-state"] == "finished"
    assert f"flow {flow} finished without answering" in response.json()["errors"]["body"][0]


def test_route_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="must declare exactly the path's parameters"):
        route("GET /t/{ticket}", params=Lookup)
    with pytest.raises(ValueError, match="needs a caller"):
        Requesting([route("GET /t", auth="required")])
    with pytest.raises(RequestInvalid) as refused:
        route("GET /t", query=Lookup).validate({}, {"verbose": "perhaps"}, None)
    assert list(refused.value.errors) == ["verbose"]


def test_secret_fields_are_sealed_and_redacted_whatever_their_type() -> None:
    vault = SecretVault()
    body = {"user": {"password": ["a", "list"], "token": {"an": "object"}, "name": "n"}}
    sealed = vault.seal_fields(body, ttl=60)
    assert "list" not in json.dumps(sealed) and "object" not in json.dumps(sealed)
    assert vault.reveal(sealed["user"]["password"]) == '["a", "list"]'
    assert redact(body) == {"user": {"password": "<secret>", "token": "<secret>", "name": "n"}}

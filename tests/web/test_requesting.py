"""Requesting and the ASGI server, over real loopback HTTP."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync
from accord.concepts.requesting import MethodNotAllowed, Requesting, Route, RouteMatch
from accord.web import AccordServer, live_server
from accord.web.secrets import is_ref


class Stamped(TypedDict):
    stamp: str


class Gate(Concept):
    """A concept whose action no request ever triggers: the /stuck route waits on it."""

    @action
    def open(self, key: str) -> Stamped:
        return {"stamp": key}


class Echo(Concept):
    @action
    def stamp(self, text: str) -> Stamped:
        return {"stamp": text.upper()}


requesting = Requesting(
    ["POST /echo", "GET /stuck", "GET /twice", "GET /items/{id}", "GET /items/new"],
    prefix="/api",
)


@sync
def echo(request: Var, text: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/echo", body={"text": text}).out(request=request)],
        then=[Echo.stamp(text=text)],
    )


@sync
def echo_respond(request: Var, body: Var, stamp: Var) -> Clauses:
    return Clauses(
        when=[
            Requesting.request(path="/echo", body=body).out(request=request),
            Echo.stamp().out(stamp=stamp),
        ],
        then=[Requesting.respond(request=request, status=200, body={"stamp": stamp, "sent": body})],
    )


@sync
def stuck_waits_for_gate(request: Var, key: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/stuck").out(request=request), Gate.open(key=key)],
        then=[Requesting.respond(request=request, status=200)],
    )


@sync
def twice_first(request: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/twice").out(request=request)],
        then=[Requesting.respond(request=request, status=201, body={"which": "first"})],
    )


@sync
def twice_second(request: Var, first: Var) -> Clauses:
    return Clauses(
        when=[
            Requesting.request(path="/twice").out(request=request),
            Requesting.respond(request=request).out(status=first),
        ],
        then=[Requesting.respond(request=request, status=202, body={"which": "second"})],
    )


@sync
def item(request: Var, id: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/items/{id}", params={"id": id}).out(request=request)],
        then=[Requesting.respond(request=request, status=200, body={"id": id})],
    )


@sync
def new_item(request: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/items/new").out(request=request)],
        then=[Requesting.respond(request=request, status=200, body={"new": True})],
    )


def make_app() -> App:
    return App(
        concepts=[requesting, Echo(), Gate()],
        syncs=[echo, echo_respond, stuck_waits_for_gate, twice_first, twice_second, item, new_item],
    )


class Served:
    def __init__(self, server: AccordServer, client: httpx.AsyncClient, db: Path) -> None:
        self.server = server
        self.client = client
        self.db = db

    def log_text(self) -> str:
        with sqlite3.connect(self.db) as conn:
            rows = conn.execute("SELECT input || ' ' || COALESCE(output, '') FROM actions")
            return "\n".join(r[0] for r in rows)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    db = tmp_path / "app.db"
    server = AccordServer(make_app(), db=str(db), deadline=0.5, max_body=1000)
    async with live_server(server.asgi) as url, httpx.AsyncClient(base_url=url) as client:
        yield Served(server, client, db)


async def test_a_request_is_answered_by_the_syncs_of_its_route(served: Served) -> None:
    response = await served.client.post("/api/echo", json={"text": "hi"})
    assert response.status_code == 200
    assert response.json() == {"stamp": "HI", "sent": {"text": "hi"}}
    assert response.headers["content-type"] == "application/json"


async def test_path_parameters_reach_the_request_and_literal_routes_win(served: Served) -> None:
    assert (await served.client.get("/api/items/42")).json() == {"id": "42"}
    assert (await served.client.get("/api/items/new")).json() == {"new": True}


async def test_unanswered_request_gets_504_naming_the_flow_and_the_waiting_syncs(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="accord.web"):
        response = await served.client.get("/api/stuck")
    assert response.status_code == 504
    message = response.json()["errors"]["body"][0]
    flow = int(response.headers["accord-flow"])
    assert f"flow {flow}" in message and f"accord trace {flow}" in message
    records = served.server.engine.records(flow)
    assert records[0].name == "Requesting/request"
    assert records[-1].name == "Requesting/respond" and records[-1].input["status"] == 504
    warning = next(r.getMessage() for r in caplog.records if "no sync answered" in r.getMessage())
    assert f"flow {flow}" in warning
    assert "stuck_waits_for_gate" in warning


async def test_second_respond_is_an_error_and_the_first_is_sent(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="accord.requesting"):
        response = await served.client.get("/api/twice")
        await served.server.engine.idle()
    assert response.status_code == 201
    assert response.json() == {"which": "first"}
    await served.server.engine.idle()
    flow = max(f.flow for f in served.server.engine.store.flows(5))
    responds = [r for r in served.server.engine.records(flow) if r.action == "respond"]
    assert [r.ok for r in responds] == [True, False]
    assert "already answered" in str(responds[1].error)
    assert any(f"flow {flow}: request" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("send", "status", "fragment"),
    [
        (dict(content=b'{"text": ', headers={"content-type": "application/json"}), 400, "JSON"),
        (dict(content=b"\xff\xfe", headers={"content-type": "application/json"}), 400, "JSON"),
        (dict(content=b"text=hi", headers={"content-type": "text/plain"}), 415, "text/plain"),
        (dict(content=b'{"text": "hi"}'), 415, "no content type"),
        (dict(json={"text": "x" * 2000}), 413, "larger than 1000"),
        (
            dict(content=b"[" * 600 + b"]" * 600, headers={"content-type": "application/json"}),
            413,
            "",
        ),
    ],
)
async def test_bad_bodies_get_clean_4xx(
    served: Served, send: dict[str, Any], status: int, fragment: str
) -> None:
    response = await served.client.post("/api/echo", **send)
    assert response.status_code == status
    assert fragment in response.json()["errors"]["body"][0]


async def test_deeply_nested_json_is_refused_without_a_500(tmp_path: Path) -> None:
    server = AccordServer(make_app(), db=str(tmp_path / "d.db"), deadline=0.5)
    nested = b"[" * 100_000 + b"]" * 100_000
    async with live_server(server.asgi) as url, httpx.AsyncClient(base_url=url) as client:
        response = await client.post(
            "/api/echo", content=nested, headers={"content-type": "application/json"}
        )
        huge = await client.post(
            "/api/echo",
            content=b'{"text": ' + b"9" * 5000 + b"}",
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 400
    assert "nested" in response.json()["errors"]["body"][0]
    assert huge.status_code == 400 and "JSON" in huge.json()["errors"]["body"][0]


async def test_unknown_route_is_404_and_wrong_method_is_405(served: Served) -> None:
    missing = await served.client.get("/api/nowhere")
    assert missing.status_code == 404
    assert "no route for GET /api/nowhere" in missing.json()["errors"]["body"][0]
    assert (await served.client.get("/elsewhere")).status_code == 404
    wrong = await served.client.delete("/api/echo")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"


async def test_browsers_on_another_origin_may_call_the_api(served: Served) -> None:
    front_end = {"Origin": "http://localhost:4100"}
    preflight = await served.client.options(
        "/api/echo",
        headers={
            **front_end,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "authorization, content-type"
    cross = await served.client.post("/api/echo", json={"text": "hi"}, headers=front_end)
    assert cross.status_code == 200 and cross.json()["stamp"] == "HI"
    assert cross.headers["access-control-allow-origin"] == "*"
    assert cross.headers.get_list("vary") == ["Origin"]
    # A same-origin answer has no CORS headers, and says it varies by Origin (for caches).
    same = await served.client.get("/api/items/7")
    assert "access-control-allow-origin" not in same.headers
    assert same.headers.get_list("vary") == ["Origin"]
    refused = await served.client.get("/api/nowhere", headers=front_end)
    assert refused.status_code == 404 and refused.headers["access-control-allow-origin"] == "*"


async def test_passwords_and_tokens_never_reach_the_action_log(served: Served) -> None:
    response = await served.client.post(
        "/api/echo",
        json={"text": "hi", "user": {"password": "hunter2-secret", "Token": "tok-secret"}},
        headers={"Authorization": "Token jwt-secret-value"},
    )
    assert response.status_code == 200
    # The response is revealed at the edge: the client gets back what it sent.
    assert response.json()["sent"]["user"] == {"password": "hunter2-secret", "Token": "tok-secret"}
    await served.server.engine.idle()
    logged = served.log_text()
    for secret in ("hunter2-secret", "tok-secret", "jwt-secret-value"):
        assert secret not in logged
    root = json.loads(logged.splitlines()[0].rsplit(" ", 1)[0])
    assert is_ref(root["token"]) and is_ref(root["body"]["user"]["password"])


async def test_get_with_json_content_type_and_no_body_is_accepted(served: Served) -> None:
    response = await served.client.get("/api/items/7", headers={"content-type": "application/json"})
    assert response.status_code == 200


def test_routes_resolve_to_patterns_with_parameters() -> None:
    r = Requesting(["GET /a/{x}", "GET /a/b", "POST /a/{x}/c"])
    assert r.match("GET", "/a/b") == RouteMatch(Route("GET", "/a/b"), {})
    assert r.match("GET", "/a/zz") == RouteMatch(Route("GET", "/a/{x}"), {"x": "zz"})
    assert r.match("PUT", "/a/zz/c") == MethodNotAllowed(("POST",))
    assert r.match("GET", "/nope") is None


def test_bad_route_declarations_are_rejected_with_the_fix() -> None:
    with pytest.raises(ValueError, match="METHOD /path"):
        Requesting(["/users"])
    with pytest.raises(ValueError, match="declared twice"):
        Requesting(["GET /a", "get /a"])

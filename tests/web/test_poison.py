"""Poison at the HTTP edge: values the log cannot store, deep nesting, failing flows and the
504, each answered at once with a clear status over real loopback HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, bind, sync
from accord.concepts.requesting import Requesting
from accord.web import AccordServer, live_server

JSON = {"content-type": "application/json"}


class Stored(TypedDict):
    stored: str


class Notes(Concept):
    """Keeps what it is given: a record that reaches the log reaches its state too."""

    schema = ("CREATE TABLE IF NOT EXISTS notes (note TEXT NOT NULL)",)

    @action
    def keep(self, note: Any) -> Stored:
        self.db.execute("INSERT INTO notes (note) VALUES (?)", (repr(note),))
        return {"stored": "yes"}


class Gate(Concept):
    @action
    def open(self, key: str) -> Stored:
        return {"stored": key}


requesting = Requesting(["POST /notes", "GET /count", "GET /stuck", "GET /items/{id}"])


@sync
def keep_note(request: Var, note: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/notes", body={"note": note}).out(request=request)],
        then=[Notes.keep(note=note)],
    )


@sync
def note_kept(request: Var, stored: Var) -> Clauses:
    return Clauses(
        when=[
            Requesting.request(path="/notes").out(request=request),
            Notes.keep().out(stored=stored),
        ],
        then=[Requesting.respond(request=request, status=201, body={"stored": stored})],
    )


def _as_number(query: dict[str, str]) -> int:
    return int(query["n"])  # a bug on purpose: raises ValueError for "x" (and for "²")


@sync
def count(request: Var, query: Var, n: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/count", query=query).out(request=request)],
        where=[bind(n, _as_number, query)],
        then=[Requesting.respond(request=request, status=200, body={"n": n})],
    )


@sync
def stuck(request: Var, key: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/stuck").out(request=request), Gate.open(key=key)],
        then=[Requesting.respond(request=request, status=200)],
    )


@sync
def item(request: Var, id: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(path="/items/{id}", params={"id": id}).out(request=request)],
        then=[Requesting.respond(request=request, status=200, body={"id": id})],
    )


def make_app() -> App:
    return App(
        concepts=[requesting, Notes(), Gate()],
        syncs=[keep_note, note_kept, count, stuck, item],
    )


class Served:
    def __init__(self, server: AccordServer, client: httpx.AsyncClient) -> None:
        self.server = server
        self.client = client

    async def still_serving(self) -> None:
        """The engine runs, an ordinary request is answered, and nothing is half-written."""
        assert self.server.engine.failure is None
        ordinary = await self.client.post("/notes", json={"note": "ordinary"})
        assert ordinary.status_code == 201, ordinary.text
        await self.server.engine.idle()
        reader = self.server.engine.store.reader()
        assert reader.all("SELECT id FROM actions WHERE output IS NULL") == []


async def serve(tmp_path: Path, **settings: Any) -> AsyncIterator[Served]:
    server = AccordServer(make_app(), db=str(tmp_path / "poison.db"), **settings)
    async with live_server(server.asgi) as url, httpx.AsyncClient(base_url=url) as client:
        yield Served(server, client)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    # A long deadline: an answer that comes back is an answer that did not wait for it.
    async for running in serve(tmp_path, deadline=30.0):
        yield running


def nested(depth: int) -> bytes:
    """A valid body whose note is nested ``depth`` levels deep (the body itself included)."""
    return b'{"note": ' + b"[" * (depth - 1) + b"1" + b"]" * (depth - 1) + b"}"


async def test_a_lone_surrogate_in_the_body_is_a_400_naming_the_field(served: Served) -> None:
    raw = b'{"note": {"username": "a\\ud800"}}'
    response = await served.client.post("/notes", content=raw, headers=JSON)
    assert response.status_code == 400
    message = response.json()["errors"]["body"][0]
    assert message.startswith("body.note.username: lone surrogate U+D800")
    assert "UTF-8" in message
    await served.still_serving()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"note": {"\\udfff": 1}}',  # in a key
        b'{"note": [1, "ok", "\\ud83d"]}',  # half of an emoji's pair
        b'{"note": NaN}',  # Python's json reads it; the log cannot store it
        b'{"note": -Infinity}',
    ],
)
async def test_other_values_the_log_cannot_store_are_400(served: Served, raw: bytes) -> None:
    response = await served.client.post("/notes", content=raw, headers=JSON)
    assert response.status_code == 400
    assert response.json()["errors"]["body"][0].startswith("body.note")
    await served.still_serving()


async def test_text_the_log_can_store_passes_untouched(served: Served) -> None:
    text = "nul\x00 bidi\u202e\u2066 nonchar\ufffe\uffff\U0010ffff pair\U0001f600"
    response = await served.client.post("/notes", json={"note": text})
    assert response.status_code == 201
    await served.server.engine.idle()
    flow = max(f.flow for f in served.server.engine.store.flows(1))
    assert served.server.engine.records(flow)[0].input["body"] == {"note": text}


@pytest.mark.parametrize("depth", [65, 300, 600, 900, 5_000])
async def test_a_body_nested_past_the_limit_is_a_400(served: Served, depth: int) -> None:
    response = await served.client.post("/notes", content=nested(depth), headers=JSON)
    assert response.status_code == 400
    assert "nested more than 64 levels" in response.json()["errors"]["body"][0]
    await served.still_serving()


async def test_every_depth_around_the_limit_is_a_201_or_a_400(served: Served) -> None:
    statuses = {}
    for depth in range(1, 72):
        response = await served.client.post("/notes", content=nested(depth), headers=JSON)
        statuses[depth] = response.status_code
    assert {statuses[d] for d in range(1, 65)} == {201}
    assert {statuses[d] for d in range(65, 72)} == {400}
    await served.still_serving()


async def test_brackets_inside_strings_do_not_count_as_nesting(served: Served) -> None:
    response = await served.client.post("/notes", json={"note": "[{" * 500 + '"\\'})
    assert response.status_code == 201
    shallow = await served.client.post("/notes", content=nested(40), headers=JSON)
    assert shallow.status_code == 201


async def test_the_engine_refusal_is_a_400_behind_a_looser_edge(tmp_path: Path) -> None:
    # The edge lets 100 levels through; the engine's own check refuses the record.
    async for running in serve(tmp_path, max_depth=200):
        response = await running.client.post("/notes", content=nested(100), headers=JSON)
        assert response.status_code == 400
        message = response.json()["errors"]["body"][0]
        assert "Requesting/request" in message and "body" in message and "nested" in message
        await running.still_serving()


async def test_a_failing_where_clause_is_answered_with_a_500_at_once(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await served.client.get("/count", params={"n": "\u00b2"})
    assert response.status_code == 500  # not a 504 after the 30 s deadline
    message = response.json()["errors"]["body"][0]
    flow = int(message.split("flow ")[1].split(" ")[0])
    assert "failed" in message and f"accord trace {flow}" in message
    for internal in ("ValueError", "invalid literal", "Traceback", "_as_number"):
        assert internal not in response.text
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "accord.web")
    assert f"flow {flow}" in logged and "count" in logged and "ValueError" in logged
    await served.server.engine.idle()
    answers = [r for r in served.server.engine.records(flow) if r.action == "respond"]
    assert [a.input["status"] for a in answers] == [500]
    assert (await served.client.get("/count", params={"n": "7"})).json() == {"n": 7}
    await served.still_serving()


async def test_a_504_names_the_flow_and_says_whether_it_still_runs(tmp_path: Path) -> None:
    async for running in serve(tmp_path, deadline=0.3):
        response = await running.client.get("/stuck")
        assert response.status_code == 504
        message = response.json()["errors"]["body"][0]
        flow = int(response.headers["accord-flow"])
        assert response.headers["accord-flow-state"] == "finished"
        assert f"flow {flow} finished without answering" in message
        assert f"accord trace {flow}" in message


async def test_undecodable_bytes_in_the_url_are_answered_not_a_failure(served: Served) -> None:
    # Clients cannot send a lone surrogate in a URL (percent-decoding replaces what is not
    # UTF-8), so the edge must pass what decoding yields: the request is answered.
    response = await served.client.get("/items/%ED%A0%80%00")
    assert response.status_code == 200
    assert response.json() == {"id": "\ufffd\ufffd\ufffd\x00"}
    await served.still_serving()


async def test_every_waiting_request_is_answered_503_on_shutdown(served: Served) -> None:

    waiting = asyncio.create_task(served.client.get("/stuck"))
    while not served.server.engine.waiting_syncs(_last_flow(served)):
        await asyncio.sleep(0.01)
    served.server.begin_shutdown()
    response = await waiting
    assert response.status_code == 503
    assert "shutting down" in response.json()["errors"]["body"][0]
    later = await served.client.post("/notes", json={"note": "late"})
    assert later.status_code == 503


def _last_flow(served: Served) -> int:
    flows = served.server.engine.store.flows(1)
    return flows[0].flow if flows else 0

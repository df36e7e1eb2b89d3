"""Comment screening: an LLM verdict before a comment appears, human review when unsure.

The model is a `FunctionModel` (no real model requests): it refuses comments that advertise,
answers garbage for comments mentioning "garble", and allows the rest.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from examples.realworld.app import build
from tests.examples.realworld.support import Conduit, auth

from accord.concepts.reviewing import Reviewing
from accord.llm import FunctionModel
from accord.llm.messages import Request
from accord.web import AccordServer, live_server


def moderator(request: Request) -> str:
    comment = next(m.content for m in request.messages if m.role == "user")
    if "garble" in comment:
        return "I would rather not say."
    if "buy now" in comment.lower():
        return json.dumps({"allowed": False, "reason": "advertising"})
    return json.dumps({"allowed": True, "reason": "on topic"})


@pytest.fixture
async def screened(tmp_path: Path) -> AsyncIterator[Conduit]:
    app = build(screen_comments=True, models=[FunctionModel(moderator)])
    server = AccordServer(app, db=str(tmp_path / "screened.db"), deadline=10.0)
    async with (
        live_server(server.asgi) as url,
        httpx.AsyncClient(base_url=url + "/api", timeout=30) as client,
    ):
        yield Conduit(client, server)


async def _comment(conduit: Conduit, token: str, slug: str, body: str) -> httpx.Response:
    return await conduit.client.post(
        f"/articles/{slug}/comments", json={"comment": {"body": body}}, headers=auth(token)
    )


async def _bodies(conduit: Conduit, slug: str) -> list[str]:
    response = await conduit.client.get(f"/articles/{slug}/comments")
    return [c["body"] for c in response.json()["comments"]]


async def test_an_allowed_comment_is_published_at_once(screened: Conduit) -> None:
    token = await screened.register("jake")
    slug = (await screened.article(token, "Screened"))["slug"]
    response = await _comment(screened, token, slug, "Great article, thanks!")
    assert response.status_code == 201
    assert response.json()["comment"]["body"] == "Great article, thanks!"
    assert await _bodies(screened, slug) == ["Great article, thanks!"]


async def test_a_refused_comment_is_held_and_a_reviewer_can_publish_it(
    screened: Conduit,
) -> None:
    token = await screened.register("jake")
    slug = (await screened.article(token, "Screened"))["slug"]
    response = await _comment(screened, token, slug, "BUY NOW at cheap-dragons.example")
    assert response.status_code == 422
    assert response.json() == {"errors": {"comment": ["is held for review: advertising"]}}
    assert await _bodies(screened, slug) == []
    assert screened.server is not None
    engine = screened.server.engine
    await engine.idle()
    (item,) = engine.query(Reviewing.open_items)
    assert item["proposed"] == {"allowed": False, "reason": "advertising"}
    assert item["payload"]["body"] == "BUY NOW at cheap-dragons.example"
    # The reviewer disagrees with the model: edited to allowed, the comment appears.
    await engine.invoke(
        Reviewing.resolve,
        flow=item["flow"],
        item=item["item"],
        decision="edit",
        value={"allowed": True, "reason": "a reader's honest tip"},
    )
    await engine.idle()
    assert await _bodies(screened, slug) == ["BUY NOW at cheap-dragons.example"]
    # The request was answered once (the 422); publishing later sent nothing more.
    responds = [r for r in engine.records(item["flow"]) if r.name == "Requesting/respond"]
    assert [r.input["status"] for r in responds] == [422]


async def test_a_reviewer_who_confirms_the_refusal_keeps_the_comment_out(
    screened: Conduit,
) -> None:
    token = await screened.register("jake")
    slug = (await screened.article(token, "Screened"))["slug"]
    await _comment(screened, token, slug, "buy now!!!")
    assert screened.server is not None
    engine = screened.server.engine
    await engine.idle()
    (item,) = engine.query(Reviewing.open_items)
    await engine.invoke(Reviewing.resolve, flow=item["flow"], item=item["item"], decision="approve")
    await engine.idle()
    assert await _bodies(screened, slug) == []


async def test_when_screening_fails_the_comment_goes_to_a_person(screened: Conduit) -> None:
    token = await screened.register("jake")
    slug = (await screened.article(token, "Screened"))["slug"]
    response = await _comment(screened, token, slug, "garble garble")
    assert response.status_code == 422
    assert response.json()["errors"]["comment"][0].startswith(
        "is held for review: screening failed"
    )
    assert screened.server is not None
    await screened.server.engine.idle()
    (item,) = screened.server.engine.query(Reviewing.open_items)
    assert item["payload"]["body"] == "garble garble"
    assert await _bodies(screened, slug) == []

"""Conduit against the inputs that once stopped it: a lone surrogate, Unicode digits, deep
nesting. Each is answered at once with a 4xx, and the server goes on."""

from __future__ import annotations

import signal

import httpx
import pytest
from tests.examples.realworld.support import Conduit, Process, auth

SURROGATE = b'{"user":{"username":"a\\ud800","email":"a@b.io","password":"pppppppp"}}'
JSON = {"content-type": "application/json"}


def test_a_lone_surrogate_is_a_422_and_accord_serve_goes_on_and_stops(served: Process) -> None:
    with httpx.Client(base_url=served.url + "/api", timeout=30) as client:
        refused = client.post("/users", content=SURROGATE, headers=JSON)
        assert refused.status_code == 422
        (message,) = refused.json()["errors"]["username"]
        assert "U+D800" in message
        assert client.get("/tags").status_code == 200
        user = {"username": "a", "email": "a@b.io", "password": "pppppppp"}
        assert client.post("/users", json={"user": user}).status_code == 201
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=30) == -signal.SIGTERM


@pytest.mark.parametrize(
    "query",
    [
        "?limit=%C2%B2",
        "?offset=%C2%B2",
        "?limit=%D9%A3",
        "?limit=1%C2%B2",
        "?limit=+5",
        "?limit=",
        "?offset=0x1",
    ],
)
async def test_paging_with_anything_but_ascii_digits_is_a_422(conduit: Conduit, query: str) -> None:
    token = await conduit.register("reader")
    for path in ("/articles", "/articles/feed"):
        response = await conduit.client.get(path + query, headers=auth(token))
        assert response.status_code == 422, (path, query, response.text)
        errors = response.json()["errors"]
        assert "whole number" in (errors.get("limit") or errors["offset"])[0]


async def test_ascii_paging_still_works(conduit: Conduit) -> None:
    token = await conduit.register("jake")
    for title in ("One", "Two", "Three"):
        await conduit.article(token, title)
    page = (await conduit.client.get("/articles?limit=2&offset=1")).json()
    assert [a["title"] for a in page["articles"]] == ["Two", "One"]
    assert page["articlesCount"] == 3


async def test_a_comment_id_in_unicode_digits_is_not_found(conduit: Conduit) -> None:
    jake = await conduit.register("jake")
    slug = (await conduit.article(jake, "Here"))["slug"]
    await conduit.client.post(
        f"/articles/{slug}/comments", json={"comment": {"body": "x"}}, headers=auth(jake)
    )
    for number in ("%C2%B2", "%D9%A1", "%EF%BC%91"):  # ², Arabic-Indic 1, fullwidth 1
        response = await conduit.client.delete(
            f"/articles/{slug}/comments/{number}", headers=auth(jake)
        )
        assert response.status_code == 404, number
    assert len((await conduit.client.get(f"/articles/{slug}/comments")).json()["comments"]) == 1


@pytest.mark.parametrize("depth", [300, 600, 900])
async def test_a_deeply_nested_user_is_a_400(conduit: Conduit, depth: int) -> None:
    inner = b"[" * depth + b"]" * depth
    raw = b'{"user":{"username":' + inner + b',"email":"a@b.io","password":"pppppppp"}}'
    response = await conduit.client.post("/users", content=raw, headers=JSON)
    assert response.status_code == 400
    assert "nested more than" in response.json()["errors"]["body"][0]

"""The findings of issue 14 on Conduit, each from its original trigger, over real HTTP:
identities, tokens for users that do not exist, secrets in the log, keys outside the log,
retries with an Idempotency-Key, and the spec 2.0 update rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import stat
import uuid
from pathlib import Path

import httpx
import jwt
import pytest
from tests.examples.realworld.support import Conduit, auth, start_serve, stop_serve

from accord.web.keys import key_file

JSON = {"content-type": "application/json"}


def _user(name: str, email: str | None = None, password: object = "secret-pw") -> object:
    return {
        "user": {
            "username": name,
            "email": email or f"{uuid.uuid4().hex}@x.io",
            "password": password,
        }
    }


async def test_usernames_are_normalized_to_nfc_so_one_name_registers_once(conduit: Conduit) -> None:
    first = await conduit.client.post("/users", json=_user("zo\u00eb"))
    assert first.status_code == 201 and first.json()["user"]["username"] == "zo\u00eb"
    again = await conduit.client.post("/users", json=_user("zoe\u0308"))  # the same name, NFD
    assert again.status_code == 409
    assert again.json() == {"errors": {"username": ["has already been taken"]}}
    shown = await conduit.client.get("/profiles/zoe\u0308")
    assert shown.status_code == 200 and shown.json()["profile"]["username"] == "zo\u00eb"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ab\u200bc", "invisible or control characters"),  # zero-width space
        ("\u202eevil", "invisible or control characters"),  # right-to-left override
        ("nul\x00", "invisible or control characters"),
        (" padded ", "must not begin or end with spaces"),
        ("a" * 5000, "is too long (at most 64 characters)"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
    ],
)
async def test_unsafe_usernames_are_refused_with_a_clear_422(
    conduit: Conduit, name: str, problem: str
) -> None:
    response = await conduit.client.post("/users", json=_user(name))
    assert response.status_code == 422
    (message,) = response.json()["errors"]["username"]
    assert problem in message
    token = await conduit.register("fine")
    renamed = await conduit.client.put(
        "/user", json={"user": {"username": name}}, headers=auth(token)
    )
    assert renamed.status_code == 422 and list(renamed.json()["errors"]) == ["username"]


async def test_a_password_sent_as_a_list_or_object_never_reaches_the_log(conduit: Conduit) -> None:
    assert conduit.server is not None
    for password in (["hunter2-in-a-list"], {"hunter2": "in-an-object"}, 424242):
        response = await conduit.client.post("/users", json=_user("x", password=password))
        assert response.status_code == 422
        assert list(response.json()["errors"]) == ["password"]
    log = conduit.server.engine.store.reader().all("SELECT input FROM actions")
    text = json.dumps(log)
    assert "hunter2" not in text and "424242" not in text


async def test_a_token_for_a_user_that_does_not_exist_is_a_401_and_listing_still_works(
    tmp_path: Path,
) -> None:
    db, log = tmp_path / "conduit.db", tmp_path / "serve.log"
    served = start_serve(db, log)
    try:
        key = key_file(db, "jwt").read_text().split()[0]
        now = dt.datetime.now(dt.UTC)
        forged = jwt.encode(
            {"sub": str(uuid.uuid4()), "iat": now, "exp": now + dt.timedelta(days=1)},
            key,
            algorithm="HS256",
        )
        api = served.url + "/api"
        article = {"article": {"title": "Ghost", "description": "d", "body": "b"}}
        async with httpx.AsyncClient(base_url=api, timeout=30) as client:
            created = await client.post("/articles", json=article, headers=auth(forged))
            assert created.status_code == 401
            assert created.json() == {
                "errors": {"token": ["names a user that does not exist (any more): sign in again"]}
            }
            assert (await client.get("/user", headers=auth(forged))).status_code == 401
            listed = await client.get("/articles")
            assert listed.status_code == 200 and listed.json()["articlesCount"] == 0
    finally:
        stop_serve(served)


def test_the_signing_key_is_a_0600_file_beside_the_database_and_not_in_it(tmp_path: Path) -> None:
    db, log = tmp_path / "conduit.db", tmp_path / "serve.log"
    served = start_serve(db, log)
    try:
        user = {"user": {"username": "k", "email": "k@x.io", "password": "pw-123456"}}
        token = httpx.post(served.url + "/api/users", json=user).json()["user"]["token"]
    finally:
        stop_serve(served)
    path = key_file(db, "jwt")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().split()[0]
    jwt.decode(token, key, algorithms=["HS256"])  # the file's key signed it
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("conduit.db*") if p != path)
    assert key.encode() not in raw and token.encode() not in raw
    # Rotation: a new first line signs; the old key, kept below it, still verifies.
    path.write_text(f"a-brand-new-key-for-rotation-of-32-bytes-at-least\n{key}\n")
    served = start_serve(db, log)
    try:
        api = served.url + "/api"
        assert httpx.get(api + "/user", headers=auth(token)).status_code == 200
        login = {"user": {"email": "k@x.io", "password": "pw-123456"}}
        fresh = httpx.post(api + "/users/login", json=login).json()["user"]["token"]
        jwt.decode(fresh, "a-brand-new-key-for-rotation-of-32-bytes-at-least", algorithms=["HS256"])
    finally:
        stop_serve(served)
    os.chmod(path, 0o644)
    with pytest.raises(RuntimeError, match="chmod 600"):
        start_serve(db, log)


async def test_a_retry_with_the_same_idempotency_key_writes_once_and_answers_the_same(
    conduit: Conduit,
) -> None:
    token = await conduit.register("writer")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    article = {"article": {"title": "Once", "description": "d", "body": "b"}}
    first = await conduit.client.post("/articles", json=article, headers={**auth(token), **key})
    again = await conduit.client.post("/articles", json=article, headers={**auth(token), **key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert (await conduit.client.get("/articles")).json()["articlesCount"] == 1
    other = {"article": {"title": "Different", "description": "d", "body": "b"}}
    reused = await conduit.client.post("/articles", json=other, headers={**auth(token), **key})
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json()["errors"]


async def test_a_concurrent_duplicate_waits_for_the_first_and_gets_its_answer(
    conduit: Conduit,
) -> None:
    key = {"Idempotency-Key": "register-me-once"}
    body = _user("twice", "twice@x.io")
    answers = await asyncio.gather(
        *(conduit.client.post("/users", json=body, headers=key) for _ in range(4))
    )
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.json()["user"]["token"] for a in answers}) == 1
    assert conduit.server is not None
    reader = conduit.server.engine.store.reader()
    writes = reader.all("SELECT 1 FROM actions WHERE concept = 'User' AND action = 'register'")
    assert len(writes) == 1


async def test_bio_and_image_are_nullable_and_blank_means_null(conduit: Conduit) -> None:
    token = await conduit.register("bio")
    set_ = await conduit.client.put(
        "/user", json={"user": {"bio": "hello", "image": "https://i.io/a.png"}}, headers=auth(token)
    )
    assert (set_.json()["user"]["bio"], set_.json()["user"]["image"]) == (
        "hello",
        "https://i.io/a.png",
    )
    kept = await conduit.client.put("/user", json={"user": {"bio": ""}}, headers=auth(token))
    assert (kept.json()["user"]["bio"], kept.json()["user"]["image"]) == (
        None,
        "https://i.io/a.png",
    )
    cleared = await conduit.client.put("/user", json={"user": {"image": None}}, headers=auth(token))
    assert cleared.json()["user"]["image"] is None
    assert (await conduit.client.get("/profiles/bio")).json()["profile"]["image"] is None


async def test_an_update_keeps_tags_when_omitted_clears_with_empty_and_refuses_null(
    conduit: Conduit,
) -> None:
    token = await conduit.register("tagger")
    slug = (await conduit.article(token, "Tagged", tagList=["a", "b"]))["slug"]

    async def put(article: object) -> httpx.Response:
        return await conduit.client.put(
            f"/articles/{slug}", json={"article": article}, headers=auth(token)
        )

    kept = await put({"body": "new text"})
    assert kept.status_code == 200 and kept.json()["article"]["tagList"] == ["a", "b"]
    replaced = await put({"tagList": ["c"]})
    assert replaced.json()["article"]["tagList"] == ["c"]
    refused = await put({"tagList": None})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["tagList"]
    cleared = await put({"tagList": []})
    assert cleared.status_code == 200 and cleared.json()["article"]["tagList"] == []
    assert (await conduit.client.get("/tags")).json() == {"tags": []}


async def test_unknown_resources_are_404_keyed_by_their_type(conduit: Conduit) -> None:
    token = await conduit.register("seeker")
    slug = (await conduit.article(token, "Real"))["slug"]
    cases = [
        ("GET", "/profiles/ghost", "profile"),
        ("POST", "/profiles/ghost/follow", "profile"),
        ("DELETE", "/profiles/ghost/follow", "profile"),
        ("GET", "/articles/ghost", "article"),
        ("PUT", "/articles/ghost", "article"),
        ("DELETE", "/articles/ghost", "article"),
        ("POST", "/articles/ghost/favorite", "article"),
        ("DELETE", "/articles/ghost/favorite", "article"),
        ("GET", "/articles/ghost/comments", "article"),
        ("POST", "/articles/ghost/comments", "article"),
        ("DELETE", f"/articles/{slug}/comments/999", "comment"),
    ]
    for method, path, kind in cases:
        body = {"article": {"title": "x"}} if method == "PUT" else {"comment": {"body": "x"}}
        response = await conduit.client.request(
            method, path, headers=auth(token), json=body if method in ("PUT", "POST") else None
        )
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"errors": {kind: ["not found"]}}, (method, path)


async def test_a_missing_token_is_a_401_keyed_token_before_any_sync_runs(conduit: Conduit) -> None:
    response = await conduit.client.post("/articles", json={"article": {}})
    assert response.status_code == 401 and list(response.json()["errors"]) == ["token"]
    assert conduit.server is not None
    reader = conduit.server.engine.store.reader()
    assert reader.all("SELECT 1 FROM actions") == []

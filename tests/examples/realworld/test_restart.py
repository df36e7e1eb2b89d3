"""Durability: what was written before a restart is served after it."""

from __future__ import annotations

from pathlib import Path

import httpx
from tests.examples.realworld.support import start_serve, stop_serve


def test_data_written_before_a_restart_is_served_after_it(tmp_path: Path) -> None:
    db, log = tmp_path / "conduit.db", tmp_path / "serve.log"
    first = start_serve(db, log)
    try:
        api = first.url + "/api"
        user = {"username": "durable", "email": "durable@example.com", "password": "pw-123456"}
        token = httpx.post(f"{api}/users", json={"user": user}).json()["user"]["token"]
        headers = {"Authorization": f"Token {token}"}
        article = {"title": "Kept", "description": "d", "body": "b", "tagList": ["kept"]}
        created = httpx.post(f"{api}/articles", json={"article": article}, headers=headers)
        slug = created.json()["article"]["slug"]
        comment = httpx.post(
            f"{api}/articles/{slug}/comments",
            json={"comment": {"body": "still here"}},
            headers=headers,
        )
        assert comment.status_code == 201
        httpx.post(f"{api}/articles/{slug}/favorite", headers=headers).raise_for_status()
    finally:
        stop_serve(first)

    second = start_serve(db, log)
    try:
        api = second.url + "/api"
        # The token issued before the restart is still valid: the key file outlives the process.
        me = httpx.get(f"{api}/user", headers=headers)
        assert me.status_code == 200 and me.json()["user"]["username"] == "durable"
        login = httpx.post(
            f"{api}/users/login",
            json={"user": {"email": user["email"], "password": user["password"]}},
        )
        assert login.status_code == 200
        shown = httpx.get(f"{api}/articles/{slug}", headers=headers).json()["article"]
        assert shown["title"] == "Kept" and shown["tagList"] == ["kept"]
        assert shown["favorited"] is True and shown["favoritesCount"] == 1
        comments = httpx.get(f"{api}/articles/{slug}/comments").json()["comments"]
        assert [c["body"] for c in comments] == ["still here"]
        assert httpx.get(f"{api}/tags").json() == {"tags": ["kept"]}
    finally:
        stop_serve(second)

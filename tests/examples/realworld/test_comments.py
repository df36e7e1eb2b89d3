"""Comments: create, list, delete, and who may delete."""

from __future__ import annotations

import re

from tests.examples.realworld.support import Conduit, auth

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$")


async def test_comments_are_created_and_listed_for_guests_and_users(conduit: Conduit) -> None:
    jake = await conduit.register("jake")
    jane = await conduit.register("jane")
    slug = (await conduit.article(jake, "Talked about"))["slug"]
    created = await conduit.client.post(
        f"/articles/{slug}/comments", json={"comment": {"body": "Thank you!"}}, headers=auth(jane)
    )
    assert created.status_code == 201
    comment = created.json()["comment"]
    assert isinstance(comment["id"], int) and comment["body"] == "Thank you!"
    assert ISO.match(comment["createdAt"]) and ISO.match(comment["updatedAt"])
    assert comment["author"]["username"] == "jane"
    await conduit.client.post("/profiles/jane/follow", headers=auth(jake))
    as_guest = (await conduit.client.get(f"/articles/{slug}/comments")).json()["comments"]
    as_jake = (await conduit.client.get(f"/articles/{slug}/comments", headers=auth(jake))).json()[
        "comments"
    ]
    assert [c["id"] for c in as_guest] == [comment["id"]]
    assert as_guest[0]["author"]["following"] is False
    assert as_jake[0]["author"]["following"] is True


async def test_only_the_comment_author_can_delete_it(conduit: Conduit) -> None:
    jake = await conduit.register("jake")
    jane = await conduit.register("jane")
    slug = (await conduit.article(jake, "Talked about"))["slug"]
    created = await conduit.client.post(
        f"/articles/{slug}/comments", json={"comment": {"body": "mine"}}, headers=auth(jane)
    )
    cid = created.json()["comment"]["id"]
    # Not even the article's author may delete someone else's comment.
    forbidden = await conduit.client.delete(f"/articles/{slug}/comments/{cid}", headers=auth(jake))
    assert forbidden.status_code == 403
    assert (await conduit.client.delete(f"/articles/{slug}/comments/{cid}")).status_code == 401
    deleted = await conduit.client.delete(f"/articles/{slug}/comments/{cid}", headers=auth(jane))
    assert deleted.status_code == 204
    assert (await conduit.client.get(f"/articles/{slug}/comments")).json() == {"comments": []}
    gone = await conduit.client.delete(f"/articles/{slug}/comments/{cid}", headers=auth(jane))
    assert gone.status_code == 404


async def test_comment_ids_are_checked_against_their_article(conduit: Conduit) -> None:
    jake = await conduit.register("jake")
    here = (await conduit.article(jake, "Here"))["slug"]
    there = (await conduit.article(jake, "There"))["slug"]
    created = await conduit.client.post(
        f"/articles/{here}/comments", json={"comment": {"body": "x"}}, headers=auth(jake)
    )
    cid = created.json()["comment"]["id"]
    for path in (
        f"/articles/{there}/comments/{cid}",
        f"/articles/{here}/comments/abc",
        f"/articles/{here}/comments/99999999999999999999",
        f"/articles/nope/comments/{cid}",
    ):
        response = await conduit.client.delete(path, headers=auth(jake))
        assert response.status_code == 404, path
    assert len((await conduit.client.get(f"/articles/{here}/comments")).json()["comments"]) == 1


async def test_malformed_comments_and_unknown_articles_are_rejected(conduit: Conduit) -> None:
    jake = await conduit.register("jake")
    slug = (await conduit.article(jake, "Here"))["slug"]
    blank = await conduit.client.post(
        f"/articles/{slug}/comments", json={"comment": {"body": " "}}, headers=auth(jake)
    )
    assert blank.status_code == 422 and blank.json() == {"errors": {"body": ["can't be blank"]}}
    missing = await conduit.client.post(
        f"/articles/{slug}/comments", json={"comment": {}}, headers=auth(jake)
    )
    assert missing.status_code == 422
    unknown = await conduit.client.post(
        "/articles/nope/comments", json={"comment": {"body": "x"}}, headers=auth(jake)
    )
    assert unknown.status_code == 404
    assert (await conduit.client.get("/articles/nope/comments")).status_code == 404
    guest = await conduit.client.post(f"/articles/{slug}/comments", json={"comment": {"body": "x"}})
    assert guest.status_code == 401


async def test_the_edge_answers_bad_http_cleanly(conduit: Conduit) -> None:
    broken = await conduit.client.post(
        "/users", content=b'{"user": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400 and "JSON" in broken.json()["errors"]["body"][0]
    form = await conduit.client.post(
        "/users", content=b"a=b", headers={"content-type": "text/plain"}
    )
    assert form.status_code == 415
    assert (await conduit.client.get("/nowhere")).status_code == 404
    assert (await conduit.client.patch("/user")).status_code == 405

"""Articles: create, read, update, delete, list with filters, feed, favorites, tags."""

from __future__ import annotations

import re

from tests.examples.realworld.support import Conduit, auth

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$")


async def test_create_answers_201_with_the_full_article(conduit: Conduit) -> None:
    token = await conduit.register("jake")
    article = await conduit.article(
        token, "How to train your dragon", tagList=["training", "dragons", "dragons"]
    )
    assert article["slug"] == "how-to-train-your-dragon"
    assert article["tagList"] == ["dragons", "training"]
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"] == {"username": "jake", "bio": None, "image": None, "following": False}
    assert article["body"] == "the text"
    assert ISO.match(article["createdAt"]) and ISO.match(article["updatedAt"])


async def test_same_title_gets_a_distinct_slug(conduit: Conduit) -> None:
    token = await conduit.register("jake")
    first = await conduit.article(token, "Same")
    second = await conduit.article(token, "Same")
    assert first["slug"] == "same" and second["slug"].startswith("same-")
    assert (await conduit.client.get(f"/articles/{second['slug']}")).is_success


async def test_create_rejects_guests_and_malformed_articles(conduit: Conduit) -> None:
    token = await conduit.register("jake")
    ok = {"title": "t", "description": "d", "body": "b"}
    guest = await conduit.client.post("/articles", json={"article": ok})
    assert guest.status_code == 401
    cases = [
        ({"title": "t", "description": "d"}, {"body": ["is required"]}),
        ({**ok, "tagList": "dragons"}, {"tagList": ["input should be a valid list"]}),
        ({**ok, "tagList": ["a", 1]}, {"tagList.1": ["must be a string"]}),
        ({**ok, "title": "  "}, {"title": ["can't be blank"]}),
    ]
    for article, errors in cases:
        response = await conduit.client.post(
            "/articles", json={"article": article}, headers=auth(token)
        )
        assert response.status_code == 422, article
        assert response.json() == {"errors": errors}
    listed = await conduit.client.get("/articles")
    assert listed.json()["articlesCount"] == 0


async def test_reading_an_article_needs_no_token_and_unknown_slugs_are_404(
    conduit: Conduit,
) -> None:
    token = await conduit.register("jake")
    article = await conduit.article(token, "Readable")
    shown = await conduit.client.get(f"/articles/{article['slug']}")
    assert shown.status_code == 200 and shown.json()["article"] == article
    missing = await conduit.client.get("/articles/no-such-article")
    assert missing.status_code == 404
    assert missing.json() == {"errors": {"article": ["not found"]}}


async def test_only_the_author_can_update_or_delete(conduit: Conduit) -> None:
    author = await conduit.register("author")
    intruder = await conduit.register("intruder")
    slug = (await conduit.article(author, "Mine"))["slug"]
    change = {"article": {"body": "defaced"}}
    put = await conduit.client.put(f"/articles/{slug}", json=change, headers=auth(intruder))
    delete = await conduit.client.delete(f"/articles/{slug}", headers=auth(intruder))
    assert (put.status_code, delete.status_code) == (403, 403)
    assert (await conduit.client.put(f"/articles/{slug}", json=change)).status_code == 401
    assert (await conduit.client.delete(f"/articles/{slug}")).status_code == 401
    shown = await conduit.client.get(f"/articles/{slug}")
    assert shown.json()["article"]["body"] == "the text"


async def test_update_changes_fields_and_a_new_title_changes_the_slug(conduit: Conduit) -> None:
    token = await conduit.register("jake")
    slug = (await conduit.article(token, "Old title"))["slug"]
    body = await conduit.client.put(
        f"/articles/{slug}", json={"article": {"body": "With two hands"}}, headers=auth(token)
    )
    assert body.status_code == 200 and body.json()["article"]["body"] == "With two hands"
    retitled = await conduit.client.put(
        f"/articles/{slug}", json={"article": {"title": "New title"}}, headers=auth(token)
    )
    assert retitled.json()["article"]["slug"] == "new-title"
    assert (await conduit.client.get("/articles/new-title")).is_success
    assert (await conduit.client.get(f"/articles/{slug}")).status_code == 404
    empty = await conduit.client.put(
        "/articles/new-title", json={"article": {}}, headers=auth(token)
    )
    assert empty.status_code == 422
    unknown = await conduit.client.put(
        "/articles/nope", json={"article": {"body": "x"}}, headers=auth(token)
    )
    assert unknown.status_code == 404


async def test_delete_removes_the_article_its_tags_and_comments(conduit: Conduit) -> None:
    token = await conduit.register("jake")
    slug = (await conduit.article(token, "Doomed", tagList=["gone"]))["slug"]
    await conduit.article(token, "Staying", tagList=["kept"])
    await conduit.client.post(
        f"/articles/{slug}/comments", json={"comment": {"body": "hi"}}, headers=auth(token)
    )
    await conduit.client.post(f"/articles/{slug}/favorite", headers=auth(token))
    deleted = await conduit.client.delete(f"/articles/{slug}", headers=auth(token))
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await conduit.client.get(f"/articles/{slug}")).status_code == 404
    assert (await conduit.client.get("/tags")).json() == {"tags": ["kept"]}
    assert (await conduit.client.get(f"/articles/{slug}/comments")).status_code == 404
    again = await conduit.client.delete(f"/articles/{slug}", headers=auth(token))
    assert again.status_code == 404


async def test_list_filters_by_tag_author_and_favorited_newest_first(conduit: Conduit) -> None:
    jake = await conduit.register("jake")
    jane = await conduit.register("jane")
    await conduit.article(jake, "One", tagList=["dragons"])
    two = await conduit.article(jake, "Two", tagList=["cats"])
    await conduit.article(jane, "Three", tagList=["dragons", "cats"])
    await conduit.client.post(f"/articles/{two['slug']}/favorite", headers=auth(jane))

    async def titles(query: str, token: str | None = None) -> tuple[list[str], int]:
        headers = auth(token) if token else {}
        response = await conduit.client.get(f"/articles{query}", headers=headers)
        assert response.status_code == 200, response.text
        data = response.json()
        return [a["title"] for a in data["articles"]], data["articlesCount"]

    assert await titles("") == (["Three", "Two", "One"], 3)
    assert await titles("?tag=dragons") == (["Three", "One"], 2)
    assert await titles("?author=jake") == (["Two", "One"], 2)
    assert await titles("?favorited=jane") == (["Two"], 1)
    assert await titles("?tag=cats&author=jane") == (["Three"], 1)
    assert await titles("?tag=dragons&favorited=jane") == ([], 0)
    assert await titles("?author=nobody") == ([], 0)
    assert await titles("?tag=nothing") == ([], 0)
    assert await titles("?limit=1") == (["Three"], 3)
    assert await titles("?limit=2&offset=1") == (["Two", "One"], 3)
    listed = (await conduit.client.get("/articles", headers=auth(jane))).json()["articles"]
    assert [a["favorited"] for a in listed] == [False, True, False]
    assert [a["favoritesCount"] for a in listed] == [0, 1, 0]
    assert all("body" not in a for a in listed)


async def test_list_rejects_bad_paging(conduit: Conduit) -> None:
    for query in ("?limit=0", "?limit=x", "?offset=-1", "?limit=99999999999"):
        response = await conduit.client.get(f"/articles{query}")
        assert response.status_code == 422, query
        errors = response.json()["errors"]
        assert list(errors) in (["limit"], ["offset"]), query
        assert "whole number" in errors[next(iter(errors))][0]


async def test_feed_shows_followed_authors_only_and_needs_a_token(conduit: Conduit) -> None:
    reader = await conduit.register("reader")
    star = await conduit.register("star")
    other = await conduit.register("other")
    await conduit.article(star, "By the star")
    await conduit.article(other, "By someone else")
    empty = await conduit.client.get("/articles/feed", headers=auth(reader))
    assert empty.json() == {"articles": [], "articlesCount": 0}
    await conduit.client.post("/profiles/star/follow", headers=auth(reader))
    feed = (await conduit.client.get("/articles/feed", headers=auth(reader))).json()
    assert [a["title"] for a in feed["articles"]] == ["By the star"]
    assert feed["articles"][0]["author"]["following"] is True
    assert (await conduit.client.get("/articles/feed")).status_code == 401


async def test_favorite_and_unfavorite_count_per_user(conduit: Conduit) -> None:
    jake = await conduit.register("jake")
    jane = await conduit.register("jane")
    slug = (await conduit.article(jake, "Liked"))["slug"]
    first = await conduit.client.post(f"/articles/{slug}/favorite", headers=auth(jake))
    assert first.status_code == 200
    assert (first.json()["article"]["favorited"], first.json()["article"]["favoritesCount"]) == (
        True,
        1,
    )
    second = await conduit.client.post(f"/articles/{slug}/favorite", headers=auth(jane))
    assert second.json()["article"]["favoritesCount"] == 2
    twice = await conduit.client.post(f"/articles/{slug}/favorite", headers=auth(jane))
    assert twice.json()["article"]["favoritesCount"] == 2
    undone = await conduit.client.delete(f"/articles/{slug}/favorite", headers=auth(jane))
    assert (undone.json()["article"]["favorited"], undone.json()["article"]["favoritesCount"]) == (
        False,
        1,
    )
    assert (await conduit.client.post(f"/articles/{slug}/favorite")).status_code == 401
    missing = await conduit.client.post("/articles/nope/favorite", headers=auth(jake))
    assert missing.status_code == 404


async def test_tags_lists_every_tag_in_use(conduit: Conduit) -> None:
    assert (await conduit.client.get("/tags")).json() == {"tags": []}
    token = await conduit.register("jake")
    await conduit.article(token, "A", tagList=["b", "a"])
    await conduit.article(token, "B", tagList=["a"])
    assert (await conduit.client.get("/tags")).json() == {"tags": ["a", "b"]}

"""Articles: list, feed, create, read, update, delete, favorite and unfavorite."""

from __future__ import annotations

from typing import Any

from accord import Sync, Var, bind, collect, uuid, where
from accord.sync.model import WhereClause
from examples.realworld.concepts import (
    Article,
    Commenting,
    Favoriting,
    Following,
    Tagging,
    User,
)
from examples.realworld.rules import paging, paging_problem
from examples.realworld.syncs._endpoint import Endpoint
from examples.realworld.syncs._views import article_views

__all__ = ["syncs"]

Rows = list[dict[str, Any]]

article, rows, views, view, author = (
    Var("article"), Var("rows"), Var("views"), Var("view"), Var("author")
)  # fmt: skip
limit, offset, page, count = Var("limit"), Var("offset"), Var("page"), Var("count")


def _paging_ok(query: dict[str, str]) -> bool:
    return paging_problem(query) is None


def _paging_bad(query: dict[str, str]) -> bool:
    return paging_problem(query) is not None


def _limit(query: dict[str, str]) -> int:
    return paging(query)[0]


def _offset(query: dict[str, str]) -> int:
    return paging(query)[1]


def _page_json(views: Rows, count: int) -> Any:
    return {"articles": views, "articlesCount": count}


def _paged(ep: Endpoint, authors: Var, ids: Var) -> list[WhereClause]:
    """Fetch the page of articles (restricted to ``authors`` and ``ids``) and render it."""
    return [
        bind(limit, _limit, ep.query),
        bind(offset, _offset, ep.query),
        Article.page(authors=authors, ids=ids, limit=limit, offset=offset).out(
            articles=page, count=count
        ),
        *article_views(page, ep.user, views, with_body=False),
        bind(view, _page_json, views, count),
    ]


def _bad_paging(ep: Endpoint, name: str) -> Sync:
    message = "limit must be a whole number of at least 1 and offset one of at least 0"
    return ep.reject(name, 422, message, screen=[where(_paging_bad, ep.query)])


# -- GET /articles?tag=&author=&favorited=&limit=&offset= ----------------------------------

listing = Endpoint("GET /articles")
tag, author_name, fan_name = Var("tag"), Var("author_name"), Var("fan_name")
author_rows, fan_rows, fan, fan_targets, tag_targets = (
    Var("author_rows"), Var("fan_rows"), Var("fan"), Var("fan_targets"), Var("tag_targets")
)  # fmt: skip
authors, ids = Var("authors"), Var("ids")


def _param(name: str) -> Any:
    def get(query: dict[str, str]) -> str | None:
        return query.get(name)

    get.__name__ = f"query.{name}"
    return get


def _first_user(rows: Rows) -> str | None:
    return rows[0]["user"] if rows else None


def _author_filter(name: str | None, rows: Rows) -> list[str] | None:
    return None if name is None else [r["user"] for r in rows]


def _id_filter(tag: str | None, tagged: Rows, fan: str | None, faved: Rows) -> list[str] | None:
    chosen: set[str] | None = None
    if tag is not None:
        chosen = {r["target"] for r in tagged}
    if fan is not None:
        liked = {r["target"] for r in faved}
        chosen = liked if chosen is None else chosen & liked
    return None if chosen is None else sorted(chosen)


listing_syncs = [
    listing.sync(
        "ListArticles",
        where=[
            where(_paging_ok, listing.query),
            bind(tag, _param("tag"), listing.query),
            bind(author_name, _param("author"), listing.query),
            bind(fan_name, _param("favorited"), listing.query),
            collect(User.by_username(username=author_name), into=author_rows),
            collect(User.by_username(username=fan_name), into=fan_rows),
            bind(fan, _first_user, fan_rows),
            collect(Favoriting.targets(user=fan), into=fan_targets),
            collect(Tagging.targets(tag=tag), into=tag_targets),
            bind(authors, _author_filter, author_name, author_rows),
            bind(ids, _id_filter, tag, tag_targets, fan_name, fan_targets),
            *_paged(listing, authors, ids),
        ],
        then=[listing.respond(200, view)],
    ),
    _bad_paging(listing, "ListArticlesBadPaging"),
]

# -- GET /articles/feed --------------------------------------------------------------------

feed = Endpoint("GET /articles/feed")
followed, nobody = Var("followed"), Var("nobody")


def _followees(rows: Rows) -> list[str]:
    return [r["followee"] for r in rows]


def _no_filter() -> None:
    return None


feed_syncs = [
    feed.sync(
        "Feed",
        where=[
            where(_paging_ok, feed.query),
            collect(Following.followees(follower=feed.user), into=followed),
            bind(authors, _followees, followed),
            bind(nobody, _no_filter),
            *_paged(feed, authors, nobody),
        ],
        then=[feed.respond(200, view)],
    ),
    _bad_paging(feed, "FeedBadPaging"),
]

# -- one article ---------------------------------------------------------------------------


def _single(ep: Endpoint, status: int) -> list[Any]:
    """Render ``article`` as ``{"article": ...}`` for the caller of ``ep``."""

    def one(views: Rows) -> Any:
        return {"article": views[0]}

    return [
        collect(Article.get(article=article), into=rows),
        *article_views(rows, ep.user, views),
        bind(view, one, views),
    ]


create = Endpoint("POST /articles")
title, description, body, tag_list = (
    Var("title"), Var("description"), Var("text"), Var("tag_list")
)  # fmt: skip


def _tags(value: list[str] | None) -> list[str]:
    return value or []


create_syncs = [
    create.sync(
        "CreateArticle",
        where=[
            bind(article, uuid),
            create.field(title, "title"),
            create.field(description, "description"),
            create.field(body, "body"),
        ],
        then=[
            Article.create(
                article=article,
                author=create.user,
                title=title,
                description=description,
                body=body,
            )
        ],
    ),
    create.sync(
        "TagArticle",
        when=[Article.create(article=article).out(article=article)],
        where=[create.field(tag_list, "tagList"), bind(tag_list, _tags, tag_list)],
        then=[Tagging.tag(target=article, tags=tag_list)],
    ),
    create.sync(
        "CreateArticleRespond",
        when=[
            Article.create(article=article).out(article=article),
            Tagging.tag(target=article).out(target=article),
        ],
        where=_single(create, 201),
        then=[create.respond(201, view)],
    ),
    create.on_error(Article.create),
]

show = Endpoint("GET /articles/{slug}")
show_syncs = [
    show.sync(
        "GetArticle",
        where=[
            Article.by_slug(slug=show.params["slug"]).out(article=article),
            *_single(show, 200),
        ],
        then=[show.respond(200, view)],
    ),
]


def _own(author: str, user: str) -> bool:
    return author == user


change = Endpoint("PUT /articles/{slug}")
change_syncs = [
    change.sync(
        "UpdateArticle",
        where=[
            Article.by_slug(slug=change.params["slug"]).out(article=article, author=author),
            where(_own, author, change.user),
            change.field(title, "title"),
            change.field(description, "description"),
            change.field(body, "body"),
        ],
        then=[Article.update(article=article, title=title, description=description, body=body)],
    ),
    change.sync(
        "UpdateArticleRespond",
        when=[Article.update(article=article).out(article=article)],
        where=_single(change, 200),
        then=[change.respond(200, view)],
    ),
    change.on_error(Article.update),
]

remove = Endpoint("DELETE /articles/{slug}")
remove_syncs = [
    remove.sync(
        "DeleteArticle",
        where=[
            Article.by_slug(slug=remove.params["slug"]).out(article=article, author=author),
            where(_own, author, remove.user),
        ],
        then=[Article.delete(article=article)],
    ),
    # Whatever deletes an article, its tags, favorites and comments go with it.
    Sync(
        "DeleteArticleCascade",
        when=[Article.delete().out(article=article)],
        then=[
            Tagging.clear(target=article),
            Favoriting.clear(target=article),
            Commenting.clear(target=article),
        ],
    ),
    remove.sync(
        "DeleteArticleRespond",
        when=[
            Article.delete().out(article=article),
            Tagging.clear(target=article).out(target=article),
            Favoriting.clear(target=article).out(target=article),
            Commenting.clear(target=article).out(target=article),
        ],
        then=[remove.respond(204)],
    ),
    remove.on_error(Article.delete),
]

favorite = Endpoint("POST /articles/{slug}/favorite")
unfavorite = Endpoint("DELETE /articles/{slug}/favorite")
favorite_syncs = [
    favorite.sync(
        "Favorite",
        where=[Article.by_slug(slug=favorite.params["slug"]).out(article=article)],
        then=[Favoriting.favorite(user=favorite.user, target=article)],
    ),
    favorite.sync(
        "FavoriteRespond",
        when=[Favoriting.favorite(user=favorite.user).out(target=article)],
        where=_single(favorite, 200),
        then=[favorite.respond(200, view)],
    ),
    unfavorite.sync(
        "Unfavorite",
        where=[Article.by_slug(slug=unfavorite.params["slug"]).out(article=article)],
        then=[Favoriting.unfavorite(user=unfavorite.user, target=article)],
    ),
    unfavorite.sync(
        "UnfavoriteRespond",
        when=[Favoriting.unfavorite(user=unfavorite.user).out(target=article)],
        where=_single(unfavorite, 200),
        then=[unfavorite.respond(200, view)],
    ),
]

syncs = [
    *listing_syncs,
    *feed_syncs,
    *create_syncs,
    *show_syncs,
    *change_syncs,
    *remove_syncs,
    *favorite_syncs,
]

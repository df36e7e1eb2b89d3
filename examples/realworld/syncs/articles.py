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
from examples.realworld.rules import ROUTE
from examples.realworld.syncs._answers import caller, on, on_error, respond
from examples.realworld.syncs._views import article_views

__all__ = ["syncs"]

Rows = list[dict[str, Any]]

article, rows, views, view, author, slug = (
    Var("article"),
    Var("rows"),
    Var("views"),
    Var("view"),
    Var("author"),
    Var("slug"),
)
limit, offset, page, count = Var("limit"), Var("offset"), Var("page"), Var("count")


def _page_json(views: Rows, count: int) -> Any:
    return {"articles": views, "articlesCount": count}


def _paged(authors: Var, ids: Var) -> list[WhereClause]:
    """Fetch the page of articles (restricted to ``authors`` and ``ids``) and render it."""
    return [
        Article.page(authors=authors, ids=ids, limit=limit, offset=offset).out(
            articles=page, count=count
        ),
        *article_views(page, caller, views, with_body=False),
        bind(view, _page_json, views, count),
    ]


# -- GET /articles?tag=&author=&favorited=&limit=&offset= ----------------------------------

listing = ROUTE["GET /articles"]
tag, author_name, fan_name = Var("tag"), Var("author_name"), Var("fan_name")
author_rows, fan_rows, fan, fan_targets, tag_targets = (
    Var("author_rows"),
    Var("fan_rows"),
    Var("fan"),
    Var("fan_targets"),
    Var("tag_targets"),
)
authors, ids = Var("authors"), Var("ids")


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


filters = {
    "tag": tag,
    "author": author_name,
    "favorited": fan_name,
    "limit": limit,
    "offset": offset,
}
listing_syncs = [
    Sync(
        "ListArticles",
        when=[on(listing, query=filters, caller=caller)],
        where=[
            collect(User.by_username(username=author_name), into=author_rows),
            collect(User.by_username(username=fan_name), into=fan_rows),
            bind(fan, _first_user, fan_rows),
            collect(Favoriting.targets(user=fan), into=fan_targets),
            collect(Tagging.targets(tag=tag), into=tag_targets),
            bind(authors, _author_filter, author_name, author_rows),
            bind(ids, _id_filter, tag, tag_targets, fan_name, fan_targets),
            *_paged(authors, ids),
        ],
        then=[respond(200, view)],
    ),
]

# -- GET /articles/feed --------------------------------------------------------------------

feed = ROUTE["GET /articles/feed"]
followed, nobody = Var("followed"), Var("nobody")


def _followees(rows: Rows) -> list[str]:
    return [r["followee"] for r in rows]


def _no_filter() -> None:
    return None


feed_syncs = [
    Sync(
        "Feed",
        when=[on(feed, query={"limit": limit, "offset": offset}, caller=caller)],
        where=[
            collect(Following.followees(follower=caller), into=followed),
            bind(authors, _followees, followed),
            bind(nobody, _no_filter),
            *_paged(authors, nobody),
        ],
        then=[respond(200, view)],
    ),
]

# -- one article ---------------------------------------------------------------------------


def _one(views: Rows) -> Any:
    return {"article": views[0]}


_single: list[WhereClause] = [
    collect(Article.get(article=article), into=rows),
    *article_views(rows, caller, views),
    bind(view, _one, views),
]
"""Render ``article`` as ``{"article": ...}`` for the caller."""

create = ROUTE["POST /articles"]
title, description, text, tag_list = Var("title"), Var("description"), Var("text"), Var("tags")


def _tags(value: list[str] | None) -> list[str]:
    return value or []


def _is_list(value: list[str] | None) -> bool:
    return value is not None


create_syncs = [
    Sync(
        "CreateArticle",
        when=[
            on(
                create,
                body={"title": title, "description": description, "body": text},
                caller=caller,
            )
        ],
        where=[bind(article, uuid)],
        then=[
            Article.create(
                article=article, author=caller, title=title, description=description, body=text
            )
        ],
    ),
    Sync(
        "TagArticle",
        when=[
            on(create, body={"tagList": tag_list}),
            Article.create(article=article).out(article=article),
        ],
        where=[bind(tag_list, _tags, tag_list)],
        then=[Tagging.tag(target=article, tags=tag_list)],
    ),
    Sync(
        "CreateArticleRespond",
        when=[
            on(create, caller=caller),
            Article.create(article=article).out(article=article),
            Tagging.tag(target=article).out(target=article),
        ],
        where=_single,
        then=[respond(201, view)],
    ),
    on_error("CreateArticleFailed", create, Article.create),
]

show = ROUTE["GET /articles/{slug}"]
show_syncs = [
    Sync(
        "GetArticle",
        when=[on(show, params={"slug": slug}, caller=caller)],
        where=[Article.by_slug(slug=slug).out(article=article), *_single],
        then=[respond(200, view)],
    ),
]


def _own(author: str, user: str) -> bool:
    return author == user


change = ROUTE["PUT /articles/{slug}"]
change_syncs = [
    Sync(
        "UpdateArticle",
        when=[
            on(
                change,
                params={"slug": slug},
                body={"title": title, "description": description, "body": text},
                caller=caller,
            )
        ],
        where=[
            Article.by_slug(slug=slug).out(article=article, author=author),
            where(_own, author, caller),
        ],
        then=[Article.update(article=article, title=title, description=description, body=text)],
    ),
    # tagList: omitted (None) keeps the tags; a list, even [], replaces them.
    Sync(
        "UpdateArticleKeepTagsRespond",
        when=[
            on(change, body={"tagList": None}, caller=caller),
            Article.update(article=article).out(article=article),
        ],
        where=_single,
        then=[respond(200, view)],
    ),
    Sync(
        "RetagArticle",
        when=[
            on(change, body={"tagList": tag_list}),
            Article.update(article=article).out(article=article),
        ],
        where=[where(_is_list, tag_list)],
        then=[Tagging.retag(target=article, tags=tag_list)],
    ),
    Sync(
        "UpdateArticleRetaggedRespond",
        when=[
            on(change, caller=caller),
            Article.update(article=article).out(article=article),
            Tagging.retag(target=article).out(target=article),
        ],
        where=_single,
        then=[respond(200, view)],
    ),
    on_error("UpdateArticleFailed", change, Article.update),
]

remove = ROUTE["DELETE /articles/{slug}"]
remove_syncs = [
    Sync(
        "DeleteArticle",
        when=[on(remove, params={"slug": slug}, caller=caller)],
        where=[
            Article.by_slug(slug=slug).out(article=article, author=author),
            where(_own, author, caller),
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
    Sync(
        "DeleteArticleRespond",
        when=[
            on(remove),
            Article.delete().out(article=article),
            Tagging.clear(target=article).out(target=article),
            Favoriting.clear(target=article).out(target=article),
            Commenting.clear(target=article).out(target=article),
        ],
        then=[respond(204)],
    ),
    on_error("DeleteArticleFailed", remove, Article.delete),
]

favorite = ROUTE["POST /articles/{slug}/favorite"]
unfavorite = ROUTE["DELETE /articles/{slug}/favorite"]
favorite_syncs = [
    Sync(
        "Favorite",
        when=[on(favorite, params={"slug": slug}, caller=caller)],
        where=[Article.by_slug(slug=slug).out(article=article)],
        then=[Favoriting.favorite(user=caller, target=article)],
    ),
    Sync(
        "FavoriteRespond",
        when=[on(favorite, caller=caller), Favoriting.favorite(user=caller).out(target=article)],
        where=_single,
        then=[respond(200, view)],
    ),
    Sync(
        "Unfavorite",
        when=[on(unfavorite, params={"slug": slug}, caller=caller)],
        where=[Article.by_slug(slug=slug).out(article=article)],
        then=[Favoriting.unfavorite(user=caller, target=article)],
    ),
    Sync(
        "UnfavoriteRespond",
        when=[
            on(unfavorite, caller=caller),
            Favoriting.unfavorite(user=caller).out(target=article),
        ],
        where=_single,
        then=[respond(200, view)],
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

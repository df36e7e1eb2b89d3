"""Comments on articles: list, create, delete."""

from __future__ import annotations

from typing import Any

from accord import Sync, Var, bind, collect, where
from accord.concepts.requesting import Requesting
from examples.realworld.concepts import Article, Commenting
from examples.realworld.rules import ROUTE
from examples.realworld.syncs._answers import caller, on, on_error, request, respond
from examples.realworld.syncs._views import comment_views
from examples.realworld.syncs.http import comment_number

__all__ = ["create", "create_comment", "syncs"]

Rows = list[dict[str, Any]]
article, rows, views, view, text, comment, author, slug, number = (
    Var("article"),
    Var("rows"),
    Var("views"),
    Var("view"),
    Var("text"),
    Var("comment"),
    Var("author"),
    Var("slug"),
    Var("id"),
)


def _all(views: Rows) -> Any:
    return {"comments": views}


def _one(views: Rows) -> Any:
    return {"comment": views[0]}


def _own(author: str, user: str) -> bool:
    return author == user


listing = ROUTE["GET /articles/{slug}/comments"]
create = ROUTE["POST /articles/{slug}/comments"]
remove = ROUTE["DELETE /articles/{slug}/comments/{id}"]

create_comment = Sync(
    "CreateComment",
    when=[on(create, params={"slug": slug}, body={"body": text}, caller=caller)],
    where=[Article.by_slug(slug=slug).out(article=article)],
    then=[Commenting.create(target=article, author=caller, body=text)],
)
"""Publish at once; with comment screening, syncs/screening.py replaces this sync."""

syncs = [
    Sync(
        "GetComments",
        when=[on(listing, params={"slug": slug}, caller=caller)],
        where=[
            Article.by_slug(slug=slug).out(article=article),
            collect(Commenting.of(target=article), into=rows),
            *comment_views(rows, caller, views),
            bind(view, _all, views),
        ],
        then=[respond(200, view)],
    ),
    Sync(
        "CreateCommentRespond",
        when=[on(create, caller=caller), Commenting.create().out(comment=comment)],
        where=[
            # A comment held for review was answered already; publishing it later is silent.
            Requesting.get(request=request).out(status=None),
            collect(Commenting.get(comment=comment), into=rows),
            *comment_views(rows, caller, views),
            bind(view, _one, views),
        ],
        then=[respond(201, view)],
    ),
    on_error("CreateCommentFailed", create, Commenting.create),
    Sync(
        "DeleteComment",
        when=[on(remove, params={"slug": slug, "id": number}, caller=caller)],
        where=[
            Article.by_slug(slug=slug).out(article=article),
            bind(comment, comment_number, number),
            Commenting.get(comment=comment).out(target=article, author=author),
            where(_own, author, caller),
        ],
        then=[Commenting.delete(comment=comment)],
    ),
    Sync(
        "DeleteCommentRespond",
        when=[on(remove), Commenting.delete().out(comment=comment)],
        then=[respond(204)],
    ),
    on_error("DeleteCommentFailed", remove, Commenting.delete),
]

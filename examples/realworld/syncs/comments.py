"""Comments on articles: list, create, delete."""

from __future__ import annotations

from typing import Any

from accord import Var, bind, collect, where
from accord.concepts.requesting import Requesting
from examples.realworld.concepts import Article, Commenting
from examples.realworld.syncs._endpoint import Endpoint
from examples.realworld.syncs._views import comment_views
from examples.realworld.syncs.http import comment_number

__all__ = ["create_comment", "syncs"]

Rows = list[dict[str, Any]]
article, rows, views, view, text, comment, author = (
    Var("article"), Var("rows"), Var("views"), Var("view"), Var("text"), Var("comment"),
    Var("author"),
)  # fmt: skip


def _all(views: Rows) -> Any:
    return {"comments": views}


def _one(views: Rows) -> Any:
    return {"comment": views[0]}


def _own(author: str, user: str) -> bool:
    return author == user


listing = Endpoint("GET /articles/{slug}/comments")
create = Endpoint("POST /articles/{slug}/comments")
remove = Endpoint("DELETE /articles/{slug}/comments/{id}")

create_comment = create.sync(
    "CreateComment",
    where=[
        Article.by_slug(slug=create.params["slug"]).out(article=article),
        create.field(text, "body"),
    ],
    then=[Commenting.create(target=article, author=create.user, body=text)],
)
"""Publish at once; with comment screening, syncs/screening.py replaces this sync."""

syncs = [
    listing.sync(
        "GetComments",
        where=[
            Article.by_slug(slug=listing.params["slug"]).out(article=article),
            collect(Commenting.of(target=article), into=rows),
            *comment_views(rows, listing.user, views),
            bind(view, _all, views),
        ],
        then=[listing.respond(200, view)],
    ),
    create.sync(
        "CreateCommentRespond",
        when=[Commenting.create().out(comment=comment)],
        where=[
            # A comment held for review was answered already; publishing it later is silent.
            Requesting.get(request=create.request).out(status=None),
            collect(Commenting.get(comment=comment), into=rows),
            *comment_views(rows, create.user, views),
            bind(view, _one, views),
        ],
        then=[create.respond(200, view)],
    ),
    create.on_error(Commenting.create),
    remove.sync(
        "DeleteComment",
        where=[
            Article.by_slug(slug=remove.params["slug"]).out(article=article),
            bind(comment, comment_number, remove.params["id"]),
            Commenting.get(comment=comment).out(target=article, author=author),
            where(_own, author, remove.user),
        ],
        then=[Commenting.delete(comment=comment)],
    ),
    remove.sync(
        "DeleteCommentRespond",
        when=[Commenting.delete().out(comment=comment)],
        then=[remove.respond(204)],
    ),
    remove.on_error(Commenting.delete),
]

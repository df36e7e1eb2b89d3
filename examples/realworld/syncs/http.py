"""The answers routes share: 401 for missing or bad tokens and 422 for malformed bodies (built
per route by :meth:`Endpoint.rejections`), and the 404 and 403 answers of routes that address
an article, a profile or a comment.

Each rejection is computed with the same functions as the guards of the routes' own syncs
(see rules.py and _endpoint.py), so for any request exactly one of them answers.
"""

from __future__ import annotations

from typing import Any

from examples.realworld.concepts import JWT, Article, Commenting, User
from examples.realworld.rules import AUTH, BODY, authorized, body_problem
from examples.realworld.syncs._endpoint import Endpoint, fixed_errors

from accord import Sync, Var, bind, optional, where
from accord.concepts.requesting import Requesting
from accord.sync.model import WhereClause

__all__ = ["comment_number", "syncs"]

request, method, path, token, user, body, problem, reply = (
    Var("request"), Var("method"), Var("path"), Var("token"), Var("user"), Var("body"),
    Var("token_problem"), Var("reply"),
)  # fmt: skip


def _request(**inputs: Any) -> Any:
    return Requesting.request(method=method, path=path, token=token, body=body, **inputs).out(
        request=request
    )


def _respond(status: int) -> Any:
    return Requesting.respond(request=request, status=status, body=reply)


def _uses_auth(method: str, path: str) -> bool:
    return (method, path) in AUTH


def _token_for(method: str, path: str, token: str | None) -> str | None:
    """Routes without authentication ignore any token they are sent."""
    return token if _uses_auth(method, path) else None


def _caller() -> list[WhereClause]:
    """Bind ``user`` and ``problem`` from the token, as the route's own guards do."""
    effective = Var("effective_token")
    return [
        bind(effective, _token_for, method, path, token),
        JWT.verify(token=effective).out(user=user, problem=problem),
    ]


def _reachable(method: str, path: str, user: str | None, problem: str | None) -> bool:
    """The token is fine, and the caller signed in if the route requires it."""
    return problem is None and authorized((method, path), user)


def _body_ok(method: str, path: str, body: Any) -> bool:
    return body_problem((method, path), body) is None


def _guards() -> list[WhereClause]:
    """The guards of a route's main sync: a good token, signed in where required, body ok."""
    return [*_caller(), where(_reachable, method, path, user, problem),
            where(_body_ok, method, path, body)]  # fmt: skip


slug, article, author, username, target = (
    Var("slug"), Var("article"), Var("author"), Var("username"), Var("target")
)  # fmt: skip


def _missing(value: Any) -> bool:
    return value is None


article_not_found = Sync(
    "ArticleNotFound",
    when=[_request(params={"slug": slug})],
    where=[
        *_guards(),
        optional(Article.by_slug(slug=slug).out(article=article)),
        where(_missing, article),
        bind(reply, fixed_errors("article not found")),
    ],
    then=[_respond(404)],
)

profile_not_found = Sync(
    "ProfileNotFound",
    when=[_request(params={"username": username})],
    where=[
        *_guards(),
        optional(User.by_username(username=username).out(user=target)),
        where(_missing, target),
        bind(reply, fixed_errors("profile not found")),
    ],
    then=[_respond(404)],
)


def _changes_article(method: str, path: str) -> bool:
    return path == "/articles/{slug}" and method in ("PUT", "DELETE")


def _someone_else(author: str, user: str | None) -> bool:
    return author != user


article_forbidden = Sync(
    "ArticleForbidden",
    when=[_request(params={"slug": slug})],
    where=[
        where(_changes_article, method, path),
        *_guards(),
        Article.by_slug(slug=slug).out(author=author),
        where(_someone_else, author, user),
        bind(reply, fixed_errors("only the author can change or delete this article")),
    ],
    then=[_respond(403)],
)

comment_id, comment, found, comment_author = (
    Var("id"), Var("comment"), Var("found"), Var("comment_author")
)  # fmt: skip


def _elsewhere(found: str | None, article: str) -> bool:
    return found != article


def comment_number(text: str) -> int:
    """A path's comment id as a number (-1, which matches nothing, when it is not one)."""
    return int(text) if text.isdigit() and len(text) < 18 else -1


comment_not_found = Sync(
    "CommentNotFound",
    when=[_request(params={"slug": slug, "id": comment_id})],
    where=[
        *_guards(),
        Article.by_slug(slug=slug).out(article=article),
        bind(comment, comment_number, comment_id),
        optional(Commenting.get(comment=comment).out(target=found)),
        where(_elsewhere, found, article),
        bind(reply, fixed_errors("comment not found")),
    ],
    then=[_respond(404)],
)

comment_forbidden = Sync(
    "CommentForbidden",
    when=[_request(params={"slug": slug, "id": comment_id})],
    where=[
        *_guards(),
        Article.by_slug(slug=slug).out(article=article),
        bind(comment, comment_number, comment_id),
        Commenting.get(comment=comment).out(target=article, author=comment_author),
        where(_someone_else, comment_author, user),
        bind(reply, fixed_errors("only the author can delete this comment")),
    ],
    then=[_respond(403)],
)

# 401 and 422 answers, generated per route so that a request meets only its own route's.
rejections = [
    sync
    for method, path in sorted(AUTH.keys() | BODY.keys())
    for sync in Endpoint(f"{method} {path}").rejections()
]

syncs = [
    *rejections,
    article_not_found,
    profile_not_found,
    article_forbidden,
    comment_not_found,
    comment_forbidden,
]

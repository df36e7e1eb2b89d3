"""The 404 and 403 answers of routes that address an article, a profile or a comment.

Generated per route, each scoped to its route's literal method and path, each the negation of
the route's own lookup: for any request exactly one sync answers. (Malformed requests and
missing or refused tokens never get here: the server refuses them, see rules.py.)
"""

from __future__ import annotations

from typing import Any

from accord import Sync, Var, bind, optional, where
from accord.concepts.requesting import Route
from examples.realworld.concepts import Article, Commenting, User
from examples.realworld.rules import ROUTES, number
from examples.realworld.syncs._answers import caller, reject

__all__ = ["comment_number", "syncs"]

article, author, target, slug, name = (
    Var("article"),
    Var("author"),
    Var("target"),
    Var("slug"),
    Var("username"),
)
comment, found, comment_author, digits = (
    Var("comment"),
    Var("found"),
    Var("comment_author"),
    Var("id"),
)


def _missing(value: Any) -> bool:
    return value is None


def _someone_else(author: str, user: str | None) -> bool:
    return author != user


def _elsewhere(found: str | None, article: str) -> bool:
    return found != article


def comment_number(text: str) -> int:
    """A path's comment id as a number (-1, which matches nothing, when it is not one: the
    comment is not found)."""
    found = number(text, digits=17)
    return -1 if found is None else found


def _name(route: Route, what: str) -> str:
    words = "".join(w.title() for w in str(route).replace("/", " ").replace("{", " ").split())
    return "".join(c for c in words if c.isalpha()) + what


def _article_answers(route: Route) -> list[Sync]:
    answers = [
        reject(
            _name(route, "ArticleNotFound"),
            route,
            404,
            "article",
            "not found",
            [
                optional(Article.by_slug(slug=slug).out(article=article)),
                where(_missing, article),
            ],
            params={"slug": slug},
        ),
    ]
    if route.method in ("PUT", "DELETE") and route.path == "/articles/{slug}":
        forbidden = _name(route, "ArticleForbidden")
        answers.append(
            reject(
                forbidden,
                route,
                403,
                "article",
                "forbidden",
                [
                    Article.by_slug(slug=slug).out(author=author),
                    where(_someone_else, author, caller),
                ],
                params={"slug": slug},
                caller=caller,
            )
        )
    return answers


def _comment_answers(route: Route) -> list[Sync]:
    params = {"slug": slug, "id": digits}
    return [
        reject(
            _name(route, "CommentNotFound"),
            route,
            404,
            "comment",
            "not found",
            [
                Article.by_slug(slug=slug).out(article=article),
                bind(comment, comment_number, digits),
                optional(Commenting.get(comment=comment).out(target=found)),
                where(_elsewhere, found, article),
            ],
            params=params,
        ),
        reject(
            _name(route, "CommentForbidden"),
            route,
            403,
            "comment",
            "forbidden",
            [
                Article.by_slug(slug=slug).out(article=article),
                bind(comment, comment_number, digits),
                Commenting.get(comment=comment).out(target=article, author=comment_author),
                where(_someone_else, comment_author, caller),
            ],
            params=params,
            caller=caller,
        ),
    ]


def _profile_answers(route: Route) -> list[Sync]:
    return [
        reject(
            _name(route, "ProfileNotFound"),
            route,
            404,
            "profile",
            "not found",
            [
                optional(User.by_username(username=name).out(user=target)),
                where(_missing, target),
            ],
            params={"username": name},
        ),
    ]


def _answers(route: Route) -> list[Sync]:
    found: list[Sync] = []
    if "{slug}" in route.path:
        found += _article_answers(route)
    if "{id}" in route.path:
        found += _comment_answers(route)
    if "{username}" in route.path:
        found += _profile_answers(route)
    return found


syncs = [sync for route in ROUTES for sync in _answers(route)]

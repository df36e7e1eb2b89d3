"""The answers routes share: 401 for missing or bad tokens, 422 for malformed bodies, and
the 404 and 403 answers of routes that address an article, a profile or a comment.

All are generated per route, from the route's :class:`Endpoint`, so each is scoped to its
route's literal method and path (a request meets only its own route's answers), and each runs
behind the same guards as the route's own syncs (see rules.py and _endpoint.py): for any
request exactly one sync answers.
"""

from __future__ import annotations

from typing import Any

from accord import Sync, Var, bind, optional, where
from examples.realworld.concepts import Article, Commenting, User
from examples.realworld.rules import AUTH, BODY, ROUTES, number
from examples.realworld.syncs._endpoint import Endpoint

__all__ = ["comment_number", "syncs"]

article, author, target = Var("article"), Var("author"), Var("target")
comment, found, comment_author = Var("comment"), Var("found"), Var("comment_author")


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


def _article_answers(ep: Endpoint) -> list[Sync]:
    slug = ep.params["slug"]
    answers = [
        ep.reject(ep.named("ArticleNotFound"), 404, "article not found", [
            optional(Article.by_slug(slug=slug).out(article=article)),
            where(_missing, article),
        ]),
    ]  # fmt: skip
    if ep.method in ("PUT", "DELETE") and ep.path == "/articles/{slug}":
        message = "only the author can change or delete this article"
        answers.append(ep.reject(ep.named("ArticleForbidden"), 403, message, [
            Article.by_slug(slug=slug).out(author=author),
            where(_someone_else, author, ep.user),
        ]))  # fmt: skip
    return answers


def _comment_answers(ep: Endpoint) -> list[Sync]:
    slug, number = ep.params["slug"], ep.params["id"]
    return [
        ep.reject(ep.named("CommentNotFound"), 404, "comment not found", [
            Article.by_slug(slug=slug).out(article=article),
            bind(comment, comment_number, number),
            optional(Commenting.get(comment=comment).out(target=found)),
            where(_elsewhere, found, article),
        ]),
        ep.reject(ep.named("CommentForbidden"), 403, "only the author can delete this comment", [
            Article.by_slug(slug=slug).out(article=article),
            bind(comment, comment_number, number),
            Commenting.get(comment=comment).out(target=article, author=comment_author),
            where(_someone_else, comment_author, ep.user),
        ]),
    ]  # fmt: skip


def _profile_answers(ep: Endpoint) -> list[Sync]:
    return [
        ep.reject(ep.named("ProfileNotFound"), 404, "profile not found", [
            optional(User.by_username(username=ep.params["username"]).out(user=target)),
            where(_missing, target),
        ]),
    ]  # fmt: skip


def _answers(ep: Endpoint) -> list[Sync]:
    """The route's 401 and 422 answers, then its 404 and 403 ones."""
    found = ep.rejections()
    if "slug" in ep.params:
        found += _article_answers(ep)
    if "id" in ep.params:
        found += _comment_answers(ep)
    if "username" in ep.params:
        found += _profile_answers(ep)
    return found


_endpoints = [Endpoint(spec) for spec in ROUTES]
_undeclared = (AUTH.keys() | BODY.keys()) - {e.route for e in _endpoints}
if _undeclared:  # a misspelt rule would leave the real route unguarded
    raise RuntimeError(f"rules.py guards routes that ROUTES does not declare: {_undeclared}")

syncs = [sync for ep in _endpoints for sync in _answers(ep)]

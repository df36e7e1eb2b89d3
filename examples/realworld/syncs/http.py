"""Syncs every route shares: authentication, 401, malformed bodies (422), 404 and 403."""

from __future__ import annotations

from typing import Any

from examples.realworld.concepts import JWT, Article, Commenting, User
from examples.realworld.rules import AUTH, BODY, authorized, body_problem, errors, message_of

from accord import Sync, Var, bind, optional, where
from accord.concepts.requesting import Requesting

__all__ = ["syncs"]

request, method, path, token, user, body, params = (
    Var("request"), Var("method"), Var("path"), Var("token"), Var("user"), Var("body"),
    Var("params"),
)  # fmt: skip
error, reply = Var("error"), Var("reply")


def _uses_auth(method: str, path: str) -> bool:
    return (method, path) in AUTH


def _requires_auth(method: str, path: str) -> bool:
    return AUTH.get((method, path)) == "required"


def _authorized(method: str, path: str, user: str | None) -> bool:
    return authorized((method, path), user)


def _problem(method: str, path: str, body: Any) -> str | None:
    return body_problem((method, path), body)


def _body_ok(method: str, path: str, body: Any) -> bool:
    return _problem(method, path, body) is None


def _reply(status_message: str) -> Any:
    def fixed() -> Any:
        return errors(status_message)

    return fixed


def _request(**inputs: Any) -> Any:
    return Requesting.request(method=method, path=path, token=token, body=body, **inputs).out(
        request=request
    )


authenticate = Sync(
    "Authenticate",
    when=[_request()],
    where=[where(_uses_auth, method, path)],
    then=[JWT.authenticate(token=token)],
)

unauthorized = Sync(
    "Unauthorized",
    when=[_request(), JWT.authenticate(token=token).out(user=None)],
    where=[where(_requires_auth, method, path), bind(reply, _reply("you need to sign in"))],
    then=[Requesting.respond(request=request, status=401, body=reply)],
)


def _bad_token_body(error: Any) -> Any:
    return errors(message_of(error))


bad_token = Sync(
    "BadToken",
    when=[_request(), JWT.authenticate(token=token).err(error)],
    where=[bind(reply, _bad_token_body, error)],
    then=[Requesting.respond(request=request, status=401, body=reply)],
)


def _invalid_body(method: str, path: str, body: Any) -> bool:
    return (method, path) in BODY and _problem(method, path, body) is not None


def _problem_body(method: str, path: str, body: Any) -> Any:
    return errors(_problem(method, path, body) or "")


def _public(method: str, path: str) -> bool:
    return not _uses_auth(method, path)


invalid_body = Sync(
    "InvalidBody",
    when=[_request()],
    where=[
        where(_public, method, path),
        where(_invalid_body, method, path, body),
        bind(reply, _problem_body, method, path, body),
    ],
    then=[Requesting.respond(request=request, status=422, body=reply)],
)

invalid_body_signed_in = Sync(
    "InvalidBodySignedIn",
    when=[_request(), JWT.authenticate(token=token).out(user=user)],
    where=[
        where(_authorized, method, path, user),
        where(_invalid_body, method, path, body),
        bind(reply, _problem_body, method, path, body),
    ],
    then=[Requesting.respond(request=request, status=422, body=reply)],
)

slug, article, author, username, target = (
    Var("slug"), Var("article"), Var("author"), Var("username"), Var("target")
)  # fmt: skip


def _missing(value: Any) -> bool:
    return value is None


def _reachable() -> list[Any]:
    """The guards of a route's main sync: signed in where required, body well formed."""
    return [where(_authorized, method, path, user), where(_body_ok, method, path, body)]


article_not_found = Sync(
    "ArticleNotFound",
    when=[_request(params={"slug": slug}), JWT.authenticate(token=token).out(user=user)],
    where=[
        *_reachable(),
        optional(Article.by_slug(slug=slug).out(article=article)),
        where(_missing, article),
        bind(reply, _reply("article not found")),
    ],
    then=[Requesting.respond(request=request, status=404, body=reply)],
)

profile_not_found = Sync(
    "ProfileNotFound",
    when=[_request(params={"username": username}), JWT.authenticate(token=token).out(user=user)],
    where=[
        *_reachable(),
        optional(User.by_username(username=username).out(user=target)),
        where(_missing, target),
        bind(reply, _reply("profile not found")),
    ],
    then=[Requesting.respond(request=request, status=404, body=reply)],
)


def _changes_article(method: str, path: str) -> bool:
    return path == "/articles/{slug}" and method in ("PUT", "DELETE")


def _someone_else(author: str, user: str | None) -> bool:
    return author != user


article_forbidden = Sync(
    "ArticleForbidden",
    when=[_request(params={"slug": slug}), JWT.authenticate(token=token).out(user=user)],
    where=[
        where(_changes_article, method, path),
        *_reachable(),
        Article.by_slug(slug=slug).out(author=author),
        where(_someone_else, author, user),
        bind(reply, _reply("only the author can change or delete this article")),
    ],
    then=[Requesting.respond(request=request, status=403, body=reply)],
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
    when=[
        _request(params={"slug": slug, "id": comment_id}),
        JWT.authenticate(token=token).out(user=user),
    ],
    where=[
        where(_authorized, method, path, user),
        Article.by_slug(slug=slug).out(article=article),
        bind(comment, comment_number, comment_id),
        optional(Commenting.get(comment=comment).out(target=found)),
        where(_elsewhere, found, article),
        bind(reply, _reply("comment not found")),
    ],
    then=[Requesting.respond(request=request, status=404, body=reply)],
)

comment_forbidden = Sync(
    "CommentForbidden",
    when=[
        _request(params={"slug": slug, "id": comment_id}),
        JWT.authenticate(token=token).out(user=user),
    ],
    where=[
        where(_authorized, method, path, user),
        Article.by_slug(slug=slug).out(article=article),
        bind(comment, comment_number, comment_id),
        Commenting.get(comment=comment).out(target=article, author=comment_author),
        where(_someone_else, comment_author, user),
        bind(reply, _reply("only the author can delete this comment")),
    ],
    then=[Requesting.respond(request=request, status=403, body=reply)],
)

syncs = [
    authenticate,
    unauthorized,
    bad_token,
    invalid_body,
    invalid_body_signed_in,
    article_not_found,
    profile_not_found,
    article_forbidden,
    comment_not_found,
    comment_forbidden,
]

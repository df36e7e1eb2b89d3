"""Conduit's HTTP contract as data: each route's models, and who may call it.

The server validates every request against these before anything is recorded (422 with
field-keyed errors, 401 for a missing or refused token), so the syncs see only well-formed,
normalized values: every declared field present, ``None`` where it was not sent.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

from accord.concepts.requesting import Authentication, Route, identifier, route
from examples.realworld.concepts import JWT, User

__all__ = [
    "AUTHENTICATION",
    "MAX_LIMIT",
    "ROUTES",
    "USERNAME_MAX",
    "errors",
    "message_of",
    "number",
]

USERNAME_MAX = 64
"""The longest username, in characters (after NFC normalization)."""
SLUG_MAX = 128
MAX_LIMIT = 100
MAX_DIGITS = 9


def number(text: str, digits: int = MAX_DIGITS) -> int | None:
    """``text`` as a whole number when it is 1 to ``digits`` ASCII digits, else None.

    Not ``str.isdigit``: it accepts ``"²"`` and other Unicode digits that ``int`` refuses or
    reads differently, and no bound keeps ``int`` from parsing a huge number.
    """
    if not 0 < len(text) <= digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("can't be blank")
    return value


def _email(value: str) -> str:
    if not value.strip():
        raise ValueError("can't be blank")
    if "@" not in value.strip(" @") or value != value.strip():
        raise ValueError("is invalid")
    return value


def _nullable(value: Any) -> Any:
    """``""`` and ``null`` both mean "none": normalized to ``""`` (shown as null)."""
    return "" if value is None else value


def _whole(low: int, high: int | None = None) -> Any:
    def parse(value: Any) -> int:
        found = number(value) if isinstance(value, str) else None
        if found is None or found < low:
            raise ValueError(f"must be a whole number (ASCII digits) of at least {low}")
        return found if high is None else min(found, high)

    return BeforeValidator(parse)


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("can't be null: leave it out to keep the tags, or send [] to clear them")
    return value


Text = Annotated[str, AfterValidator(_not_blank)]
Email = Annotated[str, AfterValidator(_email)]
Username = Annotated[str, identifier(USERNAME_MAX)]
Slug = Annotated[str, identifier(SLUG_MAX)]
Nullable = Annotated[str | None, BeforeValidator(_nullable)]
Tags = Annotated[
    list[Annotated[str, AfterValidator(_not_blank)]] | None, BeforeValidator(_not_null)
]


class _Body(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=False, frozen=True)


class NewUser(_Body):
    username: Username
    email: Email
    password: Text


class Login(_Body):
    email: Text
    password: Text


class UserChange(_Body):
    """Omitted fields keep their value; ``bio`` and ``image`` sent as ``""`` or null clear
    (``""`` here, shown as null)."""

    username: Username | None = None
    email: Email | None = None
    password: Text | None = None
    bio: Nullable = None
    image: Nullable = None

    @model_validator(mode="after")
    def _something(self) -> UserChange:
        if not self.model_fields_set:
            raise ValueError("must contain at least one of: username, email, password, bio, image")
        return self


class NewArticle(_Body):
    title: Text
    description: Text
    body: Text
    tagList: Tags = None


class ArticleChange(_Body):
    """Omitted fields keep their value; ``tagList``: omitted keeps the tags, ``[]`` clears
    them, null is refused."""

    title: Text | None = None
    description: Text | None = None
    body: Text | None = None
    tagList: Tags = None

    @model_validator(mode="after")
    def _something(self) -> ArticleChange:
        if not self.model_fields_set:
            raise ValueError("must contain at least one of: title, description, body, tagList")
        return self


class NewComment(_Body):
    body: Text


class Paging(_Body):
    limit: Annotated[int, _whole(1, MAX_LIMIT)] = 20
    offset: Annotated[int, _whole(0)] = 0


class ArticleFilter(Paging):
    tag: str | None = None
    author: str | None = None
    favorited: str | None = None


class ProfilePath(_Body):
    username: Username


class ArticlePath(_Body):
    slug: Slug


class CommentPath(_Body):
    slug: Slug
    id: str


AUTHENTICATION = Authentication(verify=JWT.verify, known=User.get)
"""Tokens are JWTs naming a user that must exist."""

ROUTES: list[Route] = [
    route("POST /users/login", body=Login, envelope="user"),
    route("POST /users", body=NewUser, envelope="user"),
    route("GET /user", auth="required"),
    route("PUT /user", body=UserChange, envelope="user", auth="required"),
    route("GET /profiles/{username}", params=ProfilePath, auth="optional"),
    route("POST /profiles/{username}/follow", params=ProfilePath, auth="required"),
    route("DELETE /profiles/{username}/follow", params=ProfilePath, auth="required"),
    route("GET /articles/feed", query=Paging, auth="required"),
    route("GET /articles", query=ArticleFilter, auth="optional"),
    route("POST /articles", body=NewArticle, envelope="article", auth="required"),
    route("GET /articles/{slug}", params=ArticlePath, auth="optional"),
    route(
        "PUT /articles/{slug}",
        params=ArticlePath,
        body=ArticleChange,
        envelope="article",
        auth="required",
    ),
    route("DELETE /articles/{slug}", params=ArticlePath, auth="required"),
    route("POST /articles/{slug}/favorite", params=ArticlePath, auth="required"),
    route("DELETE /articles/{slug}/favorite", params=ArticlePath, auth="required"),
    route("GET /articles/{slug}/comments", params=ArticlePath, auth="optional"),
    route(
        "POST /articles/{slug}/comments",
        params=ArticlePath,
        body=NewComment,
        envelope="comment",
        auth="required",
    ),
    route("DELETE /articles/{slug}/comments/{id}", params=CommentPath, auth="required"),
    route("GET /tags"),
]
"""Every route of the RealWorld API (spec 2.0.0), under the prefix /api."""

ROUTE = {str(r): r for r in ROUTES}


def errors(key: str, *messages: str) -> dict[str, Any]:
    """The RealWorld error body: ``{"errors": {key: [messages]}}``."""
    return {"errors": {key: list(messages)}}


def message_of(error: Any) -> str:
    """The message of an error completion (a string or a typed error record)."""
    if isinstance(error, dict):
        return str(error.get("message", error))
    return str(error)

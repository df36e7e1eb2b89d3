"""Conduit's HTTP rules as data: which routes authenticate, what each body must hold.

Syncs read these tables in their ``where`` clauses, so a route's guard (the main sync) and its
rejection (the 401/422 sync) are computed by the same function and can never both fire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "AUTH",
    "BODY",
    "ROUTES",
    "BodyRule",
    "authorized",
    "body_problem",
    "errors",
    "message_of",
    "number",
    "paging",
    "paging_problem",
]

Route = tuple[str, str]

ROUTES = [
    "POST /users/login",
    "POST /users",
    "GET /user",
    "PUT /user",
    "GET /profiles/{username}",
    "POST /profiles/{username}/follow",
    "DELETE /profiles/{username}/follow",
    "GET /articles/feed",
    "GET /articles",
    "POST /articles",
    "GET /articles/{slug}",
    "PUT /articles/{slug}",
    "DELETE /articles/{slug}",
    "POST /articles/{slug}/favorite",
    "DELETE /articles/{slug}/favorite",
    "GET /articles/{slug}/comments",
    "POST /articles/{slug}/comments",
    "DELETE /articles/{slug}/comments/{id}",
    "GET /tags",
]

_OPTIONAL = ["GET /profiles/{username}", "GET /articles", "GET /articles/{slug}",
             "GET /articles/{slug}/comments"]  # fmt: skip
_REQUIRED = ["GET /user", "PUT /user", "POST /profiles/{username}/follow",
             "DELETE /profiles/{username}/follow", "GET /articles/feed", "POST /articles",
             "PUT /articles/{slug}", "DELETE /articles/{slug}", "POST /articles/{slug}/favorite",
             "DELETE /articles/{slug}/favorite", "POST /articles/{slug}/comments",
             "DELETE /articles/{slug}/comments/{id}"]  # fmt: skip


def _route(spec: str) -> Route:
    method, path = spec.split()
    return method, path


AUTH: dict[Route, Literal["optional", "required"]] = {
    **{_route(s): "optional" for s in _OPTIONAL},
    **{_route(s): "required" for s in _REQUIRED},
}
"""Routes that read the caller's token: optional (a guest may call) or required (401)."""


@dataclass(frozen=True)
class BodyRule:
    """The body is ``{root: {...}}``; ``fields`` maps a field to (kind, required)."""

    root: str
    fields: dict[str, tuple[Literal["str", "str?", "tags"], bool]]
    at_least_one: bool = False


BODY: dict[Route, BodyRule] = {
    ("POST", "/users"): BodyRule(
        "user", {"username": ("str", True), "email": ("str", True), "password": ("str", True)}
    ),
    ("POST", "/users/login"): BodyRule("user", {"email": ("str", True), "password": ("str", True)}),
    ("PUT", "/user"): BodyRule(
        "user",
        {
            "username": ("str", False),
            "email": ("str", False),
            "password": ("str?", False),
            "bio": ("str?", False),
            "image": ("str?", False),
        },
        at_least_one=True,
    ),
    ("POST", "/articles"): BodyRule(
        "article",
        {
            "title": ("str", True),
            "description": ("str", True),
            "body": ("str", True),
            "tagList": ("tags", False),
        },
    ),
    ("PUT", "/articles/{slug}"): BodyRule(
        "article",
        {"title": ("str", False), "description": ("str", False), "body": ("str", False)},
        at_least_one=True,
    ),
    ("POST", "/articles/{slug}/comments"): BodyRule("comment", {"body": ("str", True)}),
}
"""What the JSON body of each route that takes one must hold."""


def body_problem(route: Route, body: Any) -> str | None:
    """What is wrong with a route's body, or None when it is well formed."""
    rule = BODY.get(route)
    if rule is None:
        return None
    if not isinstance(body, dict) or not isinstance(body.get(rule.root), dict):
        return f"the body must be a JSON object with a {rule.root!r} object"
    fields = body[rule.root]
    for name, (kind, required) in rule.fields.items():
        value = fields.get(name)
        if name not in fields or (value is None and kind != "str?"):
            if required:
                return f"{rule.root}.{name} is required"
            if name in fields:
                return f"{rule.root}.{name} must be a string"
            continue
        if kind == "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                return f"{rule.root}.{name} must be a list of strings"
        elif value is not None and not isinstance(value, str):
            return f"{rule.root}.{name} must be a string"
    if rule.at_least_one and not any(name in fields for name in rule.fields):
        return f"{rule.root} must contain at least one of: {', '.join(rule.fields)}"
    return None


def authorized(route: Route, user: str | None) -> bool:
    """Whether the caller may reach the route's own syncs (a guest only where optional)."""
    return user is not None or AUTH.get(route) != "required"


def errors(*messages: str) -> dict[str, Any]:
    """The RealWorld error body."""
    return {"errors": {"body": list(messages)}}


def message_of(error: Any) -> str:
    """The message of an error completion (a string or a typed error record)."""
    if isinstance(error, dict):
        return str(error.get("message", error))
    return str(error)


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


def paging_problem(query: dict[str, str]) -> str | None:
    """What is wrong with ``limit`` and ``offset``, or None."""
    for name, low in (("limit", 1), ("offset", 0)):
        value = query.get(name)
        if value is None:
            continue
        parsed = number(value)
        if parsed is None or parsed < low:
            return f"{name} must be a whole number (ASCII digits) of at least {low}"
    return None


def paging(query: dict[str, str]) -> tuple[int, int]:
    """``(limit, offset)`` from a query that passed :func:`paging_problem`."""
    return min(int(query.get("limit", 20)), MAX_LIMIT), int(query.get("offset", 0))

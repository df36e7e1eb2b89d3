"""Requesting: HTTP as a bootstrap concept, with routes declared once and validated at the edge.

An HTTP request is a root action, ``Requesting/request``, which starts a new flow; syncs answer
it with ``Requesting/respond``. The server (:mod:`accord.web`) records the request, waits for
the first ``respond`` completion of the flow and writes it to the client.

Routes are declared on the concept instance, as ``"METHOD /path/{param}"`` or with
:func:`route`, which also declares the Pydantic models of the path parameters, the query and
the body, and whether the route needs an authenticated caller::

    Requesting([
        route("GET /articles", query=ArticleQuery, auth="optional"),
        route("POST /articles", body=NewArticle, envelope="article", auth="required"),
    ], authentication=Authentication(verify=JWT.verify, known=User.get))

The server validates a request against its route before anything is recorded: invalid input
gets a 422 with field-keyed errors, a missing or refused credential a 401, and no sync runs.
A request's ``path`` input is the route pattern (``/articles/{slug}``), so syncs match on the
route; ``params``, ``query`` and ``body`` hold the validated, normalized values (every declared
field present, ``None`` when it was not sent) and ``caller`` the authenticated identity::

    articles.request(params={"slug": slug}, caller=user).out(request=request)

Secrets (fields named ``password`` or ``token``, whatever their type, and the
``Authorization`` token) reach the log only as opaque references (see :mod:`accord.web.secrets`).
See docs/http.md.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ValidationError
from starlette.routing import compile_path
from typing_extensions import TypedDict

from accord.concept import ActionCall, Concept, Error, QueryDef, action, query
from accord.migrations import migration

__all__ = [
    "IDENTIFIER_MAX_LENGTH",
    "Auth",
    "Authentication",
    "Identifier",
    "MethodNotAllowed",
    "RequestInvalid",
    "Requesting",
    "Route",
    "RouteMatch",
    "identifier",
    "identifier_problem",
    "route",
]

log = logging.getLogger("accord.requesting")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

Auth = Literal["none", "optional", "required"]
"""Who may call a route: anyone (the token is ignored), anyone but a sent token must be valid,
or only an authenticated caller."""

IDENTIFIER_MAX_LENGTH = 64
"""The default longest :data:`Identifier`, in characters (after NFC normalization)."""

# Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned
# characters, and line/paragraph separators: invisible or ambiguous in a name shown to people.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SEPARATORS = frozenset("/\\")


def identifier_problem(text: str, max_length: int = IDENTIFIER_MAX_LENGTH) -> str | None:
    """Why ``text`` (already NFC-normalized) cannot name something, or None when it can."""
    if not text:
        return "can't be blank"
    if text != text.strip():
        return "must not begin or end with spaces"
    if len(text) > max_length:
        return f"is too long (at most {max_length} characters)"
    for char in text:
        if char in _SEPARATORS:
            return f"must not contain {char!r} (a path separator)"
        category = unicodedata.category(char)
        if category in _REFUSED_CATEGORIES:
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            return f"must not contain invisible or control characters (found {name})"
    return None


def identifier(max_length: int = IDENTIFIER_MAX_LENGTH) -> AfterValidator:
    """The check of names that address things (usernames, slugs), for ``Annotated[str,
    identifier(32)]``: the value is normalized to NFC, and refused when blank, padded with
    spaces, longer than ``max_length``, or holding a path separator, a control, zero-width or
    bidi character."""

    def check(value: str) -> str:
        text = unicodedata.normalize("NFC", value)
        problem = identifier_problem(text, max_length)
        if problem is not None:
            raise ValueError(problem)
        return text

    return AfterValidator(check)


Identifier = Annotated[str, identifier()]
"""A name that addresses something, at most :data:`IDENTIFIER_MAX_LENGTH` characters."""


class RequestInvalid(Exception):
    """A request refused at the edge: ``errors`` maps each wrong field to what is wrong."""

    def __init__(self, errors: dict[str, list[str]], status: int = 422) -> None:
        super().__init__("; ".join(f"{k} {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors
        self.status = status


@dataclass(frozen=True, slots=True)
class Authentication:
    """How the server turns a request's token into a caller, before any sync runs.

    ``verify`` is a query called with ``token=<the credential>``; its first row holds
    ``user`` (the identity, or None) and ``problem`` (why the token is refused, or None).
    ``known``, when given, is a query called with the identity as its one input; no row means
    the identity does not exist (a deleted user, a token from another database): a 401.
    """

    verify: QueryDef[Any]
    known: QueryDef[Any] | None = None

    def __post_init__(self) -> None:
        if "token" not in self.verify.inputs:
            raise ValueError(f"{self.verify.qualname} must take a `token` input to verify tokens")
        if self.known is not None and len(self.known.inputs) != 1:
            raise ValueError(
                f"{self.known.qualname} must take exactly one input (the identity) to say "
                "whether it exists"
            )

    @property
    def known_input(self) -> str | None:
        """The name of ``known``'s input."""
        return None if self.known is None else next(iter(self.known.inputs))


@dataclass(frozen=True, slots=True, eq=False)
class Route:
    """One declared route: a method, a path pattern with ``{parameters}``, the models its
    parts are validated against (None: taken as sent) and who may call it."""

    method: str
    path: str
    params: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    envelope: str | None = None
    auth: Auth = "none"

    @classmethod
    def parse(cls, spec: str) -> Route:
        """``"GET /articles/{slug}"`` -> Route("GET", "/articles/{slug}")."""
        parts = spec.split()
        if len(parts) != 2 or parts[0].upper() not in METHODS or not parts[1].startswith("/"):
            raise ValueError(
                f"bad route {spec!r}: write it as 'METHOD /path/{{param}}', "
                f"with METHOD one of {', '.join(sorted(METHODS))}"
            )
        return cls(parts[0].upper(), parts[1])

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Route) and (self.method, self.path) == (other.method, other.path)

    def __hash__(self) -> int:
        return hash((self.method, self.path))

    def request(self, **inputs: Any) -> ActionCall:
        """A ``Requesting.request`` pattern for this route: ``method`` and ``path`` filled in,
        ``inputs`` (``params``, ``query``, ``body``, ``caller``, ``token``) as given."""
        return Requesting.request(method=self.method, path=self.path, **inputs)

    def validate(
        self, params: dict[str, str], query: dict[str, str], body: Any
    ) -> tuple[dict[str, Any], dict[str, Any], Any]:
        """The request's parts, validated and normalized by the route's models.

        Raises :class:`RequestInvalid` naming every wrong field (``title``, ``tagList.0``).
        """
        errors: dict[str, list[str]] = {}
        if self.params is not None:
            params = _validated(self.params, params, errors, "")
        if self.query is not None:
            query = _validated(self.query, query, errors, "")
        if self.body is not None:
            body = self._body(body, errors)
        if errors:
            raise RequestInvalid(errors)
        return params, query, body

    def _body(self, body: Any, errors: dict[str, list[str]]) -> Any:
        assert self.body is not None
        if self.envelope is None:
            if not isinstance(body, dict):
                errors["body"] = ["must be a JSON object"]
                return None
            return _validated(self.body, body, errors, "")
        inner = body.get(self.envelope) if isinstance(body, dict) else None
        if not isinstance(inner, dict):
            errors[self.envelope] = [f'is required: send {{"{self.envelope}": {{...}}}}']
            return None
        return _validated(self.body, inner, errors, self.envelope)


def _validated(
    model: type[BaseModel], value: Mapping[str, Any], errors: dict[str, list[str]], part: str
) -> dict[str, Any]:
    try:
        return model.model_validate(value).model_dump(mode="json")
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            key = ".".join(str(p) for p in error["loc"]) or part or "body"
            errors.setdefault(key, []).append(_message(error["type"], error["msg"]))
        return {}


def _message(kind: str, msg: str) -> str:
    if kind == "missing":
        return "is required"
    if kind == "value_error":  # our validators' messages: "Value error, can't be blank"
        return msg.split(", ", 1)[-1]
    if kind == "string_type":
        return "must be a string"
    if kind == "extra_forbidden":
        return "is not a known field"
    return msg[:1].lower() + msg[1:]


def route(
    spec: str,
    *,
    params: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    envelope: str | None = None,
    auth: Auth = "none",
) -> Route:
    """Declare a route: ``route("PUT /articles/{slug}", params=Slug, body=ArticleChange,
    envelope="article", auth="required")``.

    ``envelope`` names the object the body's fields are wrapped in (``{"article": {...}}``);
    the syncs receive the inner object. ``auth``: see :data:`Auth`.
    """
    if auth not in ("none", "optional", "required"):
        raise ValueError(f"auth must be 'none', 'optional' or 'required', not {auth!r}")
    if envelope is not None and body is None:
        raise ValueError(f"route {spec!r}: an envelope needs a body model")
    parsed = Route.parse(spec)
    found = {name for name in compile_path(parsed.path)[2]}
    if params is not None and set(params.model_fields) != found:
        raise ValueError(
            f"route {spec!r}: the params model {params.__name__} must declare exactly the path's "
            f"parameters ({', '.join(sorted(found)) or 'none'})"
        )
    return Route(parsed.method, parsed.path, params, query, body, envelope, auth)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """A request path resolved to a declared route and its parameter values."""

    route: Route
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class MethodNotAllowed:
    """The path is a declared route, but not for this method."""

    allowed: tuple[str, ...]


class _Compiled:
    def __init__(self, route: Route) -> None:
        self.route = route
        self.regex, _, self.convertors = compile_path(route.path)
        # Literal segments beat parameters: /articles/feed before /articles/{slug}.
        self.rank = (len(self.convertors), -route.path.count("/"))


class Requested(TypedDict):
    request: str


class Responded(TypedDict):
    request: str
    status: int


class RequestRow(TypedDict):
    request: str
    method: str
    path: str
    status: int | None
    received_at: float
    answered_at: float | None


class IdempotentRow(TypedDict):
    request: str
    fingerprint: str
    status: int | None


IDEMPOTENCY_SQL = """CREATE TABLE IF NOT EXISTS requesting_idempotency (
            key TEXT PRIMARY KEY,
            request TEXT NOT NULL,
            fingerprint TEXT NOT NULL
        )"""


class Requesting(Concept):
    """HTTP requests in, responses out. State: which requests exist and which were answered,
    and the ``Idempotency-Key`` each was sent with."""

    schema = (
        """CREATE TABLE IF NOT EXISTS requesting_requests (
            request TEXT PRIMARY KEY,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            status INTEGER,
            received_at REAL NOT NULL,
            answered_at REAL
        )""",
        IDEMPOTENCY_SQL,
    )
    migrations = (
        # Idempotency keys arrived after the first release; IF NOT EXISTS because databases
        # made between that change and versioned migrations have the table already.
        migration(1, IDEMPOTENCY_SQL, description="add requesting_idempotency (Idempotency-Key)"),
    )

    def __init__(
        self,
        routes: Iterable[str | Route] = (),
        *,
        prefix: str = "",
        authentication: Authentication | None = None,
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"prefix {prefix!r} must start with '/' and not end with one")
        self.prefix = prefix
        self.authentication = authentication
        self.routes: list[Route] = []
        self._compiled: list[_Compiled] = []
        self._static: dict[tuple[str, str], Route] = {}  # routes without parameters
        for spec in routes:
            self.add_route(spec)

    def add_route(self, spec: str | Route) -> Route:
        """Declare a route (``"POST /users"``, or a :class:`Route` made by :func:`route`)."""
        route = spec if isinstance(spec, Route) else Route.parse(spec)
        if route in self.routes:
            raise ValueError(f"route {route} is declared twice")
        if route.auth != "none" and self.authentication is None:
            raise ValueError(
                f"route {route} needs a caller (auth={route.auth!r}) but Requesting has no "
                "authentication: pass Requesting(..., authentication=Authentication(...))"
            )
        self.routes.append(route)
        compiled = _Compiled(route)
        if not compiled.convertors:
            self._static[(route.method, route.path)] = route
        self._compiled.append(compiled)
        self._compiled.sort(key=lambda c: c.rank)
        return route

    def match(self, method: str, path: str) -> RouteMatch | MethodNotAllowed | None:
        """Resolve a request: the route and parameters, or why there is none."""
        if self.prefix:
            if path != self.prefix and not path.startswith(self.prefix + "/"):
                return None
            path = path[len(self.prefix) :]
        static = self._static.get((method.upper(), path))
        if static is not None:  # the scan below would find it first too: literals rank first
            return RouteMatch(static, {})
        allowed: list[str] = []
        for compiled in self._compiled:
            found = compiled.regex.match(path)
            if found is None:
                continue
            if compiled.route.method != method.upper():
                allowed.append(compiled.route.method)
                continue
            params = {
                key: str(compiled.convertors[key].convert(value))
                for key, value in found.groupdict().items()
            }
            return RouteMatch(compiled.route, params)
        return MethodNotAllowed(tuple(sorted(set(allowed)))) if allowed else None

    @action
    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
        token: str | None = None,
        caller: str | None = None,
        idempotency: dict[str, str] | None = None,
    ) -> Requested | Error:
        """An HTTP request arrived (a root action: it starts the flow that answers it).

        ``path`` is the route pattern; ``token`` the (sealed) credential of the
        ``Authorization`` header, or None; ``caller`` the identity the server authenticated;
        ``idempotency`` the ``Idempotency-Key`` (``{"key", "fingerprint"}``) it was sent with.
        """
        request = str(self.invocation.id)
        self.db.execute(
            "INSERT INTO requesting_requests (request, method, path, received_at) "
            "VALUES (?, ?, ?, ?)",
            (request, method, path, time.time()),
        )
        if idempotency is not None:
            self.db.execute(
                "INSERT INTO requesting_idempotency (key, request, fingerprint) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (idempotency["key"], request, idempotency["fingerprint"]),
            )
        return {"request": request}

    @action
    def respond(
        self,
        request: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Responded | Error:
        """Answer a request. The first answer wins; a second one is an error."""
        if not 100 <= status <= 599:
            return {"error": f"status {status} is not an HTTP status code (100-599)"}
        answered = self.db.execute(
            "UPDATE requesting_requests SET status = ?, answered_at = ? "
            "WHERE request = ? AND status IS NULL",
            (status, time.time(), request),
        )
        if answered:
            return {"request": request, "status": status}
        row = self.db.one("SELECT status FROM requesting_requests WHERE request = ?", (request,))
        if row is None:
            return {"error": f"no request {request!r} to respond to"}
        message = (
            f"request {request} was already answered with status {row['status']}; "
            f"only the first respond is sent (this one had status {status})"
        )
        log.warning("flow %s: %s", self.invocation.flow, message)
        return {"error": message}

    @query
    def get(self, request: str) -> list[RequestRow]:
        """The request's row: route, and the status it was answered with (None while open)."""
        rows: list[RequestRow] = self.db.all(  # type: ignore[assignment]
            "SELECT request, method, path, status, received_at, answered_at "
            "FROM requesting_requests WHERE request = ?",
            (request,),
        )
        return rows

    @query
    def by_idempotency_key(self, key: str) -> list[IdempotentRow]:
        """The request first sent with this ``Idempotency-Key`` (zero or one row)."""
        rows: list[IdempotentRow] = self.db.all(  # type: ignore[assignment]
            "SELECT i.request, i.fingerprint, r.status FROM requesting_idempotency i "
            "JOIN requesting_requests r ON r.request = i.request WHERE i.key = ?",
            (key,),
        )
        return rows

"""Requesting: HTTP as a bootstrap concept.

An HTTP request is a root action, ``Requesting/request``, which starts a new flow; syncs answer
it with ``Requesting/respond``. The server (:mod:`accord.web`) records the request, waits for
the first ``respond`` completion of the flow and writes it to the client.

Routes are declared once, on the concept instance, as ``"METHOD /path/{param}"``. A request's
``path`` input is the route pattern (``/articles/{slug}``), so syncs match on the route, and
the values of its parameters are in ``params``::

    Requesting.request(method="GET", path="/articles/{slug}", params={"slug": slug})
        .out(request=request)

Secrets (``password`` and ``token`` fields, the ``Authorization`` token) reach the log only as
opaque references (see :mod:`accord.web.secrets`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.routing import compile_path
from typing_extensions import TypedDict

from accord.concept import Concept, Error, action, query

__all__ = ["MethodNotAllowed", "Requesting", "Route", "RouteMatch"]

log = logging.getLogger("accord.requesting")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Route:
    """One declared route: a method and a path pattern with ``{parameters}``."""

    method: str
    path: str

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


class Requesting(Concept):
    """HTTP requests in, responses out. State: which requests exist and which were answered."""

    schema = (
        """CREATE TABLE IF NOT EXISTS requesting_requests (
            request TEXT PRIMARY KEY,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            status INTEGER,
            received_at REAL NOT NULL,
            answered_at REAL
        )""",
    )

    def __init__(self, routes: Iterable[str | Route] = (), *, prefix: str = "") -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"prefix {prefix!r} must start with '/' and not end with one")
        self.prefix = prefix
        self.routes: list[Route] = []
        self._compiled: list[_Compiled] = []
        self._static: dict[tuple[str, str], Route] = {}  # routes without parameters
        for spec in routes:
            self.add_route(spec)

    def add_route(self, spec: str | Route) -> Route:
        """Declare a route (``"POST /users"`` or a :class:`Route`)."""
        route = spec if isinstance(spec, Route) else Route.parse(spec)
        if route in self.routes:
            raise ValueError(f"route {route} is declared twice")
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
        params: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        body: Any = None,
        token: str | None = None,
    ) -> Requested:
        """An HTTP request arrived (a root action: it starts the flow that answers it).

        ``path`` is the route pattern; ``token`` the (sealed) credential of the
        ``Authorization`` header, or None.
        """
        request = str(self.invocation.id)
        self.db.execute(
            "INSERT INTO requesting_requests (request, method, path, received_at) "
            "VALUES (?, ?, ?, ?)",
            (request, method, path, time.time()),
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

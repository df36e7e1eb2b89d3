"""The shape shared by every endpoint's syncs: its request, its caller and its guards.

An :class:`Endpoint` owns the variables of one route's request (``request``, ``params``,
``query``, ``body``, ``token`` and, for routes that use authentication, ``user``) and builds
syncs whose ``when`` starts with that request, so every sync of a route is scoped to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from examples.realworld.concepts import JWT
from examples.realworld.rules import AUTH, BODY, body_problem, errors, message_of

from accord import Sync, Var, bind, where
from accord.concepts.requesting import Requesting
from accord.sync.model import ActionCall, Pattern, WhereClause

__all__ = ["Endpoint"]


class Endpoint:
    """One route (``"PUT /articles/{slug}"``) and the variables its syncs share."""

    def __init__(self, spec: str) -> None:
        self.method, self.path = spec.split()
        self.route = (self.method, self.path)
        self.name = spec
        self.auth = AUTH.get(self.route)
        self.request = Var("request")
        self.query = Var("query")
        self.body = Var("body")
        self.token = Var("token")
        self.user = Var("user")
        self.problem = Var("token_problem")
        self.params = {p: Var(p) for p in re.findall(r"{(\w+)}", self.path)}

    def when(self, *more: Pattern | ActionCall) -> list[Pattern | ActionCall]:
        """The request, then ``more``."""
        request = Requesting.request(
            method=self.method,
            path=self.path,
            params=dict(self.params),
            query=self.query,
            body=self.body,
            token=self.token,
        ).out(request=self.request)
        return [request, *more]

    def guards(self) -> list[WhereClause]:
        """The caller's token checked (signed in where the route requires it), and the body
        well formed where the route has one."""
        clauses: list[WhereClause] = []
        if self.auth is not None:
            clauses.append(JWT.verify(token=self.token).out(user=self.user, problem=self.problem))
            clauses.append(where(_no_problem, self.problem))
        if self.auth == "required":
            clauses.append(where(_signed_in, self.user))
        if self.route in BODY:
            route = self.route

            def body_ok(body: Any) -> bool:
                return body_problem(route, body) is None

            clauses.append(where(body_ok, self.body))
        return clauses

    def field(self, var: Var, name: str) -> WhereClause:
        """Bind ``var`` to a field of the body's root object (None when absent)."""
        root = BODY[self.route].root

        def get_field(body: Any) -> Any:
            return body[root].get(name)

        get_field.__name__ = f"{root}.{name}"
        return bind(var, get_field, self.body)

    def respond(self, status: int, body: Any = None) -> ActionCall:
        return Requesting.respond(request=self.request, status=status, body=body)

    def sync(
        self,
        name: str,
        *,
        when: Sequence[Pattern | ActionCall] = (),
        where: Sequence[WhereClause] = (),
        then: Sequence[ActionCall],
    ) -> Sync:
        """A sync of this route: its request, the guards, then the given clauses."""
        return Sync(
            name=name,
            when=self.when(*when),  # type: ignore[arg-type]
            where=[*self.guards(), *where],
            then=then,
            origin=f"{__name__}: {self.name}",
        )

    def on_error(self, action: Any, status: int = 422) -> Sync:
        """Answer ``status`` with the error's message when ``action`` fails in this route."""
        error, body = Var("error"), Var("error_body")
        return self.sync(
            f"{_camel(self.name)}{action.owner.__name__}{action.name.title()}Failed",
            when=[Pattern(action, {}, {"error": error})],
            where=[bind(body, _error_body, error)],
            then=[self.respond(status, body)],
        )

    def reject(self, name: str, status: int, message: str, where: Sequence[WhereClause]) -> Sync:
        """Answer ``status`` with a fixed message where ``where`` holds."""
        body = Var("error_body")

        def fixed() -> Any:
            return errors(message)

        return self.sync(name, where=[*where, bind(body, fixed)], then=[self.respond(status, body)])


def _no_problem(problem: str | None) -> bool:
    return problem is None


def _signed_in(user: str | None) -> bool:
    return user is not None


def _error_body(error: Any) -> Any:
    return errors(message_of(error))


def _camel(spec: str) -> str:
    words = re.findall(r"[A-Za-z]+", spec)
    return "".join(w.title() for w in words)

"""The shape shared by every endpoint's syncs: its request, its caller and its guards.

An :class:`Endpoint` owns the variables of one route's request (``request``, ``params``,
``query``, ``body``, ``token`` and, for routes that use authentication, ``user``) and builds
syncs whose ``when`` starts with that request, so every sync of a route is scoped to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from accord import Sync, Var, bind, where
from accord.concepts.requesting import Requesting
from accord.sync.model import ActionCall, Pattern, WhereClause
from examples.realworld.concepts import JWT
from examples.realworld.rules import AUTH, BODY, body_problem, errors, message_of

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

    def named(self, what: str) -> str:
        """A sync name for this route: ``named("NotFound")`` on ``GET /articles/{slug}`` is
        ``GetArticlesSlugNotFound``."""
        return f"{_camel(self.name)}{what}"

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
        clauses = self.caller_checks()
        if self.route in BODY:
            route = self.route

            def body_ok(body: Any) -> bool:
                return body_problem(route, body) is None

            clauses.append(where(body_ok, self.body))
        return clauses

    def caller_checks(self) -> list[WhereClause]:
        """The token checked, and the caller signed in where the route requires it."""
        if self.auth is None:
            return []
        checks = [self._verify(), where(_no_problem, self.problem)]
        if self.auth == "required":
            checks.append(where(_signed_in, self.user))
        return checks

    def _verify(self) -> WhereClause:
        return JWT.verify(token=self.token).out(user=self.user, problem=self.problem)

    def rejections(self) -> list[Sync]:
        """The route's 401 and 422 answers, each the negation of one of its guards.

        Scoped to the route by its literal method and path, so a request is matched only
        against the rejections of its own route.
        """
        reply = Var("error_body")
        found: list[Sync] = []
        if self.auth == "required":
            found.append(self._unguarded(self.named("Unauthorized"), where=[
                self._verify(), where(_no_problem, self.problem), where(_signed_out, self.user),
                bind(reply, _fixed_errors("you need to sign in")),
            ], then=[self.respond(401, reply)]))  # fmt: skip
        if self.auth is not None:
            found.append(self._unguarded(self.named("BadToken"), where=[
                where(_sent, self.token), self._verify(), where(_has_problem, self.problem),
                bind(reply, _problem_body, self.problem),
            ], then=[self.respond(401, reply)]))  # fmt: skip
        if self.route in BODY:
            route, problem = self.route, Var("body_problem")

            def problem_of(body: Any) -> str | None:
                return body_problem(route, body)

            found.append(self._unguarded(self.named("InvalidBody"), where=[
                bind(problem, problem_of, self.body), where(_has_problem, problem),
                *self.caller_checks(), bind(reply, _problem_body, problem),
            ], then=[self.respond(422, reply)]))  # fmt: skip
        return found

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
        screen: Sequence[WhereClause] = (),
        where: Sequence[WhereClause] = (),
        then: Sequence[ActionCall],
    ) -> Sync:
        """A sync of this route: its request, ``screen``, the guards, then ``where``.

        ``screen`` holds tests of the request alone that turn most requests away (a paging
        error), so those requests skip the guards' token check.
        """
        return self._unguarded(
            name, when=when, where=[*screen, *self.guards(), *where], then=then
        )

    def _unguarded(
        self,
        name: str,
        *,
        when: Sequence[Pattern | ActionCall] = (),
        where: Sequence[WhereClause],
        then: Sequence[ActionCall],
    ) -> Sync:
        """A sync of this route with exactly the given clauses (no guards added)."""
        return Sync(
            name=name,
            when=self.when(*when),  # type: ignore[arg-type]
            where=list(where),
            then=list(then),
            origin=f"{__name__}: {self.name}",
        )

    def on_error(self, action: Any, status: int = 422) -> Sync:
        """Answer ``status`` with the error's message when ``action`` fails in this route."""
        error, body = Var("error"), Var("error_body")
        return self.sync(
            self.named(f"{action.owner.__name__}{action.name.title()}Failed"),
            when=[Pattern(action, {}, {"error": error})],
            where=[bind(body, _error_body, error)],
            then=[self.respond(status, body)],
        )

    def reject(
        self,
        name: str,
        status: int,
        message: str,
        where: Sequence[WhereClause] = (),
        *,
        screen: Sequence[WhereClause] = (),
    ) -> Sync:
        """Answer ``status`` with a fixed message where ``screen`` and ``where`` hold."""
        body = Var("error_body")
        where = [*where, bind(body, _fixed_errors(message))]
        return self.sync(name, screen=screen, where=where, then=[self.respond(status, body)])


def _no_problem(problem: str | None) -> bool:
    return problem is None


def _has_problem(problem: str | None) -> bool:
    return problem is not None


def _problem_body(problem: str) -> Any:
    return errors(problem)


def _sent(token: str | None) -> bool:
    return token is not None


def _signed_out(user: str | None) -> bool:
    return user is None


def _fixed_errors(message: str) -> Any:
    """A where-function giving the RealWorld error body with ``message``."""
    def fixed() -> Any:
        return errors(message)

    fixed.__name__ = f"errors({message!r})"
    return fixed


def _signed_in(user: str | None) -> bool:
    return user is not None


def _error_body(error: Any) -> Any:
    return errors(message_of(error))


def _camel(spec: str) -> str:
    words = re.findall(r"[A-Za-z]+", spec)
    return "".join(w.title() for w in words)

"""What the syncs of every route share: the request's variables and the answers built from
them. Requests reach the syncs validated (see rules.py), so no sync checks input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from accord import Sync, Var, bind
from accord.concept import ActionCall, ActionDef
from accord.concepts.requesting import Requesting, Route
from accord.sync.model import Pattern, WhereClause
from examples.realworld.rules import errors, message_of

__all__ = ["caller", "on", "on_error", "reject", "request", "respond", "token"]

request, caller, token = Var("request"), Var("caller"), Var("token")


def on(route: Route, **inputs: Any) -> Pattern:
    """The request of ``route`` (its inputs matched against ``inputs``), bound to ``request``."""
    return route.request(**inputs).out(request=request)


def respond(status: int, body: Any = None) -> ActionCall:
    """Answer the request."""
    return Requesting.respond(request=request, status=status, body=body)


def _fixed(key: str, message: str) -> Any:
    def fixed() -> Any:
        return errors(key, message)

    fixed.__name__ = f"errors({key!r}, {message!r})"
    return fixed


def reject(
    name: str,
    route: Route,
    status: int,
    key: str,
    message: str,
    where: Sequence[WhereClause],
    **inputs: Any,
) -> Sync:
    """Answer ``status`` with ``{"errors": {key: [message]}}`` where ``where`` holds."""
    body = Var("error_body")
    return Sync(
        name,
        when=[on(route, **inputs)],
        where=[*where, bind(body, _fixed(key, message))],
        then=[respond(status, body)],
    )


def _status(error: Any) -> int:
    return 409 if isinstance(error, dict) and error.get("kind") == "taken" else 422


def _error_body(error: Any) -> Any:
    field = "body"
    if isinstance(error, dict):
        field = str((error.get("details") or {}).get("field", "body"))
    return errors(field, message_of(error))


def on_error(name: str, route: Route, action: ActionDef[Any]) -> Sync:
    """Answer 409 (an error of kind ``taken``) or 422 when ``action`` fails in ``route``."""
    error, body, status = Var("error"), Var("error_body"), Var("status")
    return Sync(
        name,
        when=[on(route), Pattern(action, {}, {"error": error})],
        where=[bind(body, _error_body, error), bind(status, _status, error)],
        then=[Requesting.respond(request=request, status=status, body=body)],
    )

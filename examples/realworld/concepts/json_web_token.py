"""JWT: signed, expiring tokens that name a user.

The signing key is concept state (created on first start, or taken from the environment
variable CONDUIT_JWT_SECRET), so tokens stay valid across restarts. Tokens are handed out and
taken in as references to secrets held by the HTTP edge (accord.web.secrets): the action log
never holds a usable token.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets

import jwt as pyjwt
from typing_extensions import TypedDict

from accord import Concept, action, query
from accord.web.secrets import reveal, seal

_ALGORITHM = "HS256"
_LIFETIME = dt.timedelta(days=30)


class Token(TypedDict):
    token: str


class Verified(TypedDict):
    user: str | None
    problem: str | None


class JWT(Concept):
    """Issues and verifies tokens for opaque user ids."""

    schema = (
        "CREATE TABLE IF NOT EXISTS jwt_keys (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT)",
    )

    def __init__(self) -> None:
        self._key: str | None = os.environ.get("CONDUIT_JWT_SECRET") or None

    def setup(self) -> None:
        if self._key is not None:
            return
        row = self.db.one("SELECT key FROM jwt_keys WHERE id = 1")
        if row is None:
            row = {"key": secrets.token_urlsafe(32)}
            self.db.execute("INSERT INTO jwt_keys (id, key) VALUES (1, ?)", (row["key"],))
        self._key = str(row["key"])

    @property
    def key(self) -> str:
        if self._key is None:
            raise RuntimeError("the JWT key is loaded when the engine starts")
        return self._key

    @action
    def generate(self, user: str) -> Token:
        """A fresh token for ``user`` (as a sealed reference)."""
        now = dt.datetime.now(dt.UTC)
        claims = {"sub": user, "iat": now, "exp": now + _LIFETIME}
        return {"token": seal(pyjwt.encode(claims, self.key, algorithm=_ALGORITHM))}

    @query
    def verify(self, token: str | None) -> list[Verified]:
        """One row: the user a token names (None without a token), or the problem with it.

        A query, not an action: checking a signature reads the key and changes nothing, so it
        costs no step of the flow and can guard every sync of a route.
        """
        if token is None:
            return [{"user": None, "problem": None}]
        clear = reveal(token)
        if clear is None:
            return [{"user": None, "problem": "the token is no longer available"}]
        try:
            claims = pyjwt.decode(
                clear, self.key, algorithms=[_ALGORITHM], options={"require": ["sub", "exp"]}
            )
        except pyjwt.ExpiredSignatureError:
            return [{"user": None, "problem": "the token has expired; log in again"}]
        except pyjwt.InvalidTokenError:
            return [{"user": None, "problem": "the token is invalid"}]
        return [{"user": str(claims["sub"]), "problem": None}]

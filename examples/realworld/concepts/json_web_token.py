"""JWT: signed, expiring tokens that name a user.

The signing keys live outside the action log (:mod:`accord.web.keys`): in the environment
variable CONDUIT_JWT_SECRET (comma-separated, the first signs), or in the key file
``<database>-jwt.key`` beside the database, created with mode 0600 on first start. On
PostgreSQL, where there is no file, the variable is required. Tokens are
handed out and taken in as references to secrets held by the HTTP edge (accord.web.secrets):
the action log never holds a usable token.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import jwt as pyjwt
from typing_extensions import TypedDict

from accord import Concept, action, migration, query
from accord.state import Db
from accord.web.keys import KeyFileError, signing_keys
from accord.web.secrets import reveal, seal

_ALGORITHM = "HS256"
_LIFETIME = dt.timedelta(days=30)
ENV = "CONDUIT_JWT_SECRET"


def _db_file(db: Db) -> str | None:
    """The database's file ("" in memory), or None on a server (PostgreSQL)."""
    main = [r for r in db.all("PRAGMA database_list") if r["name"] == "main"]
    return str(main[0]["file"]) if main else None


def _keys(db: Db, *, first: str | None = None) -> list[str]:
    db_file = _db_file(db)
    if db_file is None and not os.environ.get(ENV, "").strip():
        # A random key per process would make every other process's tokens invalid.
        raise KeyFileError(
            f"a database on a server has no file to keep the JWT key beside: set {ENV} to "
            "the same secret for every process (comma-separated keys, the first signs)"
        )
    return signing_keys("jwt", db_file=db_file, env=ENV, first=first)


def _move_key_out(db: Db) -> None:
    # Databases written before the keys moved out kept the key in a table: carry it over to
    # the key file (so issued tokens stay valid) and drop the table.
    if db.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jwt_keys'"):
        row = db.one("SELECT key FROM jwt_keys WHERE id = 1")
        old = None if row is None else str(row["key"])
        _keys(db, first=old)
        db.execute("DROP TABLE jwt_keys")


class Token(TypedDict):
    token: str


class Verified(TypedDict):
    user: str | None
    problem: str | None


class JWT(Concept):
    """Issues and verifies tokens for opaque user ids."""

    def __init__(self) -> None:
        self._keys: list[str] = []

    migrations = (migration(1, _move_key_out, description="move the signing key to a key file"),)

    def setup(self) -> None:
        self._keys = _keys(self.db)

    @property
    def key(self) -> str:
        """The key new tokens are signed with."""
        if not self._keys:
            raise RuntimeError("the JWT keys are loaded when the engine starts")
        return self._keys[0]

    @action
    def generate(self, user: str) -> Token:
        """A fresh token for ``user`` (as a sealed reference)."""
        now = dt.datetime.now(dt.UTC)
        claims = {"sub": user, "iat": now, "exp": now + _LIFETIME}
        return {"token": seal(pyjwt.encode(claims, self.key, algorithm=_ALGORITHM))}

    @query
    def verify(self, token: str | None) -> list[Verified]:
        """One row: the user a token names (None without a token), or the problem with it.

        A query, not an action: checking a signature reads the keys and changes nothing.
        """
        if token is None:
            return [{"user": None, "problem": None}]
        clear = reveal(token)
        if clear is None:
            return [{"user": None, "problem": "is no longer available; send it again"}]
        claims: dict[str, Any] | None = None
        for key in self._keys:  # the current key first, then those still accepted
            try:
                claims = pyjwt.decode(
                    clear, key, algorithms=[_ALGORITHM], options={"require": ["sub", "exp"]}
                )
                break
            except pyjwt.ExpiredSignatureError:
                return [{"user": None, "problem": "has expired; sign in again"}]
            except pyjwt.InvalidTokenError:
                continue
        if claims is None:
            return [{"user": None, "problem": "is invalid"}]
        return [{"user": str(claims["sub"]), "problem": None}]

"""Password: a secret per user, stored only as a salted scrypt hash.

Passwords arrive as references to secrets held by the HTTP edge (accord.web.secrets), so the
cleartext is never in the action log. Hashing is slow on purpose; it runs in a thread, so the
engine keeps serving other flows meanwhile.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os

from typing_extensions import TypedDict

from accord import Concept, Error, action
from accord.web.secrets import reveal

# scrypt's interactive parameters (N=2^14, r=8, p=1): about 16 MiB and tens of ms per hash.
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, salt: bytes) -> bytes:
    """The scrypt hash of a password with a salt."""
    return hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)


class PasswordSet(TypedDict):
    user: str


class Checked(TypedDict):
    valid: bool


class Password(Concept):
    """One password per user (an opaque id)."""

    schema = (
        """CREATE TABLE IF NOT EXISTS password_hashes (
            user TEXT PRIMARY KEY,
            salt BLOB NOT NULL,
            hash BLOB NOT NULL
        )""",
    )

    @action
    async def set(self, user: str, password: str) -> PasswordSet | Error:
        """Set (or replace) the user's password."""
        clear = reveal(password)
        if clear is None:
            return {"error": "the password is no longer available (the request expired)"}
        if not clear:
            return {"error": "password can't be blank"}
        salt = os.urandom(16)
        digest = await asyncio.to_thread(hash_password, clear, salt)
        self.db.execute(
            "INSERT INTO password_hashes (user, salt, hash) VALUES (?, ?, ?) "
            "ON CONFLICT(user) DO UPDATE SET salt = excluded.salt, hash = excluded.hash",
            (user, salt, digest),
        )
        return {"user": user}

    @action
    async def check(self, user: str, password: str) -> Checked:
        """Whether ``password`` is the user's password (False for an unknown user)."""
        clear = reveal(password)
        row = self.db.one("SELECT salt, hash FROM password_hashes WHERE user = ?", (user,))
        if clear is None or row is None:
            return {"valid": False}
        digest = await asyncio.to_thread(hash_password, clear, row["salt"])
        return {"valid": hmac.compare_digest(digest, row["hash"])}

"""Who may use the console: operator-set passwords for two roles, and CSRF tokens.

The operator sets a password (or token) per role in the environment, never on the command
line where ``ps`` shows it: ``ACCORD_CONSOLE_REVIEWER_PASSWORD`` may decide review items,
``ACCORD_CONSOLE_VIEWER_PASSWORD`` may only look. Sessions live in a cookie signed with
``ACCORD_CONSOLE_SECRET`` (a random one per process when unset: sessions then end when the
console restarts). Neither passwords nor sessions are ever written to the log.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "PASSWORD_ENV",
    "SECRET_ENV",
    "ConsoleAuthError",
    "Credentials",
    "Role",
    "new_csrf_token",
    "same_token",
]

PASSWORD_ENV = {
    "reviewer": "ACCORD_CONSOLE_REVIEWER_PASSWORD",
    "viewer": "ACCORD_CONSOLE_VIEWER_PASSWORD",
}
SECRET_ENV = "ACCORD_CONSOLE_SECRET"
_MIN_LENGTH = 8


class ConsoleAuthError(ValueError):
    """The console's credentials are missing or unusable (the message says which and why)."""


class Role(StrEnum):
    VIEWER = "viewer"
    REVIEWER = "reviewer"


@dataclass(frozen=True)
class Credentials:
    """The password of each role (``None``: nobody can log in with that role)."""

    reviewer: str | None = None
    viewer: str | None = None

    def __post_init__(self) -> None:
        if self.reviewer is None and self.viewer is None:
            raise ConsoleAuthError(
                f"the console has no password: set {PASSWORD_ENV['reviewer']} (and optionally "
                f"{PASSWORD_ENV['viewer']}) in its environment"
            )
        for role, password in (("reviewer", self.reviewer), ("viewer", self.viewer)):
            if password is not None and len(password) < _MIN_LENGTH:
                raise ConsoleAuthError(
                    f"the {role} password is shorter than {_MIN_LENGTH} characters; set a longer "
                    f"one in {PASSWORD_ENV[role]}"
                )
        if self.reviewer is not None and self.reviewer == self.viewer:
            raise ConsoleAuthError(
                "the reviewer and viewer passwords are the same; a login could not tell the "
                "roles apart: give each role its own password"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ
        return cls(
            reviewer=env.get(PASSWORD_ENV["reviewer"]) or None,
            viewer=env.get(PASSWORD_ENV["viewer"]) or None,
        )

    def role_for(self, password: str) -> Role | None:
        """The role a password logs in as, or ``None``; both are compared in constant time."""
        given = password.encode()
        found: Role | None = None
        for role, expected in ((Role.REVIEWER, self.reviewer), (Role.VIEWER, self.viewer)):
            if expected is not None and hmac.compare_digest(given, expected.encode()):
                found = role
        return found


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str | None) -> bool:
    """Whether a submitted CSRF token is the session's (constant time)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def session_secret(environ: Mapping[str, str] | None = None) -> str:
    """The key that signs session cookies: ``ACCORD_CONSOLE_SECRET``, or a random one."""
    env = os.environ if environ is None else environ
    return env.get(SECRET_ENV) or secrets.token_urlsafe(48)

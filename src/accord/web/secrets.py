"""Secrets that must never reach the action log: passwords and tokens.

The HTTP edge replaces every secret value (``password`` and ``token`` fields of a request body,
the ``Authorization`` token) by an opaque reference before the request is recorded, and keeps
the cleartext here, in process memory, for a bounded time. A concept that needs the cleartext
(Password hashing it, JWT verifying it) calls :func:`reveal`; a concept that produces a secret
for the client (JWT issuing a token) calls :func:`seal` and returns the reference, which the
server swaps back when it writes the response.
See docs/decisions/0005-http-secrets-outside-the-action-log.md.
"""

from __future__ import annotations

import json
import re
import secrets as _secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

__all__ = [
    "PREFIX",
    "SECRET_FIELDS",
    "SecretVault",
    "is_ref",
    "redact",
    "reveal",
    "reveal_in",
    "seal",
    "vault",
]

PREFIX = "accord-secret:"
SECRET_FIELDS = frozenset({"password", "token"})
DEFAULT_TTL = 300.0
_REF = re.compile(re.escape(PREFIX) + "[0-9a-f]{32}")


def is_ref(value: object) -> bool:
    """Whether ``value`` is a secret reference (it may have expired)."""
    return isinstance(value, str) and value.startswith(PREFIX) and len(value) == len(PREFIX) + 32


class SecretVault:
    """Cleartext secrets by reference, each kept for a limited time (thread-safe)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float]] = {}
        self._expiry: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def seal(self, value: str, ttl: float = DEFAULT_TTL) -> str:
        """Keep ``value`` for ``ttl`` seconds; return the reference that stands for it."""
        ref = PREFIX + _secrets.token_hex(16)
        now = time.monotonic()
        with self._lock:
            self._purge(now)
            self._values[ref] = (value, now + ttl)
            self._expiry.append((now + ttl, ref))
        return ref

    def reveal(self, value: str) -> str | None:
        """The cleartext behind a reference; a plain string is returned as it is (the caller
        was given the cleartext directly); ``None`` when the reference has expired."""
        if not is_ref(value):
            return value
        with self._lock:
            found = self._values.get(value)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def reveal_in(self, value: Any) -> Any:
        """A copy of a JSON value with every known reference replaced by its cleartext."""
        if isinstance(value, str):
            if is_ref(value):
                clear = self.reveal(value)
                return value if clear is None else clear
            return value
        if isinstance(value, dict):
            return {k: self.reveal_in(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.reveal_in(v) for v in value]
        return value

    def reveal_json(self, text: str) -> str:
        """Serialized JSON with every known reference replaced by its (escaped) cleartext.

        The fast path for responses: a body without references is returned untouched.
        """
        if PREFIX not in text:
            return text

        def clear(found: re.Match[str]) -> str:
            value = self.reveal(found.group(0))
            return found.group(0) if value is None else json.dumps(value)[1:-1]

        return _REF.sub(clear, text)

    def seal_fields(self, value: Any, ttl: float, fields: Iterable[str] = SECRET_FIELDS) -> Any:
        """A copy of a JSON value whose secret fields (at any depth) hold references.

        Whatever its type, a value under a secret name is sealed: strings as they are, other
        values (numbers, lists, objects) as their JSON text; ``None`` and ``""`` stay (there
        is nothing to hide, and validation can still see blanks).
        """
        names = frozenset(f.lower() for f in fields)
        return self._seal_fields(value, ttl, names)

    def _seal_fields(self, value: Any, ttl: float, names: frozenset[str]) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if str(key).lower() in names:
                    out[key] = self._seal_any(item, ttl)
                else:
                    out[key] = self._seal_fields(item, ttl, names)
            return out
        if isinstance(value, list):
            return [self._seal_fields(v, ttl, names) for v in value]
        return value

    def _seal_any(self, item: Any, ttl: float) -> Any:
        if item is None or item == "":
            return item
        if isinstance(item, str):
            return self.seal(item, ttl)
        return self.seal(json.dumps(item), ttl)

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def _purge(self, now: float) -> None:
        while self._expiry and self._expiry[0][0] < now:
            _, ref = self._expiry.popleft()
            found = self._values.get(ref)
            if found is not None and found[1] < now:
                del self._values[ref]


vault = SecretVault()
"""The process-wide vault shared by the HTTP server and the concepts it serves."""


def redact(value: Any, fields: Iterable[str] = SECRET_FIELDS) -> Any:
    """A copy of a JSON value with every value under a secret name (at any depth, whatever its
    type) replaced by ``"<secret>"``: what may be hashed or shown in place of the value."""
    names = frozenset(f.lower() for f in fields)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: "<secret>" if str(k).lower() in names else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(value)


def seal(value: str, ttl: float = DEFAULT_TTL) -> str:
    """Keep a secret in the process-wide vault; returns its reference."""
    return vault.seal(value, ttl)


def reveal(value: str) -> str | None:
    """The cleartext behind a reference (see :meth:`SecretVault.reveal`)."""
    return vault.reveal(value)


def reveal_in(value: Any) -> Any:
    """Replace the references in a JSON value by their cleartext."""
    return vault.reveal_in(value)

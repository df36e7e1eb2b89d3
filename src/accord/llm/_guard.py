"""The switch that forbids real model requests (for test suites)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from urllib.parse import urlsplit

__all__ = [
    "RealRequestForbidden",
    "allow_real_requests",
    "check_allowed",
    "forbid_real_requests",
    "redact",
]

_SECRET_ENVS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ACCORD_OPENAI_COMPATIBLE_API_KEY")
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_forbidden_depth = 0


class RealRequestForbidden(RuntimeError):
    """A real model request was attempted while they are forbidden."""


class forbid_real_requests:
    """Forbid requests to real (non-loopback) model endpoints.

    Call it (``forbid_real_requests()``) to forbid from now on, or use it as a context manager
    (``with forbid_real_requests(): ...``) to forbid inside the block. The environment variable
    ``ACCORD_FORBID_REAL_MODELS=1`` forbids them for the whole process. Scripted, function and
    the embedded local model stay allowed, and so do servers on loopback (test servers).
    """

    def __init__(self) -> None:
        global _forbidden_depth
        _forbidden_depth += 1

    def __enter__(self) -> forbid_real_requests:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _forbidden_depth
        _forbidden_depth = max(0, _forbidden_depth - 1)


@contextmanager
def allow_real_requests() -> Iterator[None]:
    """Lift the switch inside the block (recording a cassette, say); then put it back as it was,
    the environment variable included."""
    global _forbidden_depth
    saved_env = os.environ.get("ACCORD_FORBID_REAL_MODELS")
    saved_depth = _forbidden_depth
    os.environ["ACCORD_FORBID_REAL_MODELS"] = "0"
    _forbidden_depth = 0
    try:
        yield
    finally:
        _forbidden_depth = saved_depth
        if saved_env is None:
            os.environ.pop("ACCORD_FORBID_REAL_MODELS", None)
        else:
            os.environ["ACCORD_FORBID_REAL_MODELS"] = saved_env


def real_requests_forbidden() -> bool:
    return _forbidden_depth > 0 or os.environ.get("ACCORD_FORBID_REAL_MODELS", "") not in ("", "0")


def check_allowed(model: str, base_url: str | None) -> None:
    """Raise `RealRequestForbidden` if ``model`` would reach a real endpoint now."""
    if not real_requests_forbidden():
        return
    host = urlsplit(base_url).hostname if base_url else None
    if host in _LOOPBACK:
        return
    raise RealRequestForbidden(
        f"a request to {model} ({base_url or 'the default endpoint'}) was attempted while real "
        "model requests are forbidden (ACCORD_FORBID_REAL_MODELS=1 or forbid_real_requests()); "
        "use a test: model (ScriptedModel, FunctionModel) or a loopback server"
    )


def redact(text: str) -> str:
    """``text`` with the value of every known API-key variable replaced by ``***``."""
    for name in _SECRET_ENVS:
        secret = os.environ.get(name)
        if secret and len(secret) >= 6:
            text = text.replace(secret, "***")
    return text

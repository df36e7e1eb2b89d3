"""Typed LLM failures: the kinds a caller (or a sync) can match on."""

from __future__ import annotations

from typing import Literal

__all__ = ["RETRYABLE", "FailureKind", "ModelError"]

FailureKind = Literal[
    "timeout",
    "rate_limited",
    "unavailable",
    "refused",
    "invalid_output",
    "budget_exceeded",
    "internal",
]

RETRYABLE: frozenset[str] = frozenset({"timeout", "rate_limited", "unavailable"})
"""Transport failures worth retrying on the same model (with backoff)."""


class ModelError(Exception):
    """Raised by a model when a request fails; ``kind`` says which typed failure it is.

    Models translate their SDK's exceptions into this one class, so the pipeline decides
    retries and fallbacks in one place. ``retry_after`` is the server's hint in seconds.
    """

    def __init__(
        self,
        kind: FailureKind,
        message: str,
        *,
        retry_after: float | None = None,
        raw: str = "",
        error_class: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: FailureKind = kind
        self.message = message
        self.retry_after = retry_after
        self.raw = raw
        self.error_class = error_class

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

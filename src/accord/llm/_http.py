"""Helpers shared by the HTTP providers' error mapping."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

from accord.llm.errors import ModelError

__all__ = ["retry_after_seconds", "status_error"]


def status_error(status: int, headers: Mapping[str, str], message: str, name: str) -> ModelError:
    """The typed failure an HTTP error status stands for (same for every provider)."""
    if status == 429:
        return ModelError(
            "rate_limited", message, error_class=name, retry_after=retry_after_seconds(headers)
        )
    if status == 408:
        return ModelError("timeout", message, error_class=name)
    if status >= 500:  # Anthropic's 529 "overloaded" included
        return ModelError(
            "unavailable", message, error_class=name, retry_after=retry_after_seconds(headers)
        )
    return ModelError("internal", message, error_class=name)


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``Retry-After`` (seconds or HTTP date)."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())

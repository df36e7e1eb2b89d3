"""Circuit breaker and backoff for model calls (small, no background tasks)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["CircuitBreaker", "Policy", "backoff_delay"]

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Stops calling a model that keeps failing, and probes it again after a pause.

    ``failure_threshold`` consecutive transport failures open the circuit; after ``reset_after``
    seconds one probe request is let through (half-open): its success closes the circuit, its
    failure opens it again for another ``reset_after``.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_after <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_after > 0")
        self.failure_threshold = failure_threshold
        self.reset_after = reset_after
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._probing or self._clock() - self._opened_at >= self.reset_after:
            return "half_open"
        return "open"

    @property
    def failures(self) -> int:
        """Transport failures since the last success (what opens the circuit)."""
        return self._failures

    @property
    def opened_at(self) -> float | None:
        """When the circuit last opened (on its clock), ``None`` while it is closed."""
        return self._opened_at

    def allow(self) -> bool:
        """Whether a request may go out now (claims the probe when half-open)."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._probing:
            self._probing = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            self._probing = False

    def release(self) -> None:
        """Give back a claimed probe whose request ended without a verdict on the model."""
        self._probing = False


@dataclass(frozen=True, slots=True)
class Policy:
    """Timing of one call: per-attempt timeout and backoff between retries (seconds)."""

    timeout: float = 60.0
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_retry_after: float = 60.0
    """A ``Retry-After`` longer than this skips to the next model instead of waiting."""
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("Policy: timeout must be > 0 and backoff values >= 0")


def backoff_delay(policy: Policy, retry: int, retry_after: float | None) -> float:
    """Full-jitter exponential backoff for retry number ``retry`` (0-based).

    The server's ``Retry-After`` is a floor: we never come back sooner than asked.
    """
    ceiling = min(policy.backoff_max, policy.backoff_base * (2**retry))
    delay = policy.rng.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay

"""The model interface the pipeline talks to."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from aiolimiter import AsyncLimiter

from accord.llm.messages import Request, Response
from accord.llm.profiles import Profile
from accord.llm.resilience import CircuitBreaker

__all__ = ["Model", "Price"]

Price = tuple[float, float]
"""US dollars per million input tokens and per million output tokens."""


class Model(ABC):
    """A model that answers a `Request` with a `Response` or raises `ModelError`.

    Subclasses implement ``_request`` (one request, no retries: the pipeline retries). Each
    model instance owns its circuit breaker; models of one provider share its rate limiter.
    """

    real: ClassVar[bool] = True
    """Whether requests leave the process (subject to `forbid_real_requests`)."""

    def __init__(
        self,
        name: str,
        profile: Profile,
        *,
        price: Price | None = None,
        breaker: CircuitBreaker | None = None,
        limiter: AsyncLimiter | None = None,
    ) -> None:
        self.name = name
        self.profile = profile
        self.price = price
        self.breaker = breaker or CircuitBreaker()
        self.limiter = limiter

    @property
    def base_url(self) -> str | None:
        """The endpoint requests go to (None: the provider's default, or in process)."""
        return None

    def prepare(self) -> None:
        """Build clients before the first request, outside its timeout (may raise
        `ModelError`, e.g. for a missing API key). Models without clients need nothing."""
        return None

    async def request(self, request: Request, *, timeout: float) -> Response:
        """Send one request (no retries)."""
        return await self._request(request, timeout=timeout)

    @abstractmethod
    async def _request(self, request: Request, *, timeout: float) -> Response: ...

    def cost(self, response: Response) -> float | None:
        """The price of a response in US dollars, when the price and usage are known."""
        if self.price is None or response.input_tokens is None or response.output_tokens is None:
            return None
        return (
            response.input_tokens * self.price[0] + response.output_tokens * self.price[1]
        ) / 1e6

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

"""Anthropic's messages endpoint."""

from __future__ import annotations

import os

from aiolimiter import AsyncLimiter
from anthropic import AsyncAnthropic

from accord.llm.errors import ModelError

__all__ = ["AnthropicProvider"]


class AnthropicProvider:
    """Anthropic messages API; the key comes from ``ANTHROPIC_API_KEY`` (or ``api_key_env``).

    The SDK client is built lazily with ``max_retries=0``: the pipeline owns the only retry
    loop. ``rate_limit=(n, seconds)`` allows at most ``n`` requests per ``seconds``.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key_env: str = "ANTHROPIC_API_KEY",
        rate_limit: tuple[float, float] | None = None,
    ) -> None:
        self.name = "anthropic"
        self.base_url = base_url
        self.api_key_env = api_key_env
        self.limiter = AsyncLimiter(*rate_limit) if rate_limit else None
        self._client: AsyncAnthropic | None = None

    def client(self) -> AsyncAnthropic:
        if self._client is None:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise ModelError(
                    "internal",
                    f"no API key for anthropic: set the environment variable {self.api_key_env}",
                    error_class="MissingAPIKey",
                )
            self._client = AsyncAnthropic(api_key=key, base_url=self.base_url, max_retries=0)
        return self._client

"""OpenAI and OpenAI-compatible endpoints (vLLM, Ollama, llama.cpp server, LM Studio, ...)."""

from __future__ import annotations

import os

from aiolimiter import AsyncLimiter
from openai import AsyncOpenAI

from accord.llm.errors import ModelError

__all__ = ["OpenAIProvider"]


class OpenAIProvider:
    """An OpenAI chat-completions endpoint.

    The API key comes from the environment variable ``api_key_env`` (never from code or
    logs). ``rate_limit=(n, seconds)`` allows at most ``n`` requests per ``seconds``. The SDK
    client is built lazily with ``max_retries=0``: the pipeline owns the only retry loop.
    """

    def __init__(
        self,
        *,
        name: str = "openai",
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        key_required: bool = True,
        rate_limit: tuple[float, float] | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.api_key_env = api_key_env
        self.key_required = key_required
        self.limiter = AsyncLimiter(*rate_limit) if rate_limit else None
        self._client: AsyncOpenAI | None = None

    def client(self) -> AsyncOpenAI:
        if self._client is None:
            key = os.environ.get(self.api_key_env)
            if not key:
                if self.key_required:
                    raise ModelError(
                        "internal",
                        f"no API key for {self.name}: set the environment variable "
                        f"{self.api_key_env}",
                        error_class="MissingAPIKey",
                    )
                key = "unused"  # local servers often need no key, but the SDK wants one
            self._client = AsyncOpenAI(api_key=key, base_url=self.base_url, max_retries=0)
        return self._client

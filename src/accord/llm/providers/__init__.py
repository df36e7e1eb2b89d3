"""Providers: authentication, base URL, client construction and rate limits per endpoint.

Several models share one provider (one client, one rate limiter); the request and response
formats live in ``accord.llm.models``.
"""

from accord.llm.providers.anthropic import AnthropicProvider
from accord.llm.providers.openai import OpenAIProvider

__all__ = ["AnthropicProvider", "OpenAIProvider"]

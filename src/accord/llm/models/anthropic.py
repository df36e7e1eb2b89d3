"""Anthropic messages: request encoding, response decoding, error mapping."""

from __future__ import annotations

import json
from typing import Any

import anthropic

from accord.llm._guard import check_allowed, redact
from accord.llm._http import status_error
from accord.llm.errors import ModelError
from accord.llm.messages import Request, Response
from accord.llm.models.base import Model, Price
from accord.llm.profiles import ANTHROPIC, Profile
from accord.llm.providers.anthropic import AnthropicProvider
from accord.llm.resilience import CircuitBreaker

__all__ = ["AnthropicModel"]

_DEFAULT_MAX_TOKENS = 1024


class AnthropicModel(Model):
    """A Claude model through the messages API; structured output by a forced tool call."""

    def __init__(
        self,
        model: str,
        *,
        provider: AnthropicProvider | None = None,
        profile: Profile = ANTHROPIC,
        price: Price | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.provider = provider or AnthropicProvider()
        self.model = model
        super().__init__(
            f"anthropic:{model}",
            profile,
            price=price,
            breaker=breaker,
            limiter=self.provider.limiter,
        )

    @property
    def base_url(self) -> str | None:
        return self.provider.base_url

    def prepare(self) -> None:
        self.provider.client()

    async def _request(self, request: Request, *, timeout: float) -> Response:
        check_allowed(self.name, self.provider.base_url)
        client = self.provider.client()
        kwargs = encode(self.model, request)
        try:
            message = await client.messages.create(**kwargs, timeout=timeout)
        except anthropic.APIError as exc:
            raise map_error(exc) from None
        except ValueError as exc:  # the SDK lets a body that is not JSON through as this
            raise ModelError(
                "unavailable",
                f"the response body is not JSON: {exc}",
                error_class="MalformedResponse",
            ) from None
        return decode(message)


def encode(model: str, request: Request) -> dict[str, Any]:
    """The keyword arguments of ``messages.create`` for a request."""
    settings = dict(request.settings)
    kwargs: dict[str, Any] = {
        "model": model,
        "max_tokens": settings.pop("max_tokens", _DEFAULT_MAX_TOKENS),
        "messages": [{"role": m.role, "content": m.content} for m in request.turns],
        **settings,
    }
    if request.system:
        kwargs["system"] = request.system
    if request.mode in ("tool", "native"):
        kwargs["tools"] = [
            {
                "name": request.schema_name,
                "description": "Record the answer.",
                "input_schema": request.schema,
            }
        ]
        kwargs["tool_choice"] = {"type": "tool", "name": request.schema_name}
    return kwargs


def decode(message: Any) -> Response:
    """The answer (tool input as JSON text, else the text blocks) and usage of a message."""
    if not hasattr(message, "content") or not hasattr(message, "stop_reason"):
        raise ModelError(
            "unavailable",
            "the server answered with something other than a message",
            error_class="MalformedResponse",
        )
    if message.stop_reason == "refusal":
        raise ModelError("refused", "the model declined to answer", error_class="Refusal")
    text = ""
    for block in message.content:
        if block.type == "tool_use":
            text = json.dumps(block.input)
            break
        if block.type == "text":
            text += block.text
    usage = message.usage
    return Response(
        text=text,
        input_tokens=usage.input_tokens if usage else None,
        output_tokens=usage.output_tokens if usage else None,
        model_name=message.model,
        finish_reason=message.stop_reason,
    )


def map_error(exc: anthropic.APIError) -> ModelError:
    """The typed failure an SDK exception stands for."""
    name = type(exc).__name__
    message = redact(str(exc))
    if isinstance(exc, anthropic.APITimeoutError):
        return ModelError("timeout", message, error_class=name)
    if isinstance(exc, anthropic.APIConnectionError):
        return ModelError("unavailable", message, error_class=name)
    if isinstance(exc, anthropic.APIStatusError):
        return status_error(exc.status_code, dict(exc.response.headers), message, name)
    return ModelError("internal", message, error_class=name)

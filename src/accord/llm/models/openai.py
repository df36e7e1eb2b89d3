"""OpenAI chat completions: request encoding, response decoding, error mapping."""

from __future__ import annotations

from typing import Any

import openai

from accord.llm._guard import check_allowed, redact
from accord.llm._http import status_error
from accord.llm.errors import ModelError
from accord.llm.messages import Request, Response
from accord.llm.models.base import Model, Price
from accord.llm.profiles import OPENAI, Profile
from accord.llm.providers.openai import OpenAIProvider
from accord.llm.resilience import CircuitBreaker

__all__ = ["OpenAIModel"]


class OpenAIModel(Model):
    """A chat-completions model of an `OpenAIProvider` (OpenAI or a compatible server)."""

    def __init__(
        self,
        model: str,
        *,
        provider: OpenAIProvider | None = None,
        profile: Profile = OPENAI,
        name: str | None = None,
        price: Price | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.provider = provider or OpenAIProvider()
        self.model = model
        super().__init__(
            name or f"{self.provider.name}:{model}",
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
            completion = await client.chat.completions.create(**kwargs, timeout=timeout)
        except openai.APIError as exc:
            raise map_error(exc) from None
        except ValueError as exc:  # the SDK lets a body that is not JSON through as this
            raise ModelError(
                "unavailable",
                f"the response body is not JSON: {exc}",
                error_class="MalformedResponse",
            ) from None
        return decode(completion)


def encode(model: str, request: Request) -> dict[str, Any]:
    """The keyword arguments of ``chat.completions.create`` for a request."""
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    kwargs: dict[str, Any] = {"model": model, "messages": messages, **request.settings}
    if request.mode == "native":
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": True},
        }
    elif request.mode == "tool":
        kwargs["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": request.schema_name,
                    "description": "Record the answer.",
                    "parameters": request.schema,
                    "strict": True,
                },
            }
        ]
        kwargs["tool_choice"] = {"type": "function", "function": {"name": request.schema_name}}
    return kwargs


def decode(completion: Any) -> Response:
    """The answer text (content or tool arguments) and usage of a completion."""
    if not getattr(completion, "choices", None):
        raise ModelError(
            "unavailable",
            "the server answered without any choice (not a chat completion)",
            error_class="MalformedResponse",
        )
    choice = completion.choices[0]
    message = choice.message
    refusal = getattr(message, "refusal", None)
    if refusal or choice.finish_reason == "content_filter":
        raise ModelError(
            "refused",
            redact(str(refusal or "blocked by the content filter")),
            error_class="Refusal",
        )
    text = message.content or ""
    if message.tool_calls:
        text = message.tool_calls[0].function.arguments or ""
    usage = completion.usage
    return Response(
        text=text,
        input_tokens=usage.prompt_tokens if usage else None,
        output_tokens=usage.completion_tokens if usage else None,
        model_name=completion.model,
        finish_reason=choice.finish_reason,
    )


def map_error(exc: openai.APIError) -> ModelError:
    """The typed failure an SDK exception stands for."""
    name = type(exc).__name__
    message = redact(str(exc))
    if isinstance(exc, openai.APITimeoutError):
        return ModelError("timeout", message, error_class=name)
    if isinstance(exc, openai.APIConnectionError):
        return ModelError("unavailable", message, error_class=name)
    if isinstance(exc, openai.APIStatusError):
        return status_error(exc.status_code, dict(exc.response.headers), message, name)
    if isinstance(exc, openai.APIResponseValidationError):
        return ModelError("unavailable", message, error_class=name)
    return ModelError("internal", message, error_class=name)

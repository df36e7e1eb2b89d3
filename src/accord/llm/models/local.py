"""The embedded model: SmolLM2-135M-Instruct run in process by llama.cpp, offline."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from accord.llm.errors import ModelError
from accord.llm.messages import Request, Response
from accord.llm.models import _llama
from accord.llm.models.base import Model
from accord.llm.profiles import LOCAL, Profile
from accord.llm.resilience import CircuitBreaker

__all__ = ["LocalModel"]

_SUPPORTED = {"smollm2"}
_SETTINGS = ("max_tokens", "temperature", "seed")


class LocalModel(Model):
    """``local:smollm2``: grammar-constrained JSON decoding from the bundled GGUF file.

    Inference runs in a worker thread; one model instance per process is loaded lazily and
    calls are serialized. A timed-out call returns at once but its thread finishes the
    generation (llama.cpp cannot be interrupted); the next call waits for it.
    """

    real: ClassVar[bool] = False

    def __init__(
        self,
        variant: str = "smollm2",
        *,
        profile: Profile = LOCAL,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        if variant not in _SUPPORTED:
            raise ValueError(
                f"unknown local model {variant!r}; available: {', '.join(sorted(_SUPPORTED))}"
            )
        super().__init__(f"local:{variant}", profile, price=(0.0, 0.0), breaker=breaker)

    async def _request(self, request: Request, *, timeout: float) -> Response:
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        settings = request.settings
        options: dict[str, Any] = {k: settings[k] for k in _SETTINGS if k in settings}
        unknown = set(request.settings) - set(_SETTINGS)
        if unknown:
            raise ModelError(
                "internal",
                f"local model settings {sorted(unknown)} are not supported; use {list(_SETTINGS)}",
                error_class="BadSettings",
            )
        try:
            completion = await asyncio.to_thread(self._complete, messages, request.schema, options)
        except (FileNotFoundError, RuntimeError) as exc:
            raise ModelError("internal", str(exc), error_class=type(exc).__name__) from None
        return Response(
            completion.text,
            completion.input_tokens,
            completion.output_tokens,
            model_name=self.name,
            finish_reason=completion.finish_reason,
        )

    @staticmethod
    def _complete(
        messages: list[dict[str, str]], schema: dict[str, Any], options: dict[str, Any]
    ) -> _llama.Completion:
        return _llama.shared_runner().chat(messages, schema, **options)

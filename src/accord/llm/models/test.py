"""Scripted test model: answers or faults per call, in order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel

from accord.llm.errors import FailureKind, ModelError
from accord.llm.messages import Request, Response
from accord.llm.models.base import Model
from accord.llm.profiles import TEST, Profile
from accord.llm.resilience import CircuitBreaker

__all__ = [
    "Fault",
    "ScriptedModel",
    "Step",
    "malformed",
    "rate_limited",
    "refused",
    "schema_invalid",
    "slow",
    "timeout",
    "unavailable",
]


@dataclass(frozen=True, slots=True)
class Fault:
    """A scripted failure: raise ``kind`` (after ``delay`` seconds), or answer ``text`` late."""

    kind: FailureKind | None = None
    message: str = ""
    retry_after: float | None = None
    delay: float = 0.0
    text: str | None = None


Step = str | dict[str, Any] | BaseModel | Fault
"""One scripted call: answer text, a value to answer as JSON, or a `Fault`."""


def timeout() -> Fault:
    """The request times out (raised at once; use `slow` for a real wait)."""
    return Fault("timeout", "scripted timeout")


def rate_limited(retry_after: float | None = None) -> Fault:
    """A 429 with an optional ``Retry-After`` (seconds)."""
    return Fault("rate_limited", "scripted 429", retry_after=retry_after)


def unavailable(status: int = 503) -> Fault:
    """A 5xx from the server."""
    return Fault("unavailable", f"scripted {status}")


def refused(message: str = "I can't help with that.") -> Fault:
    """The model declines to answer."""
    return Fault("refused", message)


def malformed(text: str = '{"name": "Ada", "age": ') -> Fault:
    """An answer that is not valid JSON (truncated by default)."""
    return Fault(text=text)


def schema_invalid(value: dict[str, Any]) -> Fault:
    """Valid JSON that does not satisfy the output schema."""
    return Fault(text=json.dumps(value))


def slow(seconds: float, then: Step = "{}") -> Fault:
    """Answer ``then`` after ``seconds`` (longer than the timeout gives a real timeout)."""
    return Fault(delay=seconds, text=_as_text(then) if not isinstance(then, Fault) else then.text)


def _as_text(step: str | dict[str, Any] | BaseModel) -> str:
    if isinstance(step, BaseModel):
        return step.model_dump_json()
    if isinstance(step, dict):
        return json.dumps(step)
    return step


class ScriptedModel(Model):
    """Plays a script: each request gets the next step. Every request is kept in ``requests``.

    Running out of script fails the call with an ``internal`` error naming the model, so a test
    never silently gets an answer it did not write.
    """

    real: ClassVar[bool] = False

    def __init__(
        self,
        script: Iterable[Step],
        *,
        name: str = "test:scripted",
        profile: Profile = TEST,
        breaker: CircuitBreaker | None = None,
        tokens_per_answer: tuple[int, int] = (10, 10),
    ) -> None:
        super().__init__(name, profile, breaker=breaker)
        self.script: list[Step] = list(script)
        self.requests: list[Request] = []
        self.tokens_per_answer = tokens_per_answer

    @property
    def calls(self) -> int:
        return len(self.requests)

    async def _request(self, request: Request, *, timeout: float) -> Response:
        index = len(self.requests)
        self.requests.append(request)
        if index >= len(self.script):
            raise ModelError(
                "internal",
                f"the script has {len(self.script)} steps, but call {index + 1} "
                "was made; add steps to the script",
                error_class="ScriptExhausted",
            )
        step = self.script[index]
        if isinstance(step, Fault):
            if step.delay:
                await asyncio.sleep(step.delay)
            if step.kind is not None:
                raise ModelError(
                    step.kind,
                    step.message,
                    retry_after=step.retry_after,
                    error_class="ScriptedFault",
                )
            text = step.text or ""
        else:
            text = _as_text(step)
        return Response(text, *self.tokens_per_answer, model_name=self.name, finish_reason="stop")

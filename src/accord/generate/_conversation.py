"""One generation conversation: ask, count the tokens against a budget, re-ask with failures.

Shared by ``generate concept`` and ``generate sync``: both judge a candidate, send the precise
failures back, and stop when a candidate is accepted, the attempts run out or the token budget
is spent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from accord.llm.messages import Message, Request
from accord.llm.models import Model

__all__ = [
    "Attempt",
    "Budget",
    "GenerationFailed",
    "Outcome",
    "Report",
    "converse",
    "estimate_tokens",
    "settle",
]


@dataclass
class Attempt:
    """One candidate and why it was refused (no failures: accepted)."""

    number: int
    code: str
    failures: list[str]
    seconds: float
    tokens: int = 0
    """Tokens this request used (input and output; estimated when the model reports none)."""


@dataclass(frozen=True)
class Budget:
    """How much a generation may spend: candidates and tokens (``None``: no token limit)."""

    attempts: int = 3
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {self.max_tokens}")


@dataclass
class Outcome:
    """What a conversation ended with: the accepted code (if any), every attempt, the tokens."""

    attempts: list[Attempt] = field(default_factory=list)
    accepted: bool = False
    output: str = ""
    tokens: int = 0
    stopped: str = ""
    """Why no candidate was accepted ("" when one was)."""


class Report(Protocol):
    """What a generation reports: its subject, attempts, the accepted output and why it
    stopped."""

    @property
    def subject(self) -> str: ...

    attempts: list[Attempt]
    accepted: bool
    output: str
    tokens: int
    stopped: str

    def record(self) -> str: ...


def settle(generated: Report, outcome: Outcome) -> None:
    """Give ``generated`` the conversation's outcome; :class:`GenerationFailed` if nothing was
    accepted."""
    generated.attempts = outcome.attempts
    generated.tokens = outcome.tokens
    generated.accepted = outcome.accepted
    generated.output = outcome.output
    generated.stopped = outcome.stopped
    if not outcome.accepted:
        raise GenerationFailed(generated)


class GenerationFailed(RuntimeError):
    """No candidate was accepted within the budget; ``generated`` holds every attempt."""

    def __init__(self, generated: Report) -> None:
        self.generated = generated
        last = generated.attempts[-1].failures if generated.attempts else ["no attempt made"]
        why = f"; {generated.stopped}" if "token budget" in generated.stopped else ""
        super().__init__(
            f"no {generated.subject} was accepted in {len(generated.attempts)} "
            f"attempt(s){why}; the last was refused because: {'; '.join(last)}"
        )


def estimate_tokens(text: str) -> int:
    """About four characters a token: the count used when a model reports no usage."""
    return max(1, len(text) // 4)


async def _ask(
    model: Model, messages: list[Message], schema_name: str, timeout: float
) -> tuple[str, int]:
    request = Request(tuple(messages), schema={}, schema_name=schema_name, mode="prompted")
    response = await model.request(request, timeout=timeout)
    sent = (
        response.input_tokens
        if response.input_tokens is not None
        else sum(estimate_tokens(m.content) for m in messages)
    )
    got = (
        response.output_tokens
        if response.output_tokens is not None
        else estimate_tokens(response.text)
    )
    return response.text, sent + got


def converse(
    model: Model,
    prompt: str,
    budget: Budget,
    *,
    extract: Callable[[str], str],
    judge: Callable[[str], list[str]],
    reask: Callable[[list[str]], str],
    schema_name: str,
    request_timeout: float = 120.0,
) -> Outcome:
    """Ask ``model`` until ``judge`` finds nothing wrong with a candidate, within ``budget``.

    A request is only sent while tokens remain; the answer that crosses the budget is still
    judged (its tokens are spent either way), and the conversation stops after it.
    """
    outcome = Outcome()
    messages = [Message("user", prompt)]
    for number in range(1, budget.attempts + 1):
        if budget.max_tokens is not None and outcome.tokens >= budget.max_tokens:
            outcome.stopped = (
                f"the token budget of {budget.max_tokens} is spent ({outcome.tokens} used)"
            )
            return outcome
        answer, tokens = asyncio.run(_ask(model, messages, schema_name, request_timeout))
        outcome.tokens += tokens
        code = extract(answer)
        start = time.monotonic()
        failures = judge(code)
        outcome.attempts.append(Attempt(number, code, failures, time.monotonic() - start, tokens))
        if not failures:
            outcome.accepted = True
            outcome.output = code
            return outcome
        messages += [Message("assistant", answer), Message("user", reask(failures))]
    outcome.stopped = f"no candidate was accepted in {budget.attempts} attempt(s)"
    if budget.max_tokens is not None and outcome.tokens >= budget.max_tokens:
        outcome.stopped = (
            f"the token budget of {budget.max_tokens} is spent ({outcome.tokens} used)"
        )
    return outcome

"""What the pipeline sends to a model and what it gets back, independent of any vendor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Message", "Mode", "Request", "Response"]

Mode = Literal["native", "tool", "prompted"]
"""How structured output is obtained: the provider's strict JSON schema (or a grammar), a forced
tool call whose arguments are the answer, or JSON asked for in the prompt."""


@dataclass(frozen=True, slots=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Request:
    """One model request: the conversation so far and the output contract.

    ``schema`` is already rewritten for the model family's dialect (see ``profiles``).
    """

    messages: tuple[Message, ...]
    schema: dict[str, Any]
    schema_name: str
    mode: Mode
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def system(self) -> str:
        return "\n\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def turns(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.role != "system")


@dataclass(frozen=True, slots=True)
class Response:
    """A model's answer: the raw text to parse (tool arguments count as text) and usage."""

    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    model_name: str | None = None
    finish_reason: str | None = None

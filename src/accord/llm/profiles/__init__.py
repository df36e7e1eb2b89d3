"""Model profiles: what a model family supports and how its schema dialect differs.

A profile is declarative: the structured-output mode to use, whether the schema is also
rendered into the prompt, and one schema rewrite. Provider quirks live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accord.llm.messages import Mode
from accord.llm.profiles._schema import (
    NullPath,
    SchemaPlan,
    cap_lengths,
    inline_refs,
    openai_strict,
)

__all__ = [
    "ANTHROPIC",
    "LOCAL",
    "OPENAI",
    "OPENAI_COMPATIBLE",
    "TEST",
    "NullPath",
    "Profile",
    "SchemaPlan",
    "cap_lengths",
    "inline_refs",
    "openai_strict",
]


def _as_is(schema: dict[str, Any]) -> SchemaPlan:
    return SchemaPlan(schema)


def _inline(schema: dict[str, Any]) -> SchemaPlan:
    return SchemaPlan(inline_refs(schema))


def _grammar(schema: dict[str, Any]) -> SchemaPlan:
    return SchemaPlan(cap_lengths(inline_refs(schema)))


@dataclass(frozen=True, slots=True)
class Profile:
    """How to get structured output from one model family."""

    family: str
    mode: Mode
    transform: Callable[[dict[str, Any]], SchemaPlan] = _as_is
    schema_in_prompt: bool = False

    def plan(self, schema: dict[str, Any]) -> SchemaPlan:
        """The output schema rewritten for this family's dialect."""
        return self.transform(schema)


OPENAI = Profile("openai", "native", openai_strict)
"""OpenAI: ``response_format`` with a strict JSON schema."""

OPENAI_COMPATIBLE = Profile("openai-compatible", "prompted", _inline, schema_in_prompt=True)
"""Other chat-completions servers (vLLM, Ollama, LM Studio, ...): support for strict schemas
varies, so the schema (with definitions inlined) is put in the prompt."""

ANTHROPIC = Profile("anthropic", "tool", _as_is)
"""Anthropic: a forced tool call whose input schema is the output schema."""

LOCAL = Profile("local", "native", _grammar, schema_in_prompt=False)
"""The embedded model: grammar-constrained decoding from a bounded schema, a flat object field
by field (the keys are written, not generated). The schema is not in the prompt: every token of
it is read again on every call (its enums differ per call, so no prefix cache covers them), and
the task's prompt says what each field means."""

TEST = Profile("test", "prompted", _as_is, schema_in_prompt=True)
"""Scripted and function models: the request is exactly what a prompted model would get."""

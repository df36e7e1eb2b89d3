"""The conversation a task's call opens with, and the message that re-asks after an invalid
answer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from accord.llm.messages import Message
from accord.llm.spec import TaskSpec

__all__ = ["opening", "reask"]

_PROMPTED = (
    "Answer with exactly one JSON value that satisfies this JSON schema, and nothing else:\n"
    "{schema}"
)
_STRUCTURED = "Answer with the requested structured output only."
_REASK = (
    "Your previous answer was not valid:\n{errors}\n"
    "Answer again with the complete, corrected JSON. Keep every value you were sure of; fix "
    "only what is listed; never invent values that are not in the input."
)


def opening(
    task: TaskSpec[Any],
    inputs: Mapping[str, Any],
    *,
    schema: dict[str, Any] | None,
    structured: bool,
) -> tuple[Message, ...]:
    """System instructions (with the schema if given) and the rendered prompt."""
    rendered = {k: _render_value(v) for k, v in inputs.items()}
    system_parts = [task.prompt.system.format(**rendered)] if task.prompt.system else []
    if schema is not None:
        system_parts.append(_PROMPTED.format(schema=json.dumps(schema, indent=None)))
    elif structured:
        system_parts.append(_STRUCTURED)
    out = [Message("system", "\n\n".join(system_parts))] if system_parts else []
    out.append(Message("user", task.prompt.template.format(**rendered)))
    return tuple(out)


def reask(errors_text: str) -> Message:
    """The message that sends the failing fields back to the model."""
    return Message("user", _REASK.format(errors=errors_text))


def _render_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)

"""Reading messages (one JSON object per line) with errors that name the line and field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from accord.values import Unrepresentable, check_representable

__all__ = ["BadLine", "IncomingMessage", "read_messages"]


class IncomingMessage(BaseModel):
    """One customer message as it arrives."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    id: str = Field(min_length=1)
    sender: str = Field(min_length=1)
    subject: str
    body: str
    received_at: AwareDatetime


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that is not a valid message; nothing is stored for it."""

    path: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


def _describe(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        field = ".".join(map(str, e["loc"])) or "line"
        if e["type"] == "missing":
            parts.append(f"field {field!r} is missing")
        elif field == "received_at":
            parts.append(
                f"field 'received_at' must be an ISO 8601 time with an offset, like "
                f"2025-06-21T17:48:20Z ({e['msg']})"
            )
        else:
            parts.append(f"field {field!r}: {e['msg']}")
    return "; ".join(parts)


def read_messages(path: Path) -> Iterator[IncomingMessage | BadLine]:
    """Each non-blank line of ``path`` as a message, or a `BadLine` saying what is wrong.

    A repeated id is a bad line too (the first one wins).
    """
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield BadLine(
                    str(path), number, f"not valid JSON ({exc.msg} at column {exc.colno})"
                )
                continue
            except RecursionError:
                yield BadLine(str(path), number, "JSON nested too deeply to read")
                continue
            if not isinstance(data, dict):
                yield BadLine(
                    str(path),
                    number,
                    "expected a JSON object with id, sender, subject, body, received_at",
                )
                continue
            try:
                # What the log cannot store (a "\ud800" escape decodes to a lone surrogate)
                # is refused here, with the line, not inside the engine.
                check_representable(data)
            except Unrepresentable as exc:
                field = exc.path.removeprefix("$.") if exc.path != "$" else "line"
                yield BadLine(str(path), number, f"field {field!r}: {exc.problem}")
                continue
            try:
                message = IncomingMessage.model_validate(data)
            except ValidationError as exc:
                yield BadLine(str(path), number, _describe(exc))
                continue
            if message.id in seen:
                yield BadLine(
                    str(path),
                    number,
                    f"id {message.id!r} repeats line {seen[message.id]}; ids must be unique",
                )
                continue
            seen[message.id] = number
            yield message

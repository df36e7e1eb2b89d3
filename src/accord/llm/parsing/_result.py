"""Public result and error types of the lenient parser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

T = TypeVar("T")

_INPUT_PREVIEW = 40


@dataclass(frozen=True, slots=True)
class Repair:
    """One kind of repair made to the raw text before it validated.

    ``cost`` is how much trust the repair costs; a caller can refuse answers whose
    total cost exceeds a budget (``parse(..., max_cost=...)``).
    """

    kind: str
    detail: str
    cost: int


class Parsed(NamedTuple, Generic[T]):
    """A validated value, the repairs it needed and the raw text it came from.

    Immutable. A named tuple rather than a frozen dataclass: valid replies are the common
    case, and building a tuple costs a fraction of a dataclass instance, which was a large
    part of the fast path's cost next to `model_validate_json`.
    """

    value: T
    repairs: tuple[Repair, ...]
    raw: str

    @property
    def cost(self) -> int:
        """Total cost of all repairs (0 when the raw text was valid JSON)."""
        return sum(repair.cost for repair in self.repairs)


class OutputError(Exception):
    """No trustworthy value could be produced from the model output.

    ``errors`` holds pydantic-style error dicts (``loc``, ``msg``, ``type``) for
    validation failures, or a single dict of type ``json_invalid`` (with a ``reason``
    such as ``truncated``, ``ambiguous``, ``syntax``, ``not_found``) when no usable
    JSON was found, or ``repair_cost_exceeded`` when the repairs cost too much.
    """

    raw: str
    errors: list[dict[str, Any]]
    repairs: tuple[Repair, ...]

    def __init__(
        self, raw: str, errors: list[dict[str, Any]], repairs: tuple[Repair, ...] = ()
    ) -> None:
        self.raw = raw
        self.errors = errors
        self.repairs = repairs
        super().__init__()

    def __str__(self) -> str:
        # Written when shown, not when raised: most refusals are only inspected or retried.
        return self.field_errors_text()

    def __reduce__(self) -> tuple[type[OutputError], tuple[Any, ...]]:
        return (OutputError, (self.raw, self.errors, self.repairs))

    def field_errors_text(self) -> str:
        """Concise text naming only what failed, suitable for a re-ask prompt."""
        return "\n".join(_describe(error) for error in self.errors)


def _describe(error: dict[str, Any]) -> str:
    kind = str(error.get("type", "error"))
    msg = str(error.get("msg", kind))
    if kind in ("json_invalid", "repair_cost_exceeded") and not error.get("loc"):
        return f"- the reply as a whole: {msg}"
    loc = ".".join(str(part) for part in error.get("loc", ())) or "(the whole value)"
    text = f"- {loc}: {msg}"
    if kind != "missing" and "input" in error:
        text += f" (got {_preview(error['input'])})"
    return text


def _preview(value: Any) -> str:
    text = repr(value)
    if len(text) > _INPUT_PREVIEW:
        text = text[: _INPUT_PREVIEW - 3] + "..."
    return text

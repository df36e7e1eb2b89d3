"""Action records: one per invocation, completed in place when the action returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Record"]


@dataclass(slots=True, eq=False)
class Record:
    """An invocation and, once it has returned, its completion.

    ``sync`` and ``cause`` are the provenance: the sync that produced the invocation and the
    ids of the completions it matched (both empty for a root action).
    """

    id: int
    flow: int
    concept: str
    action: str
    input: dict[str, Any]
    sync: str | None = None
    cause: tuple[int, ...] = ()
    attempt: int = 1
    invoked_at: float = 0.0
    output: dict[str, Any] | None = None
    completed_at: float | None = None
    key: tuple[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.key = (self.concept, self.action)

    @property
    def name(self) -> str:
        """``Concept/action``."""
        return f"{self.concept}/{self.action}"

    @property
    def completed(self) -> bool:
        return self.output is not None

    @property
    def trigger(self) -> int | None:
        """The completion that made a sync invoke this record: the newest of those it matched."""
        return max(self.cause) if self.cause else None

    @property
    def error(self) -> Any:
        """The error value of an error completion, else None."""
        return self.output.get("error") if self.output is not None else None

    @property
    def ok(self) -> bool:
        """Completed, and not with an error."""
        return self.output is not None and "error" not in self.output

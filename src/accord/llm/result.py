"""What a call produced: a validated value or a typed failure, with every attempt made."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, Literal, TypeVar

from accord.llm.errors import FailureKind
from accord.llm.parsing import Repair

__all__ = ["Attempt", "Failure", "Result", "Success"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Attempt:
    """One request to one model (or one cache hit), whatever its outcome.

    ``outcome`` is ``"ok"`` or the failure kind; ``reask`` tells a request that carried the
    validation errors of the previous answer; ``raw`` is the model's text as received, cut to
    the task's ``Limits.stored_raw_chars`` with a marker (lone surrogates made U+FFFD), and
    ``raw_chars`` its full length.
    """

    model: str
    prompt_version: str
    mode: str
    outcome: Literal["ok"] | FailureKind
    raw: str | None = None
    repairs: tuple[Repair, ...] = ()
    errors: tuple[dict[str, Any], ...] = ()
    error_class: str | None = None
    message: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    cost: float | None = None
    reask: bool = False
    cached: bool = False
    started_at: float = 0.0
    raw_chars: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (validation errors made serializable)."""
        data = asdict(self)
        data["repairs"] = [asdict(r) for r in self.repairs]
        data["errors"] = jsonable_errors(self.errors)
        return data


def jsonable_errors(errors: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> list[Any]:
    """Validation error dicts with tuples as lists and exceptions in ``ctx`` as text."""
    result: list[Any] = json.loads(json.dumps(list(errors), default=str))
    return result


@dataclass(frozen=True, slots=True)
class _Outcome:
    task: str
    prompt_version: str
    attempts: tuple[Attempt, ...]

    @property
    def model(self) -> str:
        """The model of the last attempt (the one that answered, on success)."""
        return self.attempts[-1].model if self.attempts else ""

    @property
    def reasked(self) -> bool:
        return any(a.reask for a in self.attempts)

    @property
    def fell_back(self) -> bool:
        return len({a.model for a in self.attempts}) > 1

    @property
    def input_tokens(self) -> int | None:
        return _total(a.input_tokens for a in self.attempts)

    @property
    def output_tokens(self) -> int | None:
        return _total(a.output_tokens for a in self.attempts)

    @property
    def latency_ms(self) -> float:
        return sum(a.latency_ms or 0.0 for a in self.attempts)

    @property
    def cost(self) -> float | None:
        costs = [a.cost for a in self.attempts if a.cost is not None]
        return sum(costs) if costs else None


def _total(values: Any) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


@dataclass(frozen=True, slots=True)
class Success(_Outcome, Generic[T]):
    """A validated value, the repairs its answer needed, and every attempt made."""

    value: T = field(kw_only=True)
    raw: str = field(kw_only=True)
    repairs: tuple[Repair, ...] = field(default=(), kw_only=True)

    ok: Literal[True] = field(default=True, init=False)

    @property
    def repaired(self) -> bool:
        return bool(self.repairs)


@dataclass(frozen=True, slots=True)
class Failure(_Outcome):
    """A typed failure: its kind, a message, and (for invalid output) the errors and raw text."""

    kind: FailureKind = field(kw_only=True)
    message: str = field(kw_only=True)
    errors: tuple[dict[str, Any], ...] = field(default=(), kw_only=True)
    raw: str | None = field(default=None, kw_only=True)

    ok: Literal[False] = field(default=False, init=False)

    @property
    def repaired(self) -> bool:
        return any(a.repairs for a in self.attempts)

    def details(self) -> dict[str, Any]:
        """The ``details`` of an error completion: attempts, validation errors, raw text.

        The raw text is there once, in ``raw`` (the last answer, as bounded as `Attempt.raw`);
        the attempts carry their metadata and ``raw_chars`` only (Extracting keeps each
        attempt's raw text in its ``llm_attempts`` table).
        """
        return {
            "attempts": [_without_raw(a.to_dict()) for a in self.attempts],
            "errors": jsonable_errors(self.errors),
            "raw": self.raw,
        }


def _without_raw(attempt: dict[str, Any]) -> dict[str, Any]:
    del attempt["raw"]
    return attempt


Result = Success[T] | Failure
"""What ``Task.run_result`` returns."""


class LLMFailure(Exception):
    """Raised by ``Task.run`` when the call ends in a typed failure (see ``failure``)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.kind}: {failure.message}")
        self.failure = failure

    @property
    def kind(self) -> FailureKind:
        return self.failure.kind

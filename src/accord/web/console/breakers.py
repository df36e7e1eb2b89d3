"""Circuit-breaker states per model, derived from the attempts the log holds.

The breaker that guards a model lives in the memory of the app's process
(:class:`accord.llm.CircuitBreaker`); the console runs in another process and must not guess at
it. Every attempt is a durable fact in ``llm_attempts`` (its model, outcome, start and
latency), and the breaker's state is a function of those facts: the console replays the
attempts of each model since it last answered (an answer resets a breaker), in the order they
ended, through a real ``CircuitBreaker`` whose clock is the attempt's time, and reads its state
at ``now``. Transport failures
(``timeout``, ``unavailable``) count; an answer (valid or not) closes; a refusal by the open
circuit (``CircuitOpen``) changes nothing; cached answers never reached the model.

Several app processes each own a breaker per model; the replay merges their attempts, so it
shows the breaker one process would have if it had made all the calls (docs/console.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from accord.llm import CircuitBreaker
from accord.state import Db

__all__ = ["BreakerSettings", "BreakerState", "Replay", "attempts_top", "replay"]

_TRANSPORT = frozenset({"timeout", "unavailable"})
_ANSWERED_CLASSES = frozenset({"OutputError", "Ungrounded"})


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    """A model's breaker thresholds (the app's ``CircuitBreaker`` arguments)."""

    failure_threshold: int = 5
    reset_after: float = 30.0


@dataclass(frozen=True, slots=True)
class BreakerState:
    """One model's circuit as the log shows it at a moment."""

    model: str
    state: Literal["closed", "open", "half_open"]
    failures: int
    """Transport failures since the model last answered (the breaker's count)."""
    refused: int
    """Calls the open circuit refused since the model last answered."""
    opened_at: float | None
    """When the circuit last opened (unix seconds), ``None`` while closed."""
    half_open_at: float | None
    """When an open circuit lets its next probe through."""
    threshold: int
    last_answer_at: float | None
    """When the model last answered, if among the attempts read."""


def _kind(outcome: str, error_class: str | None, cached: int) -> str:
    if cached:
        return "cached"
    if error_class == "CircuitOpen":
        return "refused"
    if outcome == "ok" or error_class in _ANSWERED_CLASSES:
        return "answered"
    if outcome in _TRANSPORT:
        return "failed"
    return "released"  # rate limited, refused by the provider, internal: no verdict on health


class Replay:
    """The breakers rebuilt from the attempts up to one rowid; read them at any moment.

    Attempts are immutable, so a replay stays true until a newer attempt is recorded: the
    console keeps it and reads it again while the newest rowid is the same.
    """

    def __init__(self, top: int, settings: Mapping[str, BreakerSettings] | None) -> None:
        self.top = top
        self._settings = settings or {}
        self._clock = [0.0]
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._refused: dict[str, int] = {}
        self._answered: dict[str, float] = {}

    def _breaker(self, model: str) -> CircuitBreaker:
        breaker = self._breakers.get(model)
        if breaker is None:
            chosen = self._settings.get(model, BreakerSettings())
            breaker = self._breakers[model] = CircuitBreaker(
                failure_threshold=chosen.failure_threshold,
                reset_after=chosen.reset_after,
                clock=lambda: self._clock[0],
            )
            self._refused[model] = 0
        return breaker

    def apply(self, model: str, kind: str, at: float) -> None:
        """One attempt, in the order the attempts ended."""
        self._clock[0] = at
        breaker = self._breaker(model)
        if kind == "cached":
            return
        if kind == "refused":
            self._refused[model] += 1
            return
        breaker.allow()  # the request went out: a half-open breaker spends its probe on it
        if kind == "answered":
            breaker.record_success()
            self._refused[model] = 0
            self._answered[model] = at
        elif kind == "failed":
            breaker.record_failure()
        else:
            breaker.release()

    def states(self, now: float) -> list[BreakerState]:
        """Every model's breaker as it stands at ``now``."""
        out = []
        with self._lock:  # the breakers share one clock, set to now while they are read
            self._clock[0] = now
            for model in sorted(self._breakers):
                breaker = self._breakers[model]
                opened = breaker.opened_at
                out.append(
                    BreakerState(
                        model=model,
                        state=breaker.state,
                        failures=breaker.failures,
                        refused=self._refused[model],
                        opened_at=opened,
                        half_open_at=None if opened is None else opened + breaker.reset_after,
                        threshold=breaker.failure_threshold,
                        last_answer_at=self._answered.get(model),
                    )
                )
        return out


def attempts_top(db: Db) -> int | None:
    """The newest attempt's rowid (``None`` without an ``llm_attempts`` table)."""
    found = db.one(
        "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'llm_attempts'"
    )
    if found is None:
        return None
    top = db.one("SELECT MAX(rowid) AS top FROM llm_attempts")
    return int(top["top"] or 0) if top else 0


def replay(
    db: Db,
    top: int,
    settings: Mapping[str, BreakerSettings] | None = None,
    models: Iterable[str] = (),
    *,
    last: int = 5000,
    chunk: int = 500,
) -> Replay:
    """The breakers of ``models`` (and of any model met) from the attempts up to rowid ``top``.

    Only what happened since a model last answered matters (an answer resets its breaker), so
    the attempts are read newest first, a chunk of rowids at a time, until every model met has
    answered or ``last`` attempts were read.
    """
    wanted = set(models)
    answered: set[str] = set()
    rows: list[tuple[float, int, str, str]] = []
    high = top
    floor = max(top - last, 0)
    while high > floor:
        low = max(high - chunk, floor)
        for r in db.all(
            "SELECT rowid AS pos, model, outcome, error_class, cached, "
            "started_at + COALESCE(latency_ms, 0) / 1000.0 AS ended_at "
            "FROM llm_attempts WHERE rowid > ? AND rowid <= ? ORDER BY rowid DESC",
            (low, high),
        ):
            model = r["model"]
            wanted.add(model)
            if model in answered:
                continue
            kind = _kind(r["outcome"], r["error_class"], r["cached"])
            rows.append((float(r["ended_at"]), int(r["pos"]), model, kind))
            if kind == "answered":
                answered.add(model)
        high = low
        if wanted <= answered:
            break
    result = Replay(top, settings)
    for model in wanted:
        result._breaker(model)
    for at, _, model, kind in sorted(rows):
        result.apply(model, kind, at)
    return result

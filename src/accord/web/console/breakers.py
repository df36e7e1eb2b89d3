"""Circuit-breaker states per model, derived from the attempts the log holds.

The breaker that guards a model lives in the memory of the app's process
(:class:`accord.llm.CircuitBreaker`); the console runs in another process and must not guess at
it. Every attempt is a durable fact in ``llm_attempts`` (its model, outcome, start and
latency), and the breaker's state is a function of those facts: the console replays the
newest attempts of each model, in the order they ended, through a real ``CircuitBreaker``
whose clock is the attempt's time, and reads its state at ``now``. Transport failures
(``timeout``, ``unavailable``) count; an answer (valid or not) closes; a refusal by the open
circuit (``CircuitOpen``) changes nothing; cached answers never reached the model.

Several app processes each own a breaker per model; the replay merges their attempts, so it
shows the breaker one process would have if it had made all the calls (docs/console.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from accord.llm import CircuitBreaker
from accord.state import Db

__all__ = ["BreakerSettings", "BreakerState", "breaker_states"]

_TRANSPORT = frozenset({"timeout", "unavailable"})
_ANSWERED_CLASSES = frozenset({"OutputError", "Ungrounded"})


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    """A model's breaker thresholds (the app's ``CircuitBreaker`` arguments)."""

    failure_threshold: int = 5
    reset_after: float = 30.0


@dataclass(frozen=True, slots=True)
class BreakerState:
    """One model's circuit as the log shows it at ``now``."""

    model: str
    state: Literal["closed", "open", "half_open"]
    failures: int
    """Transport failures since the model last answered (the breaker's count)."""
    recent_failures: int
    """Transport failures among the attempts read."""
    refused: int
    """Attempts the open circuit refused among those read."""
    attempts: int
    opened_at: float | None
    """When the circuit last opened (unix seconds), ``None`` while closed."""
    half_open_at: float | None
    """When an open circuit lets its next probe through."""
    threshold: int
    last_at: float | None


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


def breaker_states(
    db: Db,
    now: float,
    settings: Mapping[str, BreakerSettings] | None = None,
    *,
    last: int = 5000,
) -> list[BreakerState]:
    """Each model's breaker state from the newest ``last`` attempts (a rowid range)."""
    found = db.one(
        "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'llm_attempts'"
    )
    if found is None:
        return []
    top = db.one("SELECT MAX(rowid) AS top FROM llm_attempts")
    floor = int(top["top"] or 0) - last if top else 0
    rows = db.all(
        "SELECT model, outcome, error_class, cached, "
        "started_at + COALESCE(latency_ms, 0) / 1000.0 AS ended_at "
        "FROM llm_attempts WHERE rowid > ? ORDER BY ended_at, rowid",
        (floor,),
    )
    clock = [0.0]
    breakers: dict[str, CircuitBreaker] = {}
    counts: dict[str, list[int]] = {}
    last_at: dict[str, float] = {}
    for r in rows:
        model = r["model"]
        kind = _kind(r["outcome"], r["error_class"], r["cached"])
        clock[0] = float(r["ended_at"])
        breaker = breakers.get(model)
        if breaker is None:
            chosen = (settings or {}).get(model, BreakerSettings())
            breaker = breakers[model] = CircuitBreaker(
                failure_threshold=chosen.failure_threshold,
                reset_after=chosen.reset_after,
                clock=lambda: clock[0],
            )
            counts[model] = [0, 0, 0]
        counts[model][0] += 1
        last_at[model] = clock[0]
        if kind == "cached":
            continue
        if kind == "refused":
            counts[model][2] += 1
            continue
        breaker.allow()  # the request went out: a half-open breaker spends its probe on it
        if kind == "answered":
            breaker.record_success()
        elif kind == "failed":
            counts[model][1] += 1
            breaker.record_failure()
        else:
            breaker.release()
    clock[0] = now
    out = []
    for model in sorted(breakers):
        breaker = breakers[model]
        opened = breaker.opened_at
        out.append(
            BreakerState(
                model=model,
                state=breaker.state,
                failures=breaker.failures,
                recent_failures=counts[model][1],
                refused=counts[model][2],
                attempts=counts[model][0],
                opened_at=opened,
                half_open_at=None if opened is None else opened + breaker.reset_after,
                threshold=breaker.failure_threshold,
                last_at=last_at.get(model),
            )
        )
    return out

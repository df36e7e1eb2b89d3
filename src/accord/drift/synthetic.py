"""Seeded synthetic LLM completions in the ``llm_calls`` layout, for tests, demos and benchmarks.

The generator is vectorised with NumPy so that a million rows take seconds; every knob that a
drift test needs to move (a rate, an enum share, a numeric mean) is a keyword argument.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accord.drift._schema import LLM_CALLS_DDL

CATEGORIES = ("billing", "shipping", "returns", "account", "other")
SENTIMENTS = ("positive", "neutral", "negative")
PRIORITIES = ("low", "medium", "high", "urgent")
LANGUAGES = ("en", "de", "fr", "es", "it", "nl")
_OUTCOMES_ERR = ("timeout", "rate_limited", "unavailable", "refused", "internal")


@dataclass(frozen=True)
class SyntheticShape:
    """Parameters of one synthetic population; change a field to simulate a drift."""

    schema_failure_rate: float = 0.02
    repair_rate: float = 0.05
    reask_rate: float = 0.03
    fallback_rate: float = 0.01
    review_rate: float = 0.02
    error_rate: float = 0.01
    category_shares: tuple[float, ...] = (0.4, 0.25, 0.15, 0.12, 0.08)
    amount_log_mean: float = 4.0
    score_mean: float = 0.7
    latency_log_mean: float = 6.5


def write_synthetic_calls(
    db_path: str | Path,
    n: int,
    *,
    seed: int,
    shape: SyntheticShape | None = None,
    task: str = "extract_customer",
    start: float = 1_700_000_000.0,
    step: float = 1.0,
    id_prefix: str = "r",
    batch: int = 100_000,
) -> None:
    """Append ``n`` synthetic completions for ``task`` to ``llm_calls`` in ``db_path``.

    Row ``i`` gets ``created_at = start + i * step`` and record id ``f"{id_prefix}{i}"``.
    """
    s = shape or SyntheticShape()
    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(db_path)
    try:
        conn.execute(LLM_CALLS_DDL)
        for lo in range(0, n, batch):
            rows = _batch(rng, s, task, lo, min(batch, n - lo), start, step, id_prefix)
            conn.executemany(
                "INSERT INTO llm_calls VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows
            )
        conn.commit()
    finally:
        conn.close()


def _batch(
    rng: np.random.Generator,
    s: SyntheticShape,
    task: str,
    lo: int,
    m: int,
    start: float,
    step: float,
    prefix: str,
) -> list[tuple[object, ...]]:
    u = rng.random(m)
    outcome = np.full(m, "ok", dtype=object)
    invalid = u < s.schema_failure_rate
    errored = (u >= s.schema_failure_rate) & (u < s.schema_failure_rate + s.error_rate)
    outcome[invalid] = "invalid_output"
    outcome[errored] = rng.choice(_OUTCOMES_ERR, size=int(errored.sum()))
    repaired = rng.random(m) < s.repair_rate
    reasked = (rng.random(m) < s.reask_rate) | invalid
    fell_back = rng.random(m) < s.fallback_rate
    reviewed = rng.random(m) < s.review_rate
    attempts = 1 + reasked.astype(int) + rng.binomial(1, 0.02, m)
    category = rng.choice(CATEGORIES, size=m, p=np.asarray(s.category_shares))
    sentiment = rng.choice(SENTIMENTS, size=m, p=[0.3, 0.5, 0.2])
    priority = rng.choice(PRIORITIES, size=m, p=[0.4, 0.35, 0.2, 0.05])
    language = rng.choice(LANGUAGES, size=m, p=[0.6, 0.1, 0.1, 0.1, 0.05, 0.05])
    vip = rng.random(m) < 0.1
    amount = np.round(rng.lognormal(s.amount_log_mean, 0.8, m), 2)
    age = rng.integers(18, 90, m)
    score = np.round(np.clip(rng.normal(s.score_mean, 0.15, m), 0.0, 1.0), 4)
    days = rng.integers(0, 3650, m)
    dates = (np.datetime64("2015-01-01") + days.astype("timedelta64[D]")).astype(str)
    summary_len = rng.poisson(80, m)
    latency = rng.lognormal(s.latency_log_mean, 0.4, m)
    in_tok = rng.integers(200, 1200, m)
    out_tok = rng.integers(40, 300, m)
    rows: list[tuple[object, ...]] = []
    for i in range(m):
        ok = outcome[i] == "ok"
        out_json: str | None = None
        if ok:
            out_json = json.dumps(
                {
                    "category": category[i],
                    "sentiment": sentiment[i],
                    "priority": priority[i],
                    "language": language[i],
                    "is_vip": bool(vip[i]),
                    "amount": float(amount[i]),
                    "age": int(age[i]),
                    "score": float(score[i]),
                    "signup_date": dates[i],
                    "summary": "x" * int(summary_len[i]),
                }
            )
        rows.append(
            (
                f"{prefix}{lo + i}",
                "flow",
                task,
                "local:smollm2" if not fell_back[i] else "openai:gpt-4o-mini",
                "v1",
                outcome[i],
                int(attempts[i]),
                int(reasked[i]),
                int(repaired[i]),
                int(fell_back[i]),
                int(reviewed[i]),
                int(in_tok[i]),
                int(out_tok[i]) if ok else None,
                float(latency[i]),
                float(in_tok[i] * 1e-7 + out_tok[i] * 4e-7),
                out_json,
                len(out_json) if out_json is not None else None,
                start + (lo + i) * step,
            )
        )
    return rows

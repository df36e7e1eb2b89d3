"""The two operations the CLI exposes: take a baseline, check a window against it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from accord.drift._baseline import Baseline, load_baseline, save_baseline
from accord.drift._model import DEFAULT_MAX_SAMPLE, DEFAULT_SEED, Profile
from accord.drift._sqlite_source import (
    Window,
    connect,
    discover_output_fields,
    read_observations,
    resolve_task,
    window_where,
)
from accord.drift._stats import FieldResult, Thresholds, compare_profiles

TimeLike = float | int | datetime | None

#: Calls of a window whose numeric values are compared, at most (an evenly spaced sample).
WINDOW_MAX_NUMERIC = 200_000


@dataclass(frozen=True)
class DriftReport:
    """The comparison of one window with a baseline, field by field."""

    baseline: Baseline
    window: Profile
    window_description: str
    fields: tuple[FieldResult, ...]
    thresholds: Thresholds
    checked_at: float = field(default_factory=time.time)

    @property
    def drifted_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.drifted]

    @property
    def insufficient_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.drifted is None]

    @property
    def drifted(self) -> bool:
        return bool(self.drifted_fields)

    @property
    def exit_code(self) -> int:
        """1 when any field drifted, else 0 (undecided fields do not fail a check)."""
        return 1 if self.drifted else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (for a ``Drift`` completion or a CI artefact)."""
        return {
            "baseline": self.baseline.name,
            "task": self.baseline.task,
            "window": self.window_description,
            "window_n": self.window.n,
            "checked_at": self.checked_at,
            "drifted": self.drifted,
            "drifted_fields": self.drifted_fields,
            "insufficient_fields": self.insufficient_fields,
            "fields": [
                {
                    "name": f.name,
                    "kind": f.kind,
                    "test": f.test,
                    "statistic": f.statistic,
                    "p_value": f.p_value,
                    "distance": f.distance,
                    "threshold": f.threshold,
                    "drifted": f.drifted,
                    "baseline_n": f.baseline_n,
                    "window_n": f.window_n,
                    "note": f.note,
                }
                for f in self.fields
            ],
        }


def _ts(x: TimeLike, what: str) -> float | None:
    if x is None:
        return None
    if isinstance(x, datetime):
        return x.timestamp()
    if isinstance(x, int | float):
        return float(x)
    raise TypeError(f"{what} must be unix seconds or a datetime, got {type(x).__name__}")


def take_baseline(
    db_path: str | Path,
    name: str,
    *,
    task: str | None = None,
    since: TimeLike = None,
    until: TimeLike = None,
    last: int | None = None,
    max_sample: int | None = DEFAULT_MAX_SAMPLE,
    seed: int = DEFAULT_SEED,
    store: bool = True,
) -> Baseline:
    """Profile one task's calls in ``db_path`` and store the result as baseline ``name``.

    ``task`` may be left out when the range holds a single task. Numeric fields keep at most
    ``max_sample`` values (a seeded uniform sample); counts and summaries use every value.
    """
    if not name.strip():
        raise ValueError("a baseline needs a non-empty name")
    w = Window(task="", since=_ts(since, "since"), until=_ts(until, "until"), last=last)
    with connect(db_path) as conn:
        w = Window(resolve_task(conn, task, w), w.since, w.until, w.last)
        where, params = window_where(conn, w)
        fields, skipped = discover_output_fields(conn, where, params)
    obs = read_observations(db_path, where, params, fields)
    if obs.n == 0:
        raise LookupError(f"no LLM calls for task {w.task!r} in {w.describe()}: nothing to profile")
    baseline = Baseline(
        name=name,
        task=w.task,
        created_at=time.time(),
        window=w.describe(),
        profile=Profile.from_observations(obs, max_sample=max_sample, seed=seed),
        output_fields=tuple(fields),
        skipped=skipped,
        max_sample=max_sample,
        seed=seed,
    )
    if store:
        save_baseline(db_path, baseline)
    return baseline


def check_drift(
    db_path: str | Path,
    baseline_name: str,
    *,
    since: TimeLike = None,
    until: TimeLike = None,
    last: int | None = None,
    thresholds: Thresholds | None = None,
    max_numeric: int | None = WINDOW_MAX_NUMERIC,
) -> DriftReport:
    """Compare the baseline's task over a window of ``db_path`` with stored ``baseline_name``.

    Numeric fields of windows above ``max_numeric`` calls are compared on an evenly spaced
    sample of that many calls (the baseline side is a 10,000-value sample already); rates and
    categorical fields always count every call. ``max_numeric=None`` reads every value.
    """
    baseline = load_baseline(db_path, baseline_name)
    w = Window(baseline.task, _ts(since, "since"), _ts(until, "until"), last)
    with connect(db_path) as conn:
        where, params = window_where(conn, w)
    obs = read_observations(
        db_path, where, params, list(baseline.output_fields), max_numeric=max_numeric
    )
    window = Profile.from_observations(obs, max_sample=None)
    t = thresholds or Thresholds()
    return DriftReport(
        baseline=baseline,
        window=window,
        window_description=w.describe(),
        fields=tuple(compare_profiles(baseline.profile, window, t)),
        thresholds=t,
    )

"""Synthetic LLM-call databases for the drift tests: a baseline period, then a window."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from accord.drift.synthetic import SyntheticShape, write_synthetic_calls

N = 3_000
T0 = 1_700_000_000.0
WINDOW_START = T0 + 10 * N  # window rows are written after the baseline rows

DRIFTED = replace(
    SyntheticShape(),
    schema_failure_rate=0.08,
    category_shares=(0.30, 0.35, 0.15, 0.12, 0.08),
    amount_log_mean=4.3,
)


def make_db(path: Path, window_shape: SyntheticShape) -> Path:
    write_synthetic_calls(path, N, seed=1, start=T0, id_prefix="base-")
    write_synthetic_calls(path, N, seed=2, shape=window_shape, start=WINDOW_START, id_prefix="win-")
    return path

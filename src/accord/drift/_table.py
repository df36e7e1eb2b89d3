"""The terminal view of a drift report."""

from __future__ import annotations

import math

from rich.console import JustifyMethod
from rich.table import Table

from accord.drift._api import DriftReport
from accord.drift._stats import FieldResult


def _num(x: float | None) -> str:
    if x is None or math.isnan(x):
        return "-"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:.2e}"
    return f"{x:.4f}"


def _verdict(f: FieldResult) -> str:
    if f.drifted is None:
        return f"[yellow]{f.note}[/yellow]"
    return "[bold red]DRIFT[/bold red]" if f.drifted else "[green]ok[/green]"


def render_table(report: DriftReport) -> Table:
    """A Rich table with one row per field: test, statistic, p-value or distance, verdict."""
    n_drift = len(report.drifted_fields)
    listed = f": {', '.join(report.drifted_fields)}" if n_drift else ""
    table = Table(
        title=(
            f"Drift of {report.baseline.task!r}: baseline {report.baseline.name!r} "
            f"(n={report.baseline.profile.n}) vs window (n={report.window.n})"
        ),
        caption=f"{n_drift} drifted field(s){listed}; window {report.window_description}",
    )
    columns: list[tuple[str, JustifyMethod]] = [
        ("field", "left"),
        ("kind", "left"),
        ("baseline", "right"),
        ("window", "right"),
        ("test", "left"),
        ("statistic", "right"),
        ("p / distance", "right"),
        ("threshold", "right"),
        ("result", "left"),
    ]
    for col, justify in columns:
        table.add_column(col, justify=justify)
    for f in report.fields:
        score = f.p_value if f.p_value is not None else f.distance
        table.add_row(
            f.name,
            f.kind,
            f.baseline_value,
            f.window_value,
            f.test,
            _num(f.statistic),
            _num(score),
            ("p < " if f.p_value is not None else "> ") + _num(f.threshold)
            if f.drifted is not None
            else "-",
            _verdict(f),
        )
    return table

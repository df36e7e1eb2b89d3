"""A self-contained HTML drift report: a results table and one plot per field.

Plots are drawn with matplotlib (no pyplot, so no global state) as SVG and embedded as
base64 ``data:`` images, so the file opens anywhere without network access and the SVGs'
internal ids cannot clash.
"""

from __future__ import annotations

import base64
import html
import io
import math
from datetime import datetime
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray
from scipy import stats

from accord.drift._api import DriftReport
from accord.drift._model import CategoricalProfile, NumericProfile, RateProfile
from accord.drift._stats import FieldResult

BASE_COLOR = "#4c72b0"
WINDOW_COLOR = "#dd8452"
MAX_BARS = 15
ECDF_POINTS = 512


def _embed(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="plot" alt="plot" src="data:image/svg+xml;base64,{data}">'


def _ci(r: RateProfile) -> tuple[float, float]:
    if r.n == 0:
        return (0.0, 0.0)
    lo, hi = stats.binomtest(r.count, r.n).proportion_ci(method="wilson")
    return (r.rate - float(lo), float(hi) - r.rate)


def _rates_plot(report: DriftReport) -> str:
    names = list(report.baseline.profile.rates)
    fig = Figure(figsize=(max(6.0, 1.1 * len(names)), 3.2))
    ax = fig.add_subplot()
    x = np.arange(len(names))
    for offset, label, color, profile in (
        (-0.2, "baseline", BASE_COLOR, report.baseline.profile.rates),
        (0.2, "window", WINDOW_COLOR, report.window.rates),
    ):
        rates = [profile.get(n, RateProfile(0, 0)) for n in names]
        heights = [100 * r.rate if r.n else 0.0 for r in rates]
        err = np.array([_ci(r) for r in rates]).T * 100
        ax.bar(x + offset, heights, 0.4, yerr=err, capsize=3, label=label, color=color)
    ax.set_xticks(x, [n.removesuffix("_rate") for n in names], rotation=20)
    ax.set_ylabel("% of calls (95% CI)")
    ax.set_title("Rates")
    ax.legend()
    return _embed(fig)


def _categorical_plot(name: str, base: CategoricalProfile, win: CategoricalProfile) -> str:
    total = {k: base.counts.get(k, 0) + win.counts.get(k, 0) for k in {*base.counts, *win.counts}}
    cats = sorted(total, key=lambda k: -total[k])
    shown, rest = cats[:MAX_BARS], cats[MAX_BARS:]

    def shares(p: CategoricalProfile) -> list[float]:
        n = p.n or 1
        out = [p.counts.get(c, 0) / n for c in shown]
        if rest:
            out.append(sum(p.counts.get(c, 0) for c in rest) / n)
        return [100 * s for s in out]

    labels = shown + ([f"other ({len(rest)})"] if rest else [])
    fig = Figure(figsize=(max(5.0, 0.7 * len(labels) + 2), 3.0))
    ax = fig.add_subplot()
    x = np.arange(len(labels))
    ax.bar(x - 0.2, shares(base), 0.4, label="baseline", color=BASE_COLOR)
    ax.bar(x + 0.2, shares(win), 0.4, label="window", color=WINDOW_COLOR)
    ax.set_xticks(x, labels, rotation=20 if len(labels) > 4 else 0)
    ax.set_ylabel("% of values")
    ax.set_title(name)
    ax.legend()
    return _embed(fig)


def _ecdf(ax: Axes, sample: NDArray[np.float64], label: str, color: str) -> None:
    q = np.linspace(0, 1, ECDF_POINTS)
    ax.step(np.quantile(sample, q), q, where="post", label=label, color=color)


def _numeric_plot(name: str, base: NumericProfile, win: NumericProfile) -> str:
    fig = Figure(figsize=(9.0, 3.0))
    hist, ecdf = fig.subplots(1, 2)
    both = [s for s in (base.sample, win.sample) if s.size]
    lo, hi = np.percentile(np.concatenate(both), [0.5, 99.5])
    if not math.isfinite(lo) or lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    bins = np.linspace(lo, hi, 41)
    for label, color, p in (("baseline", BASE_COLOR, base), ("window", WINDOW_COLOR, win)):
        if p.sample.size:
            counts, edges = np.histogram(p.sample, bins=bins, density=True)
            hist.stairs(counts, edges, fill=True, alpha=0.45, color=color, label=label)
            _ecdf(ecdf, p.sample, label, color)
    ecdf.set_xlim(lo, hi)
    hist.set_title(f"{name}: histogram")
    ecdf.set_title(f"{name}: ECDF (0.5-99.5 percentile range)")
    hist.legend()
    ecdf.legend()
    return _embed(fig)


def _verdict(f: FieldResult) -> str:
    if f.drifted is None:
        return f'<span class="insufficient">{html.escape(f.note)}</span>'
    return '<span class="drift">DRIFT</span>' if f.drifted else '<span class="ok">ok</span>'


def _fmt(x: float | None) -> str:
    return "-" if x is None or math.isnan(x) else f"{x:.4g}"


def _field_plot(report: DriftReport, f: FieldResult) -> str:
    b, w = report.baseline.profile, report.window
    if f.kind == "categorical":
        base_c = b.categorical[f.name]
        win_c = w.categorical.get(f.name, CategoricalProfile({}))
        return _categorical_plot(f.name, base_c, win_c) if base_c.n + win_c.n else ""
    if f.kind == "numeric":
        base_n, win_n = b.numeric[f.name], w.numeric.get(f.name)
        if win_n is None or (base_n.sample.size == 0 and win_n.sample.size == 0):
            return ""
        return _numeric_plot(f.name, base_n, win_n)
    return ""


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 0.9em; }
.drift { color: #b00; font-weight: bold; } .ok { color: #080; }
.insufficient { color: #a60; }
section { margin: 1.5em 0; } img.plot { max-width: 100%; }
"""


def render_html(report: DriftReport) -> str:
    """The report as one self-contained HTML document."""
    b = report.baseline
    when = datetime.fromtimestamp(report.checked_at).isoformat(" ", "seconds")
    head = (
        f"<h1>Drift report: {html.escape(b.task)}</h1>"
        f"<p>Baseline <b>{html.escape(b.name)}</b> ({html.escape(b.window)}, "
        f"n={b.profile.n}) vs window ({html.escape(report.window_description)}, "
        f"n={report.window.n}); checked {when}.</p>"
        f"<p><b>{len(report.drifted_fields)}</b> drifted field(s)"
        + (": " + html.escape(", ".join(report.drifted_fields)) if report.drifted_fields else "")
        + (
            f"; {len(report.insufficient_fields)} undecided (insufficient data)"
            if report.insufficient_fields
            else ""
        )
        + "</p>"
    )
    rows = "".join(
        f"<tr><td>{html.escape(f.name)}</td><td>{f.kind}</td>"
        f"<td>{html.escape(f.baseline_value)}</td><td>{html.escape(f.window_value)}</td>"
        f"<td>{f.test}</td><td>{_fmt(f.statistic)}</td><td>{_fmt(f.p_value)}</td>"
        f"<td>{_fmt(f.distance)}</td><td>{_fmt(f.threshold)}</td><td>{_verdict(f)}</td>"
        f"<td>{html.escape(f.note if f.drifted is not None else '')}</td></tr>"
        for f in report.fields
    )
    table = (
        "<table><tr><th>field</th><th>kind</th><th>baseline</th><th>window</th><th>test</th>"
        "<th>statistic</th><th>p-value</th><th>distance</th><th>threshold</th>"
        f"<th>result</th><th>note</th></tr>{rows}</table>"
    )
    sections = []
    if b.profile.rates:
        sections.append(f'<section id="rates"><h2>Rates</h2>{_rates_plot(report)}</section>')
    for f in report.fields:
        plot = _field_plot(report, f)
        if plot:
            sections.append(
                f'<section id="{html.escape(f.name)}"><h2>{html.escape(f.name)} '
                f"{_verdict(f)}</h2>{plot}</section>"
            )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Drift report: {html.escape(b.task)}</title><style>{_STYLE}</style></head>"
        f"<body>{head}{table}{''.join(sections)}</body></html>"
    )


def write_html(report: DriftReport, path: str | Path) -> Path:
    """Write the self-contained HTML report to ``path`` and return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(report), encoding="utf-8")
    return out

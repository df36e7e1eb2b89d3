"""Small SVG charts rendered on the server: no JavaScript chart library in the page.

Every label is escaped here; the result is marked safe for the templates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from markupsafe import Markup

__all__ = ["bar_chart", "rate_chart"]

_W, _ROW = 560, 22


def bar_chart(fields: Sequence[Mapping[str, Any]]) -> Markup:
    """One bar per drift field: its distance (or statistic) against its threshold; red when
    the field drifted, grey when undecided."""
    shown = [f for f in fields if isinstance(f, Mapping)]
    if not shown:
        return Markup("")
    values = [float(f.get("distance") or f.get("statistic") or 0.0) for f in shown]
    limits = [float(f.get("threshold") or 0.0) for f in shown]
    top = max([*values, *limits, 1e-9])
    label_w, bar_w = 200, _W - 260
    height = _ROW * len(shown) + 8
    parts = [
        f'<svg class="chart" role="img" aria-label="drift per field" width="{_W}" '
        f'height="{height}" viewBox="0 0 {_W} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (f, value, limit) in enumerate(zip(shown, values, limits, strict=True)):
        y = 4 + i * _ROW
        drifted = f.get("drifted")
        color = "#c0392b" if drifted else ("#999" if drifted is None else "#2e8b57")
        width = max(1.0, bar_w * value / top)
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12">{escape(str(f.get("name", "?")))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="14" fill="{color}"/>'
            f'<text x="{label_w + width + 4:.1f}" y="{y + 15}" font-size="11">{value:.3g}</text>'
        )
        if limit:
            x = label_w + bar_w * limit / top
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 20}" stroke="#000" '
                'stroke-dasharray="3,2"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_chart(series: Sequence[tuple[float, int, int]]) -> Markup:
    """Failure rate per time slice, as bars whose width is the slice (height: failed/calls)."""
    if not series:
        return Markup("")
    height, pad = 120, 20
    slot = (_W - pad) / len(series)
    parts = [
        f'<svg class="chart" role="img" aria-label="LLM failure rate over time" width="{_W}" '
        f'height="{height + pad}" viewBox="0 0 {_W} {height + pad}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{pad}" x2="{_W}" y1="{height}" y2="{height}" stroke="#666"/>',
        '<text x="0" y="12" font-size="10">100%</text>',
        f'<text x="0" y="{height}" font-size="10">0%</text>',
    ]
    for i, (_, calls, failed) in enumerate(series):
        rate = failed / calls if calls else 0.0
        h = (height - 10) * rate
        parts.append(
            f'<rect x="{pad + i * slot + 1:.1f}" y="{height - h:.1f}" width="{slot - 2:.1f}" '
            f'height="{h:.1f}" fill="#c0392b"><title>{failed} of {calls} failed</title></rect>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))

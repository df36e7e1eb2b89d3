"""``accord drift baseline|check``: baselines of LLM behaviour and drift checks.

The drift machinery (NumPy, SciPy, matplotlib: seconds to import) loads on first use inside
the commands (``accord.drift`` imports lazily), so ``accord --help`` stays fast.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from accord import drift
from accord.cli._common import DbOption, console, fail, require_database, sqlite_only

drift_app = typer.Typer(
    help="Baselines of LLM behaviour and drift checks against them.", no_args_is_help=True
)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")

SinceOpt = Annotated[
    str | None,
    typer.Option(help="Start: ISO date/time, unix seconds, or a duration ago (24h, 7d)."),
]
UntilOpt = Annotated[str | None, typer.Option(help="End (exclusive), same forms as --since.")]
WindowOpt = Annotated[
    str | None,
    typer.Option(help="Last N calls (e.g. 5000) or a time window ending now (e.g. 24h, 7d)."),
]


def parse_time(text: str, option: str, *, now: float | None = None) -> float:
    """Unix seconds from an ISO date/time, a number of unix seconds, or a duration ago."""
    now = time.time() if now is None else now
    m = _DURATION.match(text.strip())
    if m:
        return now - float(m.group(1)) * _UNITS[m.group(2)]
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a time: use ISO 8601 (2026-05-01T12:00), unix seconds, "
            "or a duration ago such as 30m, 24h, 7d",
            param_hint=option,
        ) from None


def parse_window(
    window: str | None, since: str | None, until: str | None
) -> tuple[float | None, float | None, int | None]:
    """(since, until, last) from the CLI options; ``--window`` is N calls or a duration."""
    s = parse_time(since, "--since") if since else None
    u = parse_time(until, "--until") if until else None
    last: int | None = None
    if window:
        w = window.strip()
        if w.isdigit() and int(w) > 0:
            last = int(w)
        elif _DURATION.match(w):
            if s is not None:
                raise typer.BadParameter(
                    "give either a duration --window or --since", param_hint="--window"
                )
            s = parse_time(w, "--window")
        else:
            raise typer.BadParameter(
                f"{window!r} is neither a number of calls (5000) nor a duration (24h, 7d)",
                param_hint="--window",
            )
    return s, u, last


@drift_app.command()
def baseline(
    db: DbOption,
    name: Annotated[str, typer.Option(help="Name to store the baseline under.")],
    task: Annotated[str | None, typer.Option(help="LLM task; optional if only one.")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    window: WindowOpt = None,
) -> None:
    """Profile an LLM task's calls and store the profile as a named baseline."""
    s, u, last = parse_window(window, since, until)
    path = sqlite_only(db, "accord drift baseline")
    require_database(path)
    try:
        b = drift.take_baseline(path, name, task=task, since=s, until=u, last=last)
    except (LookupError, ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    p = b.profile
    console.print(
        f"baseline [bold]{b.name}[/bold] of task {b.task!r}: {p.n} calls ({b.window}); "
        f"{len(p.rates)} rates, {len(p.categorical)} categorical and "
        f"{len(p.numeric)} numeric fields"
    )
    for field, reason in b.skipped.items():
        console.print(f"  skipped {field}: {reason}")


@drift_app.command()
def check(
    db: DbOption,
    baseline_name: Annotated[str, typer.Option("--baseline", help="Stored baseline name.")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    window: WindowOpt = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write an HTML report.")] = None,
) -> None:
    """Compare a window of calls with a baseline; exit 1 when anything drifted."""
    s, u, last = parse_window(window, since, until)
    path = sqlite_only(db, "accord drift check")
    require_database(path)
    try:
        report = drift.check_drift(path, baseline_name, since=s, until=u, last=last)
    except (LookupError, ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    console.print(drift.render_table(report))
    if html is not None:
        console.print(f"HTML report: {drift.write_html(report, html)}")
    raise typer.Exit(report.exit_code)

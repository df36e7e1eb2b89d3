"""``accord log compact``: the retention policy of the action log, from the command line."""

from __future__ import annotations

import sqlite3
from typing import Annotated

import typer

from accord.cli._common import DEFAULT_DB, DbOption, console, fail, sqlite_only
from accord.store.retention import DEFAULT_THRESHOLD, LogFileError, compact_log, parse_age

log_app = typer.Typer(help="Maintain the durable action log.", no_args_is_help=True)


@log_app.command("compact")
def compact_command(
    db: DbOption = DEFAULT_DB,
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than",
            help="Compact finished flows last active longer ago than this (30d, 12h, 2w).",
        ),
    ] = "30d",
    threshold: Annotated[
        int,
        typer.Option(help="Compact inputs, outputs and raw LLM answers larger than this (bytes)."),
    ] = DEFAULT_THRESHOLD,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would be compacted; change nothing.")
    ] = False,
    vacuum: Annotated[
        bool, typer.Option(help="Rewrite the file afterwards so that it shrinks.")
    ] = True,
) -> None:
    """Compact the bulky bodies of old, finished flows (unfinished flows and flows with an open
    review item are never touched); ids, provenance, error kinds and LLM metadata stay."""
    path = sqlite_only(db, "accord log compact")
    try:
        age = parse_age(older_than)
        report = compact_log(
            path, older_than=age, threshold=threshold, dry_run=dry_run, vacuum=vacuum
        )
    except (LogFileError, ValueError) as exc:
        fail(str(exc))
    except sqlite3.OperationalError as exc:  # e.g. locked by a process that holds it exclusively
        fail(f"cannot compact {db}: {exc}; try again when the app is stopped or idle", 1)
    console.print(report.summary(), highlight=False)

"""``accord check APP``: load an app, check concept independence and every sync."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from accord.checks.diagnostics import Diagnostic, SyncCheckError
from accord.checks.independence import check_independence
from accord.checks.specs import check_specs
from accord.checks.sql import check_portability, check_state_access
from accord.checks.syncs import check
from accord.cli._common import AppArgument, fail, require_database
from accord.evolution import recorded_syncs, sync_changes
from accord.loading import AppLoadError, load_app_for_check
from accord.sync.model import Sync
from accord.sync.text.parser import SyncSyntaxError

__all__ = ["check_command"]

_STYLE = {"error": "bold red", "warning": "bold yellow"}


def _relative(origin: str) -> str:
    cwd = str(Path.cwd()) + os.sep
    return origin[len(cwd) :] if origin.startswith(cwd) else origin


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def check_command(
    app: AppArgument,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            metavar="DB",
            help="Also list how the app's syncs differ from those that last ran on DB.",
        ),
    ] = None,
) -> None:
    """Check an app: concepts never import each other, own their tables, and every sync is
    well-formed."""
    console = Console(soft_wrap=True, highlight=False)
    errors = warnings = 0

    def show(severity: str, text: str, origin: str = "") -> None:
        line = Text()
        line.append(f"{severity}:", style=_STYLE[severity])
        line.append(text[len(severity) + 1 :])
        console.print(line)
        if origin:
            console.print(Text(f"  at {_relative(origin)}", style="dim"))

    try:
        loaded = load_app_for_check(app)
    except (AppLoadError, SyncSyntaxError, SyncCheckError) as exc:
        fail(f"cannot load {app}: {exc}")

    for problem in loaded.problems:
        errors += 1
        if isinstance(problem, SyncSyntaxError):
            show("error", f"error: {problem}")
        else:
            show("error", str(problem), problem.origin)

    for violation in check_independence(loaded.sources):
        errors += 1
        show(
            "error",
            f"error: {violation.path}:{violation.line}: {violation.message}. Fix: {violation.fix}",
        )

    for state in [
        *check_state_access(loaded.app.concepts),
        *check_portability(loaded.app.concepts),
    ]:
        errors += 1
        show(
            "error",
            f"error: {state.path}:{state.line}: {state.message}. Fix: {state.fix}",
        )

    for mismatch in check_specs(loaded.app.concepts):
        errors += 1
        show("error", str(mismatch), mismatch.origin)

    diagnostics: list[Diagnostic] = check(loaded.app.concepts, loaded.app.syncs)
    for d in diagnostics:
        if d.severity == "error":
            errors += 1
        else:
            warnings += 1
        show(d.severity, str(d), d.origin)

    if against is not None:
        show_sync_changes(console, against, loaded.app.syncs)

    concepts, syncs = len(loaded.app.concepts), len(loaded.app.syncs)
    summary = (
        f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
        f"({_plural(concepts, 'concept')}, {_plural(syncs, 'sync')} checked)"
    )
    console.print(Text(summary, style="bold red" if errors else "bold green"))
    if errors:
        raise typer.Exit(1)


def show_sync_changes(console: Console, db: Path, syncs: list[Sync]) -> None:
    """Print how ``syncs`` differ from the syncs that last ran on ``db``."""
    require_database(db)
    changes = sync_changes(recorded_syncs(db), syncs)
    if not changes:
        console.print(f"syncs unchanged since {db} last ran")
        return
    console.print(f"syncs changed since {db} last ran:")
    for line in changes.lines():
        console.print(f"  {line}", markup=False)

"""The ``accord`` command line."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accord.cli_check import check_command
from accord.cli_review import review_app
from accord.cli_serve import serve_command
from accord.drift.cli import drift_app
from accord.inspect import flow_tree, provenance
from accord.store.sqlite import SqliteStore

app = typer.Typer(
    name="accord",
    help="LLM-integrated systems from independent concepts and durable synchronizations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(review_app, name="review")
app.add_typer(drift_app, name="drift")
app.command("check")(check_command)
app.command("serve")(serve_command)
# Wide when piped (logs, CI, tests) so trees and tables are not cut at 80 columns.
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)

DbOption = Annotated[
    Path, typer.Option("--db", help="The engine's SQLite database file.", show_default=True)
]
DEFAULT_DB = Path("accord.db")


def _open(db: Path) -> SqliteStore:
    if not db.exists():
        console.print(f"[red]error:[/] no database at {db}; pass the app's file with --db PATH")
        raise typer.Exit(2)
    store = SqliteStore(db)
    store.open()
    return store


@app.command()
def flows(
    db: DbOption = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="How many recent flows.")] = 20,
) -> None:
    """List recent flows with their status."""
    store = _open(db)
    try:
        table = Table("flow", "root action", "status", "actions", "pending", "errors", "started")
        colors = {"done": "green", "running": "yellow", "failed": "red", "halted": "red"}
        for f in store.flows(limit):
            started = dt.datetime.fromtimestamp(f.started_at).isoformat(" ", "seconds")
            status = f"[{colors[f.status]}]{f.status}[/]"
            table.add_row(
                str(f.flow), f.root, status, str(f.actions), str(f.pending), str(f.errors), started
            )
        console.print(table)
    finally:
        store.close()


@app.command()
def trace(
    flow: Annotated[int, typer.Argument(help="The flow id (see `accord flows`).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print a flow as a tree of actions, with the sync that caused each."""
    store = _open(db)
    try:
        records = store.flow_records(flow)
        if not records:
            console.print(f"[red]error:[/] no flow {flow} in {db}; list flows with `accord flows`")
            raise typer.Exit(1)
        console.print(flow_tree(records, store.flow_events(flow)))
    finally:
        store.close()


@app.command()
def why(
    record: Annotated[int, typer.Argument(help="A record id (as shown by `accord trace`).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Walk a record's provenance back to the root action of its flow."""
    store = _open(db)
    try:
        console.print(provenance(store, record))
    except LookupError as exc:
        console.print(f"[red]error:[/] {exc} in {db}")
        raise typer.Exit(1) from None
    finally:
        store.close()


def main() -> None:
    """Entry point of the ``accord`` console script."""
    app()


if __name__ == "__main__":
    main()

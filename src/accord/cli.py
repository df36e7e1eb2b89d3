"""The ``accord`` command line."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from accord._cli import DEFAULT_DB, DbOption, console, open_store
from accord.cli_check import check_command
from accord.cli_console import console_command
from accord.cli_review import review_app
from accord.cli_serve import serve_command
from accord.drift.cli import drift_app
from accord.inspect import flow_tree, provenance

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
app.command("console")(console_command)


@app.command()
def flows(
    db: DbOption = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="How many recent flows.")] = 20,
) -> None:
    """List recent flows with their status."""
    with open_store(db) as store:
        table = Table("flow", "root action", "status", "actions", "pending", "errors", "started")
        colors = {"done": "green", "running": "yellow", "failed": "red", "halted": "red"}
        for f in store.flows(limit):
            started = dt.datetime.fromtimestamp(f.started_at).isoformat(" ", "seconds")
            status = f"[{colors[f.status]}]{f.status}[/]"
            table.add_row(
                str(f.flow), f.root, status, str(f.actions), str(f.pending), str(f.errors), started
            )
        console.print(table)


@app.command()
def trace(
    flow: Annotated[int, typer.Argument(help="The flow id (see `accord flows`).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print a flow as a tree of actions, with the sync that caused each."""
    with open_store(db) as store:
        records = store.flow_records(flow)
        if not records:
            console.print(f"[red]error:[/] no flow {flow} in {db}; list flows with `accord flows`")
            raise typer.Exit(1)
        console.print(flow_tree(records, store.flow_events(flow)))


@app.command()
def why(
    record: Annotated[int, typer.Argument(help="A record id (as shown by `accord trace`).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Walk a record's provenance back to the root action of its flow."""
    with open_store(db) as store:
        try:
            console.print(provenance(store, record))
        except LookupError as exc:
            console.print(f"[red]error:[/] {exc} in {db}")
            raise typer.Exit(1) from None


def main() -> None:
    """Entry point of the ``accord`` console script."""
    app()


if __name__ == "__main__":
    main()

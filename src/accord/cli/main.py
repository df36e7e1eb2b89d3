"""The ``accord`` command line: one Typer app, one module per command group."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from accord.cli import flows
from accord.cli.check import check_command
from accord.cli.console import console_command
from accord.cli.drift import drift_app
from accord.cli.generate import generate_app
from accord.cli.log import log_app
from accord.cli.migrate import migrate_command
from accord.cli.migrate_store import migrate_store_command
from accord.cli.review import review_app
from accord.cli.serve import serve_command
from accord.cli.worker import worker_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="accord",
    help="LLM-integrated systems from independent concepts and durable synchronizations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(review_app, name="review")
app.add_typer(drift_app, name="drift")
app.add_typer(log_app, name="log")
app.add_typer(generate_app, name="generate")
app.command("check")(check_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.command("migrate")(migrate_command)
app.command("migrate-store")(migrate_store_command)
app.command("console")(console_command)
app.command("flows")(flows.flows)
app.command("trace")(flows.trace)
app.command("why")(flows.why)


def _version() -> str:
    try:
        return version("accord")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _show_version(shown: bool) -> None:
    if shown:
        typer.echo(f"accord {_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """LLM-integrated systems from independent concepts and durable synchronizations."""


def main() -> None:
    """Entry point of the ``accord`` console script."""
    app()

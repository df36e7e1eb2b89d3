"""``accord serve APP``: run an app's Requesting routes over HTTP (uvicorn)."""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from accord.app import App
from accord.engine import Engine
from accord.store.sqlite import SqliteStore, StoreLocked
from accord.web.server import AccordServer

__all__ = ["load_app", "serve_command"]


def load_app(spec: str) -> App:
    """Import ``module`` or ``module:attribute`` (default attribute ``app``) as an App.

    The current directory is importable, as with ``python -m``.
    """
    module_name, _, attribute = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise typer.BadParameter(
            f"cannot import {module_name!r} ({exc}); give a module path such as "
            "examples.realworld.app:app, importable from the current directory"
        ) from None
    app = getattr(module, attribute or "app", None)
    if not isinstance(app, App):
        raise typer.BadParameter(
            f"{module_name} has no App named {attribute or 'app'!r}; "
            "define `app = App(concepts=[...], syncs=[...])` or name it with MODULE:ATTRIBUTE"
        )
    return app


def serve_command(
    app: Annotated[
        str, typer.Argument(help="The app: MODULE[:ATTRIBUTE], e.g. examples.realworld.app:app.")
    ],
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    db: Annotated[Path, typer.Option("--db", help="The engine's SQLite database file.")] = Path(
        "accord.db"
    ),
    deadline: Annotated[
        float, typer.Option(help="Seconds a request may wait for its answer before a 504.")
    ] = 10.0,
    max_body: Annotated[
        int, typer.Option(help="Largest request body accepted, in bytes.")
    ] = 1_000_000,
    durable: Annotated[
        bool,
        typer.Option(
            help="fsync every commit (synchronous=FULL); --no-durable keeps WAL's crash "
            "safety but may lose the last commits on power loss (synchronous=NORMAL)."
        ),
    ] = True,
    log_level: Annotated[str, typer.Option(help="Logging level.")] = "info",
) -> None:
    """Serve an app's Requesting routes over HTTP, with the engine on a SQLite file."""
    loaded = load_app(app)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")

    store = SqliteStore(db, synchronous="FULL" if durable else "NORMAL")

    def engine_factory(a: App) -> Engine:
        return Engine(a, store=store)

    try:
        server = AccordServer(
            loaded, engine_factory=engine_factory, deadline=deadline, max_body=max_body
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    try:
        # Here rather than when the lifespan starts the engine (which claims it again, a
        # no-op): a refusal is one line and exit status 1, not a startup traceback.
        store.claim()
    except StoreLocked as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    # Everything imported and built so far lives as long as the server: keep the collector
    # from scanning it again and again (full collections took 200 ms pauses under load), and
    # collect less often: a request allocates thousands of short-lived objects, and at the
    # default thresholds collections took 4 % of the server's time (0.7 % after this).
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    uvicorn.run(server.asgi, host=host, port=port, log_level=log_level.lower(), lifespan="on")


def main() -> None:
    """Run ``serve_command`` on its own (``python -m accord.cli_serve``)."""
    typer.run(serve_command)


if __name__ == "__main__":
    main()

"""``accord serve APP``: run an app's Requesting routes over HTTP (uvicorn).

Stopping: SIGTERM or SIGINT answers every request still waiting for its flow with a 503 at
once, closes the connections (waiting at most ``--shutdown-timeout`` seconds for responses
being written) and stops the engine; the flows resume from the log on the next start. When the
engine fails, the server answers every waiting request with a 503, stops the same way and
exits with status 1.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from accord.app import App
from accord.engine import Engine
from accord.store.sqlite import SqliteStore
from accord.web.server import MAX_DEPTH, AccordServer

__all__ = ["ENGINE_FAILED", "load_app", "serve_command"]

ENGINE_FAILED = 1
"""The exit status of ``accord serve`` when its engine failed."""

log = logging.getLogger("accord.serve")


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
    max_depth: Annotated[
        int, typer.Option(help="Deepest nesting of objects and arrays accepted in a body.")
    ] = MAX_DEPTH,
    shutdown_timeout: Annotated[
        int,
        typer.Option(
            help="On SIGTERM/SIGINT or an engine failure, seconds to wait for responses still "
            "being written before closing their connections."
        ),
    ] = 5,
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

    def engine_factory(a: App) -> Engine:
        store = SqliteStore(db, synchronous="FULL" if durable else "NORMAL")
        return Engine(a, store=store)

    failures: list[BaseException] = []

    def on_failure(failure: BaseException) -> None:
        failures.append(failure)
        runner.should_exit = True

    try:
        server = AccordServer(
            loaded,
            engine_factory=engine_factory,
            deadline=deadline,
            max_body=max_body,
            max_depth=max_depth,
            on_failure=on_failure,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if shutdown_timeout <= 0:
        raise typer.BadParameter("--shutdown-timeout must be positive")
    config = uvicorn.Config(
        server.asgi,
        host=host,
        port=port,
        log_level=log_level.lower(),
        lifespan="on",
        timeout_graceful_shutdown=shutdown_timeout,
    )
    runner = _Runner(config, server)
    # Everything imported and built so far lives as long as the server: keep the collector
    # from scanning it again and again (full collections took 200 ms pauses under load), and
    # collect less often: a request allocates thousands of short-lived objects, and at the
    # default thresholds collections took 4 % of the server's time (0.7 % after this).
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    try:
        runner.run()
    except KeyboardInterrupt:  # uvicorn re-raises SIGINT after a clean shutdown
        raise typer.Exit(130) from None
    if failures:
        log.critical(
            "accord serve stopped because its engine failed (%s: %s); fix the cause and start "
            "it again: the flows recorded before the failure resume from the log",
            type(failures[0]).__name__, failures[0],
        )  # fmt: skip
        raise typer.Exit(ENGINE_FAILED)


class _Runner(uvicorn.Server):
    """uvicorn, telling the accord server to answer its waiting requests when told to exit."""

    def __init__(self, config: uvicorn.Config, server: AccordServer) -> None:
        super().__init__(config)
        self.accord = server

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self.accord.begin_shutdown()


def main() -> None:
    """Run ``serve_command`` on its own (``python -m accord.cli_serve``)."""
    typer.run(serve_command)


if __name__ == "__main__":
    main()

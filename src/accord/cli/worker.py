"""``accord worker APP --db postgresql://...``: one of many engines sharing a PostgreSQL log.

Start as many as the work needs, on one machine or many: each advances the flows it claims,
is woken by ``NOTIFY`` when a stimulus is posted, and takes over the flows of a worker that
died. SIGTERM or SIGINT stops it cleanly: its flows move to the other workers at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Annotated

import typer

from accord.app import App
from accord.checks.diagnostics import SyncCheckError
from accord.cli._common import (
    AppArgument,
    ConceptsOption,
    DbOption,
    database,
    fail,
    parse_concepts,
    reach,
)
from accord.loading import AppLoadError, load_app
from accord.store import is_postgres_url
from accord.sync.text.parser import SyncSyntaxError

__all__ = ["worker_command"]


def worker_command(
    app: AppArgument,
    db: DbOption = "",
    takeover_interval: Annotated[
        float,
        typer.Option(help="Seconds between looks for flows of workers that died."),
    ] = 1.0,
    concepts: ConceptsOption = None,
    log_level: Annotated[str, typer.Option(help="Logging level.")] = "info",
) -> None:
    """Run an app's engine as one worker of many on a PostgreSQL database."""
    if not db:
        fail("accord worker needs --db postgresql://... (or ACCORD_DB)")
    db = database(db)
    if not is_postgres_url(db):
        fail(
            "accord worker needs --db postgresql://... (or ACCORD_DB): workers share a "
            "PostgreSQL database; a SQLite file has one engine, run it with `accord serve`"
        )
    if takeover_interval <= 0:
        fail("--takeover-interval must be positive")
    try:
        loaded = load_app(app)
    except (AppLoadError, SyncSyntaxError, SyncCheckError) as exc:
        fail(f"cannot load {app}: {exc}")
    reach(db)
    served = parse_concepts(concepts, app, loaded)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_work(loaded, db, takeover_interval, served))
    except (ConnectionError, LookupError) as exc:
        fail(str(exc), 1)


async def _work(
    app: App, url: str, takeover_interval: float, concepts: frozenset[str] | None
) -> None:
    from accord.engine.worker import Worker  # psycopg only when asked for

    worker = Worker(app, url, takeover_interval=takeover_interval, concepts=concepts)
    task = asyncio.create_task(worker.run())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task

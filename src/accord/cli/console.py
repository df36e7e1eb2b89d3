"""``accord console APP --db app.db``: the web console for flows, review and drift.

It reads the app's database and posts review decisions to its inbox, so it runs beside the
app (or while the app is stopped) without owning the database. Passwords come from the
environment (see docs/console.md), never from the command line.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from accord.app import App
from accord.checks.diagnostics import SyncCheckError
from accord.cli._common import DEFAULT_DB, AppArgument, DbOption, fail, open_store
from accord.concepts.extracting import Extracting
from accord.concepts.reviewing import Reviewing
from accord.llm.models import Model
from accord.loading import AppLoadError, load_app
from accord.sync.text.parser import SyncSyntaxError
from accord.web.console import ConsoleAuthError, ConsoleSettings, Credentials, create_console
from accord.web.console.breakers import BreakerSettings

__all__ = ["MOUNT_PREFIX", "console_command", "console_settings"]

MOUNT_PREFIX = "/_accord"
"""Where ``accord serve --console`` mounts the console."""


def console_command(
    app: AppArgument,
    db: DbOption = DEFAULT_DB,
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8100,
    host: Annotated[
        str, typer.Option(help="Interface to bind; anything but loopback exposes the console.")
    ] = "127.0.0.1",
    https_only: Annotated[
        bool, typer.Option(help="Send the session cookie over HTTPS only (behind a TLS proxy).")
    ] = False,
    stuck_after: Annotated[
        float, typer.Option(help="Seconds an invocation may wait before its flow shows stuck.")
    ] = 300.0,
    log_level: Annotated[str, typer.Option(help="Logging level.")] = "info",
) -> None:
    """Serve the web console (flows, review queue, drift) for an app's database; the app's
    review models build the review forms."""
    with open_store(db):  # an existing app database, or a one-line error
        pass
    try:
        loaded = load_app(app)
    except (AppLoadError, SyncSyntaxError, SyncCheckError) as exc:
        fail(f"cannot load {app}: {exc}")
    settings = console_settings(loaded, db, https_only=https_only, stuck_after=stuck_after)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    typer.echo(f"accord console on http://{host}:{port}/flows (database {db})")
    uvicorn.run(
        create_console(settings),
        host=host,
        port=port,
        log_level=log_level.lower(),
        timeout_graceful_shutdown=2,
    )


def console_settings(
    app: App,
    db: Path,
    *,
    prefix: str = "",
    https_only: bool = False,
    stuck_after: float = 300.0,
) -> ConsoleSettings:
    """The console's settings for ``app`` on ``db``: passwords from the environment (a missing
    or weak one is a one-line error), review forms from the app's ``Reviewing`` models."""
    try:
        credentials = Credentials.from_env()
    except ConsoleAuthError as exc:
        fail(str(exc))
    schemas = {}
    breakers: dict[str, BreakerSettings] = {}
    for concept in app.concepts:
        if isinstance(concept, Reviewing):
            schemas.update(concept.schemas)
        if isinstance(concept, Extracting):
            # Models named by a string get the default breaker, which BreakerSettings mirrors.
            for task in concept.tasks.values():
                for spec in task.model_specs:
                    if isinstance(spec, Model):
                        breakers[spec.name] = BreakerSettings(
                            spec.breaker.failure_threshold, spec.breaker.reset_after
                        )
    return ConsoleSettings(
        db=db,
        credentials=credentials,
        schemas=schemas,
        breakers=breakers,
        prefix=prefix,
        https_only=https_only,
        stuck_after=stuck_after,
    )

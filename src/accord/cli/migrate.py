"""``accord migrate APP --db PATH [--dry-run]``: show and apply pending concept migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord import evolution, migrations
from accord.checks.diagnostics import SyncCheckError
from accord.cli._common import (
    DEFAULT_DB,
    AppArgument,
    DbOption,
    console,
    database,
    fail,
    reach,
    require_database,
)
from accord.loading import AppLoadError, load_app
from accord.ownership import Ownership, OwnershipError
from accord.store import Store, is_postgres_url
from accord.store.sqlite import SqliteStore, StoreLocked
from accord.sync.text.parser import SyncSyntaxError

__all__ = ["migrate_command"]


def migrate_command(
    app: AppArgument,
    db: DbOption = DEFAULT_DB,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Run the migrations in a transaction and roll it back: show what would change.",
        ),
    ] = False,
) -> None:
    """Bring each concept's tables to the version its code declares (one transaction)."""
    try:
        loaded = load_app(app)
    except (AppLoadError, SyncSyntaxError, SyncCheckError) as exc:
        fail(f"cannot load {app}: {exc}")
    db = database(db)
    store = _open(db)
    try:
        ownership = Ownership.of(loaded.concepts)
        if isinstance(store, SqliteStore):
            store.isolate(ownership)
        plans = evolution.apply(store, loaded.concepts, dry_run=dry_run)
    except (migrations.MigrationError, OwnershipError) as exc:
        fail(str(exc), code=1)
    finally:
        store.close()
    for plan in plans:
        console.print(plan.describe(), highlight=False, markup=False)
    pending = sum(len(p.pending) for p in plans)
    if dry_run:
        console.print(f"dry run: {pending} migration(s) would run; nothing was changed")
    else:
        console.print(f"{pending} migration(s) applied to {db}")


def _open(db: str) -> Store:
    """The app's store, open and held by this command alone, or a one-line refusal."""
    stop = "stop the engine, then migrate (it also migrates when it starts)"
    if not is_postgres_url(db):
        require_database(Path(db))
        embedded = SqliteStore(db)
        try:
            embedded.claim()
        except StoreLocked as exc:
            fail(f"{exc}; {stop}")
        embedded.open(())
        return embedded
    from accord.store.postgres import PostgresStore  # psycopg only when asked for

    reach(db)
    shared = PostgresStore(db)
    shared.open(())
    others = shared.live_workers() - {shared.worker}
    if others:
        shared.close()
        fail(
            f"{len(others)} worker(s) run on {db.split('@')[-1]}: stop them, then migrate "
            "(each also migrates when it starts)"
        )
    return shared

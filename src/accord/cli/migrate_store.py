"""``accord migrate-store --from sqlite:PATH --to postgresql://...``: grow out of one file.

Copies the action log, the firings, flow events, the inbox and every concept's tables from an
embedded SQLite database into an empty PostgreSQL schema, in one transaction (see
:mod:`accord.store.transfer`). The app then runs on the URL: ``accord serve``, ``accord
worker``, and the log's history reads the same with ``accord flows`` and ``accord trace``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli._common import console, database, fail, reach
from accord.store import is_postgres_url

__all__ = ["migrate_store_command"]


def migrate_store_command(
    source: Annotated[
        str,
        typer.Option(
            "--from", metavar="SQLITE", help="The app's SQLite database: sqlite:PATH or PATH."
        ),
    ],
    target: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="URL",
            help="An empty PostgreSQL schema: postgresql://user@host/db (another schema than "
            "the default with ?options=-csearch_path%3DNAME; it must exist).",
        ),
    ],
) -> None:
    """Copy an app's log and all its concept state from SQLite to PostgreSQL."""
    path = database(source)
    if is_postgres_url(path):
        fail("--from takes the SQLite database to copy (sqlite:PATH); --to takes the URL")
    url = database(target)
    if not is_postgres_url(url):
        fail(f"--to {target}: pass a postgresql://user@host:5432/db URL")
    reach(url)
    from accord.store.postgres import PostgresStore  # psycopg only when asked for
    from accord.store.transfer import TransferError, copy_to_postgres

    try:
        report = copy_to_postgres(Path(path), PostgresStore(url))
    except TransferError as exc:
        fail(str(exc), 1)
    except (ConnectionError, LookupError) as exc:
        fail(str(exc), 1)
    for table, rows in report.rows.items():
        console.print(f"  {table}: {rows} row(s)", highlight=False)
    for skipped in report.skipped:
        console.print(f"  [yellow]not copied:[/] {skipped}", highlight=False)
    where = url.split("@")[-1]
    console.print(
        f"copied {report.total} row(s) of {len(report.rows)} table(s) from {path} to {where}; "
        f"run the app with --db {url}",
        highlight=False,
        markup=False,
    )

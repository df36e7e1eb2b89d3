"""What the ``accord`` commands share: the console, one-line errors and opening a database."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from accord.loading import APP_FORMS
from accord.store import is_postgres_url
from accord.store.base import Store
from accord.store.sqlite import SqliteStore

__all__ = [
    "DEFAULT_DB",
    "AppArgument",
    "DbOption",
    "StoreOption",
    "console",
    "fail",
    "open_log",
    "open_store",
    "require_database",
]

# Wide when piped (logs, CI, tests) so trees and tables are not cut at 80 columns.
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)

DbOption = Annotated[
    Path, typer.Option("--db", help="The app's SQLite database file (the engine's log).")
]
DEFAULT_DB = Path("accord.db")

StoreOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="ACCORD_DB",
        help="The app's database: a SQLite file, or a postgresql:// URL (a schema other than "
        "the default with ?options=-csearch_path%3DNAME). Default: $ACCORD_DB, else accord.db.",
    ),
]

AppArgument = Annotated[
    str,
    typer.Argument(
        metavar="APP",
        help=f"The app: {APP_FORMS}; e.g. examples.realworld.app:app or examples/broken.",
        show_default=False,
    ),
]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` on one line to stderr and exit (2: the input was wrong)."""
    Console(stderr=True, soft_wrap=True, highlight=False).print(f"[red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def require_database(db: Path) -> None:
    """Exit with a one-line error unless ``db`` is a readable SQLite database file."""
    if not db.exists():
        fail(f"no database at {db}; pass the app's file with --db PATH")
    if not db.is_file():
        fail(f"{db} is a {'folder' if db.is_dir() else 'special file'}, not a database file")
    try:
        with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            conn.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        reason = "not a SQLite database" if "not a database" in str(exc) else str(exc)
        fail(f"cannot read {db}: {reason}")


@contextmanager
def open_log(db: str) -> Iterator[Store]:
    """Open an existing app database, a SQLite file or a ``postgresql://`` URL, for reading
    its log (closed on exit), or exit 2 saying what is wrong."""
    if is_postgres_url(db):
        with _open_postgres(db) as shared:
            yield shared
    else:
        with open_store(Path(db)) as embedded:
            yield embedded


@contextmanager
def open_store(db: Path) -> Iterator[SqliteStore]:
    """Open an existing app database (closed on exit), or exit 2 saying what is wrong."""
    require_database(db)
    with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        has_log = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'actions'"
        ).fetchone()
    if not has_log:
        fail(f"{db} is a SQLite database but not an accord app's: it has no action log")
    store = SqliteStore(db)
    store.open()
    try:
        yield store
    finally:
        store.close()


@contextmanager
def _open_postgres(url: str) -> Iterator[Store]:
    from accord.store.postgres import PostgresStore  # psycopg only when asked for

    store = PostgresStore(url)
    try:
        store.attach()
    except (ConnectionError, LookupError) as exc:
        fail(str(exc))
    try:
        yield store
    finally:
        store.close()

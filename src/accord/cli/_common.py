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

from accord.app import App
from accord.loading import APP_FORMS
from accord.store import database as parse_database
from accord.store import is_postgres_url
from accord.store.base import Store
from accord.store.sqlite import SqliteStore

__all__ = [
    "DEFAULT_DB",
    "AppArgument",
    "ConceptsOption",
    "DbOption",
    "StoreOption",
    "console",
    "database",
    "fail",
    "missing_table",
    "open_log",
    "open_store",
    "parse_concepts",
    "reach",
    "require_database",
    "sqlite_only",
]

# Wide when piped (logs, CI, tests) so trees and tables are not cut at 80 columns.
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)

DEFAULT_DB = "accord.db"

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="ACCORD_DB",
        help="The app's database: a SQLite file, or a postgresql:// URL (a schema other than "
        "the default with ?options=-csearch_path%3DNAME). Default: $ACCORD_DB, else accord.db.",
    ),
]
StoreOption = DbOption  # the same option, by the name the log readers used first


AppArgument = Annotated[
    str,
    typer.Argument(
        metavar="APP",
        help=f"The app: {APP_FORMS}; e.g. examples.realworld.app:app or examples/broken.",
        show_default=False,
    ),
]


ConceptsOption = Annotated[
    str | None,
    typer.Option(
        metavar="A,B",
        help="PostgreSQL: run only these concepts' actions (comma-separated); the other "
        "actions of the flows this process holds are run by workers that serve them.",
    ),
]


def parse_concepts(concepts: str | None, spec: str, app: App) -> frozenset[str] | None:
    """The concepts a ``--concepts A,B`` value names, or exit 2 naming the unknown ones."""
    if concepts is None:
        return None
    served = frozenset(name.strip() for name in concepts.split(",") if name.strip())
    known = {c.name for c in app.concepts}
    unknown = sorted(served - known)
    if not served or unknown:
        fail(
            f"--concepts {concepts}: no concept {', '.join(unknown) or '(none given)'} in "
            f"{spec}; its concepts are {', '.join(sorted(known))}"
        )
    return served


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


def database(db: str | Path) -> str:
    """A ``--db`` value as the stores take it (:func:`accord.store.database`), or exit 2
    saying what to pass."""
    try:
        return parse_database(db)
    except ValueError as exc:
        fail(str(exc))


def reach(url: str) -> None:
    """Exit 1 with one line unless the PostgreSQL server at ``url`` answers."""
    from accord.store.postgres import PostgresStore  # psycopg only when asked for

    try:
        PostgresStore(url).connect().close()
    except (ConnectionError, LookupError) as exc:
        fail(str(exc), 1)


def sqlite_only(db: str, command: str) -> Path:
    """The SQLite file of a command that reads one only; a one-line refusal for a URL."""
    value = database(db)
    if is_postgres_url(value):
        where = value.split("@")[-1]
        fail(
            f"{command} reads an embedded SQLite database only (for now), not {where}; "
            "run it on the app's SQLite file"
        )
    return Path(value)


def missing_table(exc: BaseException) -> bool:
    """Whether a read failed because a table does not exist (on SQLite or PostgreSQL)."""
    if isinstance(exc, sqlite3.OperationalError):
        return "no such table" in str(exc)
    return type(exc).__name__ == "UndefinedTable"


@contextmanager
def open_log(db: str | Path) -> Iterator[Store]:
    """Open an existing app database, a SQLite file or a ``postgresql://`` URL, for reading
    its log and posting to its inbox (closed on exit), or exit 2 saying what is wrong."""
    value = database(db)
    if is_postgres_url(value):
        with _open_postgres(value) as shared:
            yield shared
    else:
        with open_store(Path(value)) as embedded:
            yield embedded


@contextmanager
def open_store(db: Path) -> Iterator[SqliteStore]:
    """Open an existing SQLite app database (closed on exit), or exit 2 saying what is wrong."""
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

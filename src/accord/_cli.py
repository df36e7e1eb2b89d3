"""What the ``accord`` commands share: the console and opening an app's database."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from accord.store.sqlite import SqliteStore

__all__ = ["DEFAULT_DB", "DbOption", "console", "open_store"]

# Wide when piped (logs, CI, tests) so trees and tables are not cut at 80 columns.
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)


DbOption = Annotated[Path, typer.Option("--db", help="The app's SQLite database file.")]
DEFAULT_DB = Path("accord.db")


@contextmanager
def open_store(db: Path) -> Iterator[SqliteStore]:
    """Open an existing database (closed on exit), or exit 2 naming the missing file."""
    if not db.exists():
        console.print(f"[red]error:[/] no database at {db}; pass the app's file with --db PATH")
        raise typer.Exit(2)
    store = SqliteStore(db)
    store.open()
    try:
        yield store
    finally:
        store.close()

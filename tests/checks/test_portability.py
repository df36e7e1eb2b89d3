"""``accord check`` names SQL in a concept that SQLite or PostgreSQL cannot run."""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from accord.checks.portable_sql import unportable
from accord.checks.sql import check_portability
from accord.cli import app as cli

APP = Path(__file__).parent / "portable_app"


def _concepts() -> list[object]:
    sys.path.insert(0, str(APP))
    try:
        from ledger import Journal, Ledger  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(APP))
    return [Ledger(), Journal()]


def test_each_construct_is_named_with_its_line_store_and_alternative() -> None:
    found = [(v.concept, v.line, v.message) for v in check_portability(_concepts())]  # type: ignore[arg-type]
    assert [(c, line) for c, line, _ in found] == [
        ("Ledger", 16),  # COLLATE NOCASE in the schema
        ("Ledger", 23),  # INSERT OR REPLACE
        ("Ledger", 25),  # last_insert_rowid()
        ("Ledger", 26),  # rowid, in a module constant the class uses
        ("Ledger", 28),  # json_group_array in an f-string
        ("Journal", 34),  # SERIAL
        ("Journal", 39),  # a :: cast
        ("Journal", 39),  # psycopg's %s
        ("Journal", 41),  # ILIKE
        ("Journal", 41),  # $1
    ]
    messages = "\n".join(m for _, _, m in found)
    assert (
        "Ledger: INSERT OR REPLACE (SQLite's replace-on-conflict) runs on SQLite only; "
        "portable: INSERT ... ON CONFLICT (key) DO UPDATE SET col = excluded.col"
    ) in messages
    assert "last_insert_rowid (SQLite's last row id) runs on SQLite only; portable: " in messages
    assert "Journal: SERIAL (a PostgreSQL serial type) runs on PostgreSQL only" in messages
    assert "ILIKE (PostgreSQL's ILIKE) runs on PostgreSQL only; portable: lower(col) LIKE" in (
        messages
    )
    assert "$1 (a numbered parameter) runs on PostgreSQL only; portable: ? (or :name)" in messages


def test_values_comments_and_what_the_store_translates_are_not_reported() -> None:
    assert unportable("SELECT body FROM t WHERE body = 'rowid::text' -- ORDER BY rowid") == []
    translated = (
        "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT) "
        "WITHOUT ROWID",
        "INSERT OR IGNORE INTO t (user) VALUES (?)",
        "INSERT INTO t (id, user) VALUES (:id, :user) ON CONFLICT (id) DO UPDATE SET "
        "user = excluded.user RETURNING id",
        "SELECT name FROM sqlite_master WHERE type = 'table'",
        "PRAGMA database_list",
    )
    assert [unportable(sql) for sql in translated] == [[]] * len(translated)


def test_accord_check_fails_naming_them() -> None:
    result = CliRunner().invoke(cli, ["check", str(APP)])
    assert result.exit_code == 1, result.output
    assert "ledger.py:23" in result.output and "INSERT OR REPLACE" in result.output
    assert "ILIKE" in result.output


def test_the_bundled_concepts_are_portable() -> None:
    from examples.intake.app import build_app
    from examples.realworld.app import build

    from accord.concepts.drift import Drift
    from accord.concepts.extracting import Extracting
    from accord.concepts.requesting import Requesting
    from accord.concepts.reviewing import Reviewing

    # The check reads classes, not instances: built without their constructors' arguments.
    bundled = [cls.__new__(cls) for cls in (Reviewing, Requesting, Extracting, Drift)]
    concepts = [*build().concepts, *build_app(("test:a",)).concepts, *bundled]
    assert check_portability(concepts) == []

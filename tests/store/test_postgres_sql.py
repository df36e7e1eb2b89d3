"""Concept SQL written for SQLite runs on PostgreSQL: what the store translates, for real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accord.store.postgres import PostgresDb, PostgresStore

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, "
    "body TEXT NOT NULL, score REAL, flag BOOLEAN, blob BLOB, UNIQUE (user, body)) WITHOUT ROWID",
)


@pytest.fixture
def db(pg_url: str, pg_schema: str) -> Iterator[PostgresDb]:
    store = PostgresStore(pg_url, schema=pg_schema)
    store.open(SCHEMA)
    try:
        yield store.reader()
    finally:
        store.close()


def test_question_marks_and_percents_inside_literals_are_left_alone(db: PostgresDb) -> None:
    db.execute("INSERT INTO notes (user, body) VALUES (?, 'why? 100%')", ("ada",))
    row = db.one("SELECT body FROM notes WHERE body LIKE 'why?%' AND user = ?", ("ada",))
    assert row == {"body": "why? 100%"}


def test_named_parameters_and_casts(db: PostgresDb) -> None:
    db.execute(
        "INSERT INTO notes (user, body, score) VALUES (:u, :b, :s)", {"u": "a", "b": "x", "s": 1.5}
    )
    assert db.one("SELECT score::text AS s FROM notes WHERE user = :u", {"u": "a"}) == {"s": "1.5"}


def test_insert_or_ignore_skips_a_duplicate_and_returning_still_works(db: PostgresDb) -> None:
    first = db.one(
        "INSERT OR IGNORE INTO notes (user, body) VALUES (?, ?) RETURNING id", ("a", "x")
    )
    again = db.one(
        "INSERT OR IGNORE INTO notes (user, body) VALUES (?, ?) RETURNING id", ("a", "x")
    )
    assert first is not None and isinstance(first["id"], int)
    assert again is None
    assert db.all("SELECT count(*) AS n FROM notes") == [{"n": 1}]


def test_values_come_back_as_sqlite_returns_them(db: PostgresDb) -> None:
    big = 2**40  # beyond PostgreSQL's INTEGER: the column is BIGINT
    db.executemany(
        "INSERT INTO notes (id, user, body, score, flag, blob) VALUES (?, ?, ?, ?, ?, ?)",
        [(big, "a", "x", 0.1, True, b"\x00\xff"), (big + 1, "a", "y", 0.2, False, None)],
    )
    rows = db.all("SELECT id, score, flag, blob FROM notes ORDER BY id")
    assert rows == [
        {"id": big, "score": 0.1, "flag": 1, "blob": b"\x00\xff"},  # a double, not a float4
        {"id": big + 1, "score": 0.2, "flag": 0, "blob": None},
    ]
    assert db.one("SELECT SUM(id) AS s FROM notes") == {"s": 2 * big + 1}  # an int, not Decimal


def test_a_column_named_user_is_the_column_not_the_session_role(db: PostgresDb) -> None:
    db.execute("INSERT INTO notes (user, body) VALUES (?, ?)", ("ada", "x"))
    assert db.one("SELECT user FROM notes") == {"user": "ada"}


def test_portable_upsert_with_the_table_name(db: PostgresDb) -> None:
    sql = (
        "INSERT INTO notes (user, body, score) VALUES (?, ?, 1) "
        "ON CONFLICT (user, body) DO UPDATE SET score = notes.score + excluded.score"
    )
    db.execute(sql, ("a", "x"))
    db.execute(sql, ("a", "x"))
    assert db.one("SELECT score FROM notes") == {"score": 2.0}


def test_an_upsert_written_for_sqlite_reads_the_existing_row(db: PostgresDb) -> None:
    sql = (
        "INSERT INTO notes (user, body, score) VALUES (?, ?, 1) "
        "ON CONFLICT (user, body) DO UPDATE SET score = COALESCE(score, 0) + 10 "
        "WHERE score < 100 RETURNING score"
    )
    assert db.one(sql, ("a", "x")) == {"score": 1.0}
    assert db.one(sql, ("a", "x")) == {"score": 11.0}


def test_an_integer_primary_key_is_numbered_by_the_database(pg_url: str, pg_schema: str) -> None:
    store = PostgresStore(pg_url, schema=pg_schema)
    store.open(("CREATE TABLE IF NOT EXISTS lines (line INTEGER PRIMARY KEY, body TEXT NOT NULL)",))
    try:
        db = store.reader()
        first = db.one("INSERT INTO lines (body) VALUES (?) RETURNING line", ("a",))
        second = db.one("INSERT INTO lines (body) VALUES (?) RETURNING line", ("b",))
        assert first is not None and second is not None
        assert second["line"] == first["line"] + 1
    finally:
        store.close()


def test_the_database_file_of_a_server_is_none(db: PostgresDb) -> None:
    # What a concept keeping keys beside the database file asks (RealWorld's JWT).
    assert db.all("PRAGMA database_list") == []  # no file: unlike an in-memory SQLite database

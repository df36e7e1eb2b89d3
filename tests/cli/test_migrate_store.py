"""``accord migrate-store``: an app's SQLite history moves to PostgreSQL and reads the same."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.test_postgres_commands import accord, open_items, run_intake, schema_url
from tests.store.pg_server import fresh_schema, server_url

from accord.store.sqlite import SqliteStore


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with server_url() as url:
        yield url


@pytest.fixture
def target(pg_url: str) -> Iterator[str]:
    with fresh_schema(pg_url) as schema:
        yield schema_url(pg_url, schema)


def history(db: str) -> list[str]:
    """What `accord flows` and `accord trace` say of every flow, and the review queue."""
    code, listing = accord("flows", "--db", db, "--limit", "1000")
    assert code == 0, listing
    said = [listing]
    for flow in re.findall(r"^│ (\d+) +│ ", listing, re.MULTILINE):
        code, trace = accord("trace", flow, "--db", db)
        assert code == 0, trace
        said.append(trace)
    code, queue = accord("review", "list", "--db", db)
    return [*said, queue]


def test_flows_traces_and_state_read_the_same_after_the_move(tmp_path: Path, target: str) -> None:
    db = str(tmp_path / "intake.db")
    run_intake(db, limit=8)
    code, out = accord("review", "reject", open_items(db)[0], "--db", db, "--reason", "spam")
    assert code == 0, out  # a decision still waiting in the inbox moves too
    before = history(db)
    assert len(before) == 10  # the list, 8 traces, the queue

    code, out = accord("migrate-store", "--from", f"sqlite:{db}", "--to", target)
    assert code == 0, out
    assert "actions: 40 row(s)" in out and "review_items: 3 row(s)" in out
    assert "inbox: 1 row(s)" in out and "customers: 5 row(s)" in out

    assert history(target) == before
    # The app goes on on PostgreSQL as it would have on the file: the 8 messages are known
    # (concept state moved), the waiting decision is applied, two new messages get flows.
    for where in (target, db):
        out = run_intake(where, limit=10)
        assert "resumed: 8 message(s) were already received earlier" in out
        code, listing = accord("flows", "--db", where, "--limit", "100")
        assert listing.count("Inbox/receive") == 10 and "running" not in listing
    assert open_items(target) == open_items(db)
    assert len(open_items(db)) >= 2


def test_a_target_that_holds_data_is_refused(tmp_path: Path, target: str) -> None:
    db = str(tmp_path / "intake.db")
    run_intake(db, limit=2)
    code, out = accord("migrate-store", "--from", db, "--to", target)
    assert code == 0, out
    code, out = accord("migrate-store", "--from", db, "--to", target)
    assert code == 1
    assert "already holds rows in the target; copy into an empty schema" in out


def test_a_source_in_use_is_refused(tmp_path: Path, target: str) -> None:
    db = tmp_path / "intake.db"
    run_intake(str(db), limit=1)
    engine = SqliteStore(db)
    engine.claim()
    try:
        code, out = accord("migrate-store", "--from", str(db), "--to", target)
    finally:
        engine.close()
    assert code == 1 and "is in use by another engine" in out


@pytest.mark.parametrize(
    ("source", "to", "said"),
    [
        ("nothing-here.db", "TARGET", "no SQLite database at nothing-here.db"),
        ("x.db", "other.db", "--to other.db: pass a postgresql://"),
        ("TARGET", "TARGET", "--from takes the SQLite database to copy"),
        ("x.db", "mysql://db/app", "unknown database scheme 'mysql'"),
    ],
)
def test_bad_arguments_are_one_line(source: str, to: str, said: str, target: str) -> None:
    args = [a.replace("TARGET", target) for a in ("--from", source, "--to", to)]
    code, out = accord("migrate-store", *args)
    assert code in (1, 2) and said in out and "Traceback" not in out

"""Concept migrations: an old database upgraded in place, a newer one refused, a failing
migration leaving the database as it was, and ``accord migrate``."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from accord import App, migration
from accord.cli import app as cli
from accord.concepts.requesting import Requesting
from accord.engine import Engine
from accord.migrations import MigrationError
from accord.state import Db

from .isolated_app import Stock
from .migrating import tickets_v0, tickets_v2

HERE = Path(__file__).parent


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _snapshot(db: Path) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        tables = [n for t, n, _ in schema if t == "table" and not n.startswith("sqlite_")]
        return {
            "schema": schema,
            **{t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables},
        }


def _old_database(path: Path, tickets: int = 3) -> None:
    async def fill() -> None:
        async with Engine(tickets_v0.app, path) as engine:
            for i in range(tickets):
                root = await engine.invoke(
                    tickets_v0.Tickets.open, ticket=f"t{i}", title=f"  title {i} ", body="b"
                )
                await engine.completion(root.id, timeout=10)

    asyncio.run(fill())


def test_an_old_database_is_upgraded_in_place_keeping_every_row(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    _old_database(db)
    actions_before = _rows(db, "SELECT id, output FROM actions ORDER BY id")

    async def upgraded() -> list[dict[str, Any]]:
        async with Engine(tickets_v2.app, db) as engine:
            root = await engine.invoke(
                tickets_v2.Tickets.open, ticket="t9", title="new", body="b", priority=1
            )
            done = await engine.completion(root.id, timeout=10)
            assert done.output == {"ticket": "t9"}  # not "5 columns but 6 values supplied"
            return engine.query(tickets_v2.Tickets.all)

    assert asyncio.run(upgraded()) == [
        {"ticket": "t0", "title": "title 0", "priority": 3},
        {"ticket": "t1", "title": "title 1", "priority": 3},
        {"ticket": "t2", "title": "title 2", "priority": 3},
        {"ticket": "t9", "title": "new", "priority": 1},
    ]
    assert _rows(db, "SELECT concept, version FROM accord_concepts") == [("Tickets", 2)]
    assert _rows(db, "SELECT id, output FROM actions ORDER BY id")[:3] == actions_before
    # Started again, nothing is pending: the migrations do not run twice.
    snapshot = _snapshot(db)
    _start(db)
    assert _snapshot(db) == snapshot


async def _start_engine(db: Path, app: App) -> None:
    async with Engine(app, db):
        pass


def _start(db: Path, app: App | None = None) -> None:
    asyncio.run(_start_engine(db, app or tickets_v2.app))


def test_a_fresh_database_is_created_at_the_codes_version(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    _start(db)
    assert _rows(db, "SELECT concept, version FROM accord_concepts") == [("Tickets", 2)]
    columns = [r[1] for r in _rows(db, "PRAGMA table_info(tickets)")]
    assert columns[-1] == "priority"


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    _start(db)
    before = _snapshot(db)
    with pytest.raises(MigrationError) as refused:
        _start(db, tickets_v0.app)
    assert str(refused.value) == (
        f"database {db} holds Tickets at version 2, but this code knows versions up to 0: it "
        "was written by newer code; run that code, or restore a backup made before the upgrade"
    )
    assert _snapshot(db) == before


def test_a_failing_migration_leaves_the_database_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    _old_database(db)
    before = _snapshot(db)

    def explode(db: Db) -> None:
        db.execute("UPDATE tickets SET title = 'changed'")
        raise ValueError("backfill found a ticket without a body")

    class Tickets(tickets_v2.Tickets):
        migrations = (
            migration(1, "ALTER TABLE tickets ADD COLUMN priority INTEGER NOT NULL DEFAULT 3"),
            migration(2, explode),
        )

    with pytest.raises(MigrationError, match=r"migration 2 .* failed: ValueError: backfill"):
        _start(db, App([Tickets()]))
    assert _snapshot(db) == before


def test_a_migration_cannot_touch_another_concepts_tables(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    _start(db, App([Stock(), tickets_v0.Tickets()]))

    class Tickets(tickets_v0.Tickets):
        migrations = (migration(1, "DELETE FROM stock_levels"),)

    with pytest.raises(MigrationError, match="Tickets may not write table stock_levels"):
        _start(db, App([Stock(), Tickets()]))


def test_migrations_must_be_numbered_in_order(tmp_path: Path) -> None:
    class Tickets(tickets_v0.Tickets):
        migrations = (migration(2, "SELECT 1"),)

    with pytest.raises(MigrationError, match=r"numbered 1, 2, 3\.\.\. in order; found version 2"):
        _start(tmp_path / "app.db", App([Tickets()]))


def test_requesting_upgrades_a_database_from_before_idempotency_keys(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    # The schema Requesting had before Idempotency-Key support (commit 81f1850).
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE requesting_requests (request TEXT PRIMARY KEY, method TEXT NOT NULL, "
            "path TEXT NOT NULL, status INTEGER, received_at REAL NOT NULL, answered_at REAL)"
        )
        conn.execute("INSERT INTO requesting_requests VALUES ('r1', 'GET', '/a', 200, 1.0, 2.0)")
    _start(db, App([Requesting(["GET /a"])]))
    assert _rows(db, "SELECT concept, version FROM accord_concepts") == [("Requesting", 1)]
    assert _rows(db, "SELECT request, status FROM requesting_requests") == [("r1", 200)]
    assert _rows(db, "SELECT COUNT(*) FROM requesting_idempotency") == [(0,)]


def test_a_database_made_just_before_versioning_is_stamped_without_change(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        for statement in Requesting.schema:
            conn.execute(statement)
    _start(db, App([Requesting(["GET /a"])]))
    assert _rows(db, "SELECT concept, version FROM accord_concepts") == [("Requesting", 1)]


def test_accord_migrate_shows_with_dry_run_then_applies(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    _old_database(db)
    before = _snapshot(db)
    target = str(HERE / "migrating" / "tickets_v2.py")
    runner = CliRunner()
    dry = runner.invoke(cli, ["migrate", target, "--db", str(db), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Tickets: version 0 -> 2" in dry.output
    assert "1: ALTER TABLE tickets ADD COLUMN priority INTEGER NOT NULL DEFAULT 3" in dry.output
    assert "2: trim titles" in dry.output
    assert "dry run: 2 migration(s) would run; nothing was changed" in dry.output
    assert _snapshot(db) == before
    done = runner.invoke(cli, ["migrate", target, "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert f"2 migration(s) applied to {db}" in done.output
    assert _rows(db, "SELECT concept, version FROM accord_concepts") == [("Tickets", 2)]
    again = runner.invoke(cli, ["migrate", target, "--db", str(db)])
    assert "Tickets: at version 2, up to date" in again.output


def test_accord_migrate_refuses_a_newer_database_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    _start(db)
    result = CliRunner().invoke(
        cli, ["migrate", str(HERE / "migrating" / "tickets_v0.py"), "--db", str(db)]
    )
    assert result.exit_code == 1
    assert "holds Tickets at version 2, but this code knows versions up to 0" in result.output
    assert "Traceback" not in result.output


def test_the_jwt_key_moves_from_its_old_table_to_the_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from examples.realworld.concepts.json_web_token import ENV, JWT

    from accord.web.keys import key_file

    monkeypatch.delenv(ENV, raising=False)
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:  # the JWT state before keys moved out (commit 81f1850)
        conn.execute("CREATE TABLE jwt_keys (id INTEGER PRIMARY KEY, key TEXT NOT NULL)")
        conn.execute("INSERT INTO jwt_keys VALUES (1, 'the-old-key')")
    jwt = JWT()
    _start(db, App([jwt]))
    assert jwt.key == "the-old-key"  # tokens issued before the upgrade stay valid
    assert key_file(db, "jwt").read_text().split() == ["the-old-key"]
    assert _rows(db, "SELECT name FROM sqlite_master WHERE name = 'jwt_keys'") == []
    assert _rows(db, "SELECT concept, version FROM accord_concepts") == [("JWT", 1)]

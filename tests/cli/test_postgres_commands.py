"""Every command that takes --db takes a postgresql:// URL (or ACCORD_DB) too.

The app is the intake with the scripted model (test:oracle), run on a schema of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from examples.intake.cli import app as intake
from tests.store.pg_server import fresh_schema, server_url
from typer.testing import CliRunner

from accord.cli.main import app

INTAKE = "examples.intake.app:app"


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with server_url() as url:
        yield url


def schema_url(server: str, schema: str) -> str:
    """The URL of ``schema`` on ``server`` (created here), as a user passes it to --db."""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    joiner = "&" if "?" in server else "?"
    return f"{server}{joiner}options=-csearch_path%3D{schema}"


def run_intake(url: str, limit: int = 8) -> str:
    result = CliRunner().invoke(
        intake, ["run", "--db", url, "--model", "test:oracle", "--limit", str(limit)]
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def intake_url(pg_url: str) -> Iterator[str]:
    """The URL of a schema holding the intake's log after 8 messages (3 go to review)."""
    with fresh_schema(pg_url) as schema:
        url = schema_url(pg_url, schema)
        run_intake(url)
        yield url


def accord(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def open_items(url: str) -> list[str]:
    code, out = accord("review", "list", "--db", url)
    assert code == 0, out
    return re.findall(r"│ (rv\d+) ", out)


def test_the_intake_runs_on_postgres_and_the_log_commands_read_it(intake_url: str) -> None:
    code, out = accord("flows", "--db", intake_url, "--limit", "50")
    assert code == 0, out
    assert out.count("Inbox/receive") == 8 and "running" not in out
    flow = int(re.findall(r"│ (\d+) +│ Inbox/receive", out)[-1])
    code, out = accord("trace", str(flow), env={"ACCORD_DB": intake_url})
    assert code == 0, out
    assert f"flow {flow}" in out and "Inbox/receive" in out and "Screening/screen" in out
    record = int(re.findall(r"#(\d+) Screening/screen", out)[0])
    code, out = accord("why", str(record), "--db", intake_url)
    assert code == 0, out
    assert "because sync" in out and "root action (external stimulus)" in out


def test_review_decisions_on_postgres_reach_the_intake(intake_url: str) -> None:
    items = open_items(intake_url)
    assert len(items) == 3
    code, out = accord("review", "show", items[0], "--db", intake_url)
    assert code == 0, out
    assert f"{items[0]} (open)" in out and "reason:" in out
    code, out = accord("review", "reject", items[0], "--db", intake_url, "--reason", "spam")
    assert code == 0, out
    assert "posted to the app" in out
    # The decision waits in the inbox until the app runs; the next run applies it.
    assert open_items(intake_url) == items
    run_intake(intake_url)
    assert open_items(intake_url) == items[1:]
    code, out = accord("review", "show", items[0], "--db", intake_url)
    assert f"{items[0]} (rejected)" in out
    code, out = accord("review", "approve", items[0], "--db", intake_url)
    assert code == 1 and "already rejected" in out


def test_migrate_runs_on_postgres(intake_url: str) -> None:
    code, out = accord("migrate", INTAKE, "--db", intake_url, "--dry-run")
    assert code == 0, out
    assert "dry run: 0 migration(s) would run" in out
    code, out = accord("migrate", INTAKE, "--db", intake_url)
    assert code == 0, out
    assert "0 migration(s) applied" in out


def test_a_database_without_a_review_queue_says_so(pg_url: str) -> None:
    with fresh_schema(pg_url) as schema:
        url = schema_url(pg_url, schema)
        code, out = accord("migrate", "tests.store.worker_app:app", "--db", url)
        assert code == 0, out
        code, out = accord("review", "list", "--db", url)
        assert code == 2 and "has no review queue" in out


@pytest.mark.parametrize(
    "command",
    [
        ["drift", "check", "--baseline", "b"],
        ["log", "compact"],
        ["console", INTAKE],
    ],
)
def test_commands_on_sqlite_only_refuse_a_url_in_one_line(
    command: list[str], intake_url: str
) -> None:
    code, out = accord(*command, "--db", intake_url)
    assert code == 2
    assert "reads an embedded SQLite database only" in out and "Traceback" not in out


@pytest.mark.parametrize(
    "command",
    [
        ["flows"],
        ["trace", "1"],
        ["why", "1"],
        ["review", "list"],
        ["review", "show", "rv1"],
        ["review", "approve", "rv1"],
        ["review", "reject", "rv1"],
        ["migrate", INTAKE],
        ["worker", INTAKE],
        ["serve", INTAKE],
        ["drift", "check", "--baseline", "b"],
        ["log", "compact"],
        ["console", INTAKE],
    ],
)
def test_an_unknown_scheme_is_one_line_naming_it(command: list[str]) -> None:
    code, out = accord(*command, "--db", "mysql://app@db/app")
    assert code == 2
    assert "unknown database scheme 'mysql'" in out and "Traceback" not in out


@pytest.mark.parametrize(
    "command",
    [
        ["flows"],
        ["trace", "1"],
        ["review", "list"],
        ["review", "approve", "rv1"],
        ["migrate", INTAKE],
        ["worker", INTAKE],
        ["serve", INTAKE],
    ],
)
def test_an_unreachable_server_is_one_line_naming_it(command: list[str]) -> None:
    code, out = accord(*command, env={"ACCORD_DB": "postgresql://nobody@127.0.0.1:9/none"})
    assert code in (1, 2)
    assert "cannot connect to postgresql://nobody@127.0.0.1:9/none" in out
    assert "Traceback" not in out


def test_the_intake_refuses_an_unreachable_server_in_one_line() -> None:
    result = CliRunner().invoke(
        intake, ["run", "--db", "postgresql://nobody@127.0.0.1:9/none", "--model", "test:oracle"]
    )
    assert result.exit_code == 1
    assert "cannot connect to postgresql://nobody@127.0.0.1:9/none" in result.output


def test_a_sqlite_url_names_a_file(tmp_path: object) -> None:
    code, out = accord("flows", "--db", "sqlite:/no/such/dir/app.db")
    assert code == 2 and "no database at /no/such/dir/app.db" in out

"""The commands that read the log take a postgresql:// URL (or ACCORD_DB) as --db."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from accord.engine import Engine
from accord.store.postgres import PostgresStore

from . import worker_app
from .worker_app import STEPS, Work


@pytest.fixture
async def log_url(pg_url: str, pg_schema: str) -> str:
    """A schema holding the log of two finished flows, and the URL that selects it."""
    async with Engine(worker_app.build(), store=PostgresStore(pg_url, schema=pg_schema)) as e:
        for key in ("a", "b"):
            await e.invoke(Work.step, key=key, n=0)
        await e.idle()
    joiner = "&" if "?" in pg_url else "?"
    return f"{pg_url}{joiner}options=-csearch_path%3D{pg_schema}"


def test_flows_trace_and_why_read_a_postgres_log(log_url: str) -> None:
    runner = CliRunner()
    flows = runner.invoke(app, ["flows", "--db", log_url])
    assert flows.exit_code == 0, flows.output
    assert flows.output.count("Work/step") == 2 and "done" in flows.output
    trace = runner.invoke(app, ["trace", "1", "--db", log_url])
    assert trace.exit_code == 0, trace.output
    assert trace.output.count("Work/") == STEPS and "to_last" in trace.output
    why = runner.invoke(app, ["why", "2"], env={"ACCORD_DB": log_url})
    assert why.exit_code == 0, why.output
    assert "because sync to_think matched" in why.output


def test_a_database_without_a_log_is_one_line_naming_it(pg_url: str, pg_schema: str) -> None:
    joiner = "&" if "?" in pg_url else "?"
    url = f"{pg_url}{joiner}options=-csearch_path%3D{pg_schema}_none"
    result = CliRunner().invoke(app, ["flows", "--db", url])
    assert result.exit_code == 2
    assert "no schema in the search_path exists" in result.output
    assert "Traceback" not in result.output


def test_a_worker_refuses_a_sqlite_file() -> None:
    result = CliRunner().invoke(app, ["worker", "tests.store.worker_app:app", "--db", "x.db"])
    assert result.exit_code == 2
    assert "accord worker needs --db postgresql://" in result.output

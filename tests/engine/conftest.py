"""Fixtures of the engine tests: the listed modules run on SQLite and on PostgreSQL.

The PostgreSQL server is the one tests/store/pg_server.py finds or starts; each test gets
schemas of its own, dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from tests.store.pg_server import drop_schema, fresh_schema, server_url

from . import support

# Modules whose tests go through support.running()/stored_rows() only: they run on both stores.
BOTH_STORES = {
    "test_chains",
    "test_counting",
    "test_joins",
    "test_where",
    "test_plain_json",
    "test_requests",
    "test_determinism",
    "test_restart",
    "test_runtime",
    "test_sent_ahead",
}

# Tests that read the log with SQLite's own SQL (json_extract): SQLite only.
SQLITE_ONLY = {"test_stopping_while_batches_commit_loses_nothing_and_never_crashes"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if module in BOTH_STORES and metafunc.function.__name__ not in SQLITE_ONLY:
        metafunc.parametrize("store_kind", ["sqlite", "postgres"], indirect=True)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with server_url() as url:
        yield url


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[str]:
    with fresh_schema(pg_url) as schema:
        yield schema


@pytest.fixture(autouse=True)
def store_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    kind: str = getattr(request, "param", "sqlite")
    if kind != "postgres":
        yield kind
        return
    url: str = request.getfixturevalue("pg_url")
    backend = support.PostgresBackend(url, f"t_{uuid.uuid4().hex[:12]}")
    support.BACKEND = backend
    try:
        yield kind
    finally:
        support.BACKEND = None
        for schema in backend.schemas.values():
            drop_schema(url, schema)

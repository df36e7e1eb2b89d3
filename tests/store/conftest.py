"""Fixtures of the store tests: a PostgreSQL server and a schema of its own per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.store.pg_server import fresh_schema, server_url


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with server_url() as url:
        yield url


@pytest.fixture
def pg_schema(pg_url: str) -> Iterator[str]:
    with fresh_schema(pg_url) as schema:
        yield schema

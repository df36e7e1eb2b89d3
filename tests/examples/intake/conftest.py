"""Fixtures for the intake app's flow tests: scripted models, a fresh engine, data set rows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
INTAKE_DIR = ROOT / "examples" / "intake"
DATA_DIR = INTAKE_DIR / "data"

from examples.intake.app import build_app  # noqa: E402
from tests.store.pg_server import database  # noqa: E402

from accord.engine import Engine  # noqa: E402
from accord.llm import Policy, ScriptedModel, register_test_model  # noqa: E402
from accord.llm.models.test import Step  # noqa: E402

CHAIN = ("test:primary", "test:fallback")
FAST = Policy(timeout=5.0, backoff_base=0.0, backoff_max=0.0)


def _rows(path: Path) -> dict[str, dict[str, Any]]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {row["id"]: row for row in rows}


MESSAGES = _rows(DATA_DIR / "messages.jsonl")
EXPECTED = _rows(DATA_DIR / "expected.jsonl")


Script = Callable[..., tuple[ScriptedModel, ScriptedModel]]


@pytest.fixture
def script() -> Script:
    """``script(primary=[...], fallback=[...])`` registers the two models of the chain."""

    def register(
        primary: Iterable[Step] = (), fallback: Iterable[Step] = ()
    ) -> tuple[ScriptedModel, ScriptedModel]:
        first = ScriptedModel(primary, name="test:primary")
        second = ScriptedModel(fallback, name="test:fallback")
        register_test_model("primary", first)
        register_test_model("fallback", second)
        return first, second

    return register


@pytest.fixture(params=["sqlite", "postgres"])
def intake_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The app's database: a SQLite file, or a schema of the test PostgreSQL server."""
    with database(request.param, tmp_path / "intake.db") as db:
        yield db


@pytest.fixture
async def engine(intake_db: str) -> AsyncIterator[Engine]:
    """A started, deterministic engine running the intake app on a fresh database, on each
    store."""
    async with Engine(build_app(CHAIN, policy=FAST), intake_db, deterministic=True) as running:
        yield running

"""A slice of the bundled data through the embedded model: whatever it answers, only
schema-valid records are stored and every message reaches an outcome."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from examples.intake.messages import IncomingMessage, read_messages
from examples.intake.run import run_intake
from examples.intake.schema import CustomerRecord

from accord.llm.models import _llama

from .conftest import DATA_DIR

pytestmark = pytest.mark.slow


def _embedded_model_ready() -> bool:
    if not _llama.available():
        return False
    try:
        _llama.smollm2_path()
    except FileNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _embedded_model_ready(), reason="run `make local-model` first")
def test_slice_with_the_embedded_model_stores_only_valid_records(tmp_path: Path) -> None:
    messages = [
        m for m in read_messages(DATA_DIR / "messages.jsonl") if isinstance(m, IncomingMessage)
    ][:5]
    db = tmp_path / "intake.db"
    result = asyncio.run(run_intake(db, messages, ["local:smollm2"]))
    assert [o.message for o in result.outcomes] == [m.id for m in messages]
    assert {o.outcome for o in result.outcomes} <= {"stored", "review", "rejected"}
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT record FROM customers").fetchall()
        calls = conn.execute("SELECT COUNT(*) FROM llm_attempts").fetchone()[0]
    assert calls > 0  # the model was really asked
    for (record,) in rows:
        CustomerRecord.model_validate_json(record)

"""Fixtures for the intake example's data set: the two JSONL files, loaded once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

INTAKE_DIR = Path(__file__).resolve().parents[4] / "examples" / "intake"
DATA_DIR = INTAKE_DIR / "data"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{path.name} line {number} is not JSON: {exc}") from None
        assert isinstance(row, dict), f"{path.name} line {number} is not a JSON object"
        rows.append(row)
    return rows


@pytest.fixture(scope="session")
def messages() -> list[dict[str, Any]]:
    return _read_jsonl(DATA_DIR / "messages.jsonl")


@pytest.fixture(scope="session")
def expected() -> list[dict[str, Any]]:
    return _read_jsonl(DATA_DIR / "expected.jsonl")


@pytest.fixture(scope="session")
def pairs(
    messages: list[dict[str, Any]], expected: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    by_id = {row["id"]: row for row in expected}
    return [(message, by_id[message["id"]]) for message in messages if message["id"] in by_id]

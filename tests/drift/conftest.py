"""Real SQLite files with synthetic LLM calls: a baseline period, then a stable or drifted one."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.drift.synthetic import SyntheticShape

from ._data import DRIFTED, make_db


@pytest.fixture
def stable_db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "stable.db", SyntheticShape())


@pytest.fixture
def drifted_db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "drifted.db", DRIFTED)

"""What every workload in the engine benchmark reports."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

__all__ = ["SYNCHRONOUS", "Result", "fresh_db", "p50_ms", "sqlite_pragmas"]

# The one durability setting every engine runs under: WAL journal, fsync at every commit.
SYNCHRONOUS: Final[Literal["FULL"]] = "FULL"
_SYNCHRONOUS_CODES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


@dataclass(frozen=True, slots=True)
class Result:
    """One engine's run: ``flows`` flows of ``steps`` durable steps in ``seconds``."""

    name: str
    flows: int
    steps: int
    seconds: float
    latencies: list[float]  # seconds from start to durable end, one per flow
    durability: str  # the journal mode and synchronous setting actually in force

    @property
    def steps_per_s(self) -> float:
        return self.flows * self.steps / self.seconds

    @property
    def flows_per_s(self) -> float:
        return self.flows / self.seconds

    @property
    def p50_ms(self) -> float:
        return p50_ms(self.latencies)


def p50_ms(latencies: list[float]) -> float:
    return statistics.median(latencies) * 1000 if latencies else float("nan")


def fresh_db(db_dir: Path, name: str) -> Path:
    """A path in ``db_dir`` with no database (nor WAL or shared-memory file) left from a run."""
    db_dir.mkdir(parents=True, exist_ok=True)
    path = db_dir / name
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")
    return path


def sqlite_pragmas(conn: sqlite3.Connection) -> str:
    """The durability settings in force on ``conn``, as ``journal_mode=WAL synchronous=FULL``."""
    (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    (sync,) = conn.execute("PRAGMA synchronous").fetchone()
    return f"journal_mode={str(mode).upper()} synchronous={_SYNCHRONOUS_CODES.get(sync, sync)}"

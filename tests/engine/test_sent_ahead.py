"""Concept SQL keeps its meaning when a store sends writes ahead (PostgreSQL's pipeline mode).

Many flows run their actions in one batch; on PostgreSQL their one-row INSERTs are kept and sent
together. Errors still reach the action at the call, failed actions leave no state, reads see
the batch's own writes and row counts are exact: the same outcomes as on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from typing_extensions import TypedDict

from accord import App, Concept, Error, action, error

from .support import running, stored_rows

FLOWS = 40


class Saved(TypedDict):
    rows: int


class Seen(TypedDict):
    count: int


class Ledger(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, n INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS serial (position INTEGER NOT NULL, key TEXT NOT NULL)",
    )

    @action
    def add(self, key: str, n: int) -> Saved | Error:
        try:
            rows = self.db.execute("INSERT INTO entries (key, n) VALUES (?, ?)", (key, n))
        except Exception as exc:  # a duplicate key: the action decides what it means
            return error("duplicate", f"{key}: {type(exc).__name__}")
        return {"rows": rows}

    @action
    def add_then_fail(self, key: str) -> Saved:
        self.db.execute("INSERT INTO entries (key, n) VALUES (?, 0)", (key,))
        raise RuntimeError("failed after writing")

    @action
    def add_and_count(self, key: str) -> Seen:
        self.db.execute("INSERT INTO entries (key, n) VALUES (?, 1)", (key,))
        row = self.db.one("SELECT count(*) AS c FROM entries WHERE n = 1")
        assert row is not None
        return {"count": row["c"]}

    @action
    def enqueue(self, key: str) -> Saved:
        # Each row's subquery sees the rows inserted before it: positions 0, 1, 2...
        rows = self.db.execute(
            "INSERT INTO serial (position, key) VALUES ((SELECT count(*) FROM serial), ?)", (key,)
        )
        return {"rows": rows}

    @action
    def add_after_a_failed_read(self, key: str) -> Saved:
        with contextlib.suppress(Exception):  # the action goes on, and so does the batch
            self.db.one("SELECT * FROM no_such_table")
        return {"rows": self.db.execute("INSERT INTO entries (key, n) VALUES (?, 2)", (key,))}

    @action
    def bump(self, n: int) -> Saved:
        return {"rows": self.db.execute("UPDATE entries SET n = n + 1 WHERE n >= ?", (n,))}


def _app() -> App:
    return App([Ledger()], [])


async def _outputs(db: Path, calls: list[tuple[object, dict[str, object]]]) -> list[object]:
    async with running(_app(), db) as engine:
        records = await asyncio.gather(*(engine.invoke(a, **kw) for a, kw in calls))  # type: ignore[arg-type]
        done = [await engine.completion(r.id, timeout=30) for r in records]
        return [r.output for r in done]


def test_a_duplicate_key_reaches_the_action_at_the_call_and_the_others_are_kept(
    tmp_path: Path,
) -> None:
    calls: list[tuple[object, dict[str, object]]] = [
        (Ledger.add, {"key": f"k{i}", "n": i}) for i in range(FLOWS)
    ]
    calls.insert(FLOWS // 2, (Ledger.add, {"key": "k3", "n": -1}))
    outputs = asyncio.run(_outputs(tmp_path / "a.db", calls))
    assert outputs.count({"rows": 1}) == FLOWS
    assert outputs[FLOWS // 2] == {
        "error": {"kind": "duplicate", "message": outputs[FLOWS // 2]["error"]["message"]}  # type: ignore[index]
    }
    assert "k3:" in outputs[FLOWS // 2]["error"]["message"]  # type: ignore[index]
    rows = stored_rows(tmp_path / "a.db", "SELECT key, n FROM entries ORDER BY n")
    assert rows == [(f"k{i}", i) for i in range(FLOWS)]


def test_an_action_failing_after_writing_leaves_no_state_and_the_rest_commit(
    tmp_path: Path,
) -> None:
    calls: list[tuple[object, dict[str, object]]] = [
        (Ledger.add, {"key": f"k{i}", "n": i}) for i in range(FLOWS)
    ]
    calls.insert(7, (Ledger.add_then_fail, {"key": "lost"}))
    outputs = asyncio.run(_outputs(tmp_path / "b.db", calls))
    assert outputs[7]["error"]["kind"] == "internal"  # type: ignore[index]
    assert outputs.count({"rows": 1}) == FLOWS
    keys = stored_rows(tmp_path / "b.db", "SELECT key FROM entries")
    assert ("lost",) not in keys and len(keys) == FLOWS


def test_reads_see_the_writes_of_the_batch_before_them(tmp_path: Path) -> None:
    calls: list[tuple[object, dict[str, object]]] = [
        (Ledger.add_and_count, {"key": f"k{i}"}) for i in range(FLOWS)
    ]
    outputs = asyncio.run(_outputs(tmp_path / "c.db", calls))
    assert sorted(o["count"] for o in outputs) == list(range(1, FLOWS + 1))  # type: ignore[index]


def test_a_row_reading_its_table_sees_the_rows_inserted_before_it(tmp_path: Path) -> None:
    calls: list[tuple[object, dict[str, object]]] = [
        (Ledger.enqueue, {"key": f"k{i}"}) for i in range(FLOWS)
    ]
    outputs = asyncio.run(_outputs(tmp_path / "d.db", calls))
    assert outputs == [{"rows": 1}] * FLOWS
    positions = stored_rows(tmp_path / "d.db", "SELECT position FROM serial ORDER BY position")
    assert positions == [(i,) for i in range(FLOWS)]


def test_row_counts_of_writes_are_exact(tmp_path: Path) -> None:
    calls: list[tuple[object, dict[str, object]]] = [
        (Ledger.add, {"key": f"k{i}", "n": i}) for i in range(10)
    ]
    calls.append((Ledger.bump, {"n": 5}))
    outputs = asyncio.run(_outputs(tmp_path / "e.db", calls))
    assert outputs[:10] == [{"rows": 1}] * 10
    assert outputs[10] == {"rows": 5}


def test_a_failed_statement_caught_by_the_action_is_undone_alone(tmp_path: Path) -> None:
    calls: list[tuple[object, dict[str, object]]] = [
        (Ledger.add_after_a_failed_read, {"key": f"k{i}"}) for i in range(FLOWS)
    ]
    outputs = asyncio.run(_outputs(tmp_path / "f.db", calls))
    assert outputs == [{"rows": 1}] * FLOWS
    assert stored_rows(tmp_path / "f.db", "SELECT count(*) FROM entries WHERE n = 2") == [(FLOWS,)]


class Seeded(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS seeds (name TEXT PRIMARY KEY)",)

    def setup(self) -> None:
        for _ in range(2):  # the second insert fails; the setup expects that
            with contextlib.suppress(Exception):
                self.db.execute("INSERT INTO seeds (name) VALUES (?)", ("first",))
        self.db.execute("INSERT INTO seeds (name) VALUES (?)", ("second",))

    @action
    def noop(self) -> Saved:
        return {"rows": 0}


def test_a_setup_that_catches_a_duplicate_starts_the_engine(tmp_path: Path) -> None:
    async def start() -> None:
        async with running(App([Seeded()], []), tmp_path / "g.db"):
            pass

    asyncio.run(start())
    rows = stored_rows(tmp_path / "g.db", "SELECT name FROM seeds ORDER BY name")
    assert rows == [("first",), ("second",)]

"""The action log's rows: written whole when a record completes in the batch that invoked it."""

from __future__ import annotations

from pathlib import Path

from accord.records import Record
from accord.store.sqlite import SqliteStore

from .support import stored_rows


def _record(store: SqliteStore, cause: tuple[int, ...] = ()) -> Record:
    record_id = store.next_id()
    return Record(record_id, 1, "C", "a", {"x": 1}, cause=cause, invoked_at=1.0)


def test_invoked_and_completed_in_one_batch_or_in_two_store_the_same_row(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    store = SqliteStore(db)
    store.open()
    try:
        at_once, later = _record(store), _record(store, cause=(1,))
        tx = store.begin()
        tx.invoked(at_once)
        tx.invoked(later)
        at_once.output, at_once.completed_at = {"y": 2}, 2.0
        tx.completed(at_once)
        tx.commit()
        assert [r.id for r in store.resume()] == [later.id]  # only the open one is pending

        later.output, later.completed_at = {"y": 3}, 3.0
        tx = store.begin()
        tx.completed(later)
        tx.commit()
        stored = [store.record(i) for i in (at_once.id, later.id)]
        assert [(r.input, r.output, r.completed_at) for r in stored if r is not None] == [
            ({"x": 1}, {"y": 2}, 2.0),
            ({"x": 1}, {"y": 3}, 3.0),
        ]
        assert store.resume() == []
    finally:
        store.close()
    assert stored_rows(db, "SELECT id, cause FROM actions ORDER BY id") == [(1, "[]"), (2, "[1]")]

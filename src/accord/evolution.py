"""What an engine does to a database before it runs: state isolation, migrations, sync changes.

Called once by :meth:`accord.engine.Engine.start`, after the store is open and before any
concept's ``setup``. Syncs that ran on a database are recorded there; when an app starts with
different syncs, flows already in flight continue under one rule: **a sync applies to the
completions recorded while it is part of the app**. A new sync fires on new completions only
(it never replays the log); a removed sync never fires again, while the invocations it already
made still run and complete; a changed sync is the new version from now on, and combinations
that fired under the old version do not fire again.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from accord import migrations
from accord.app import App
from accord.ownership import Ownership
from accord.state import Db
from accord.store.base import Store
from accord.sync.model import Sync

__all__ = ["SYNCS_SCHEMA", "Prepared", "SyncChanges", "prepare", "recorded_syncs", "sync_changes"]

log = logging.getLogger("accord.engine")

SYNCS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS accord_syncs ("
    "name TEXT PRIMARY KEY, text TEXT NOT NULL, first_run REAL NOT NULL, removed_at REAL)"
)


@dataclass(frozen=True)
class SyncChanges:
    """Syncs of an app compared with those that last ran on a database."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """One line per change, saying what it means for flows in flight."""
        return [
            *(f"added {n}: fires on completions recorded from now on" for n in self.added),
            *(
                f"removed {n}: never fires again; invocations it made still complete"
                for n in self.removed
            ),
            *(
                f"changed {n}: the new version fires from now on; what fired stays fired"
                for n in self.changed
            ),
        ]


def sync_changes(recorded: Mapping[str, str], syncs: Iterable[Sync]) -> SyncChanges:
    """Compare recorded sync texts (name -> text) with an app's syncs."""
    current = {s.name: str(s) for s in syncs}
    return SyncChanges(
        added=tuple(sorted(current.keys() - recorded.keys())),
        removed=tuple(sorted(recorded.keys() - current.keys())),
        changed=tuple(sorted(n for n in current.keys() & recorded.keys() if current[n] != recorded[n])),
    )


def _recorded(db: Db) -> dict[str, str]:
    return {
        row["name"]: row["text"]
        for row in db.all("SELECT name, text FROM accord_syncs WHERE removed_at IS NULL")
    }


def recorded_syncs(path: str | Path) -> dict[str, str]:
    """The syncs that last ran on a SQLite database file (name -> text), read-only."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no database at {path}: pass the file an engine ran on")
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accord_syncs'"
        ).fetchone()
        if found is None:
            return {}
        rows = conn.execute("SELECT name, text FROM accord_syncs WHERE removed_at IS NULL")
        return {name: text for name, text in rows}
    finally:
        conn.close()


def _record_syncs(db: Db, syncs: list[Sync]) -> SyncChanges:
    db.execute(SYNCS_SCHEMA)
    changes = sync_changes(_recorded(db), syncs)
    now = time.time()
    for sync in syncs:
        if sync.name in changes.added or sync.name in changes.changed:
            db.execute(
                "INSERT INTO accord_syncs (name, text, first_run) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET text = excluded.text, "
                "first_run = excluded.first_run, removed_at = NULL",
                (sync.name, str(sync), now),
            )
    for name in changes.removed:
        db.execute("UPDATE accord_syncs SET removed_at = ? WHERE name = ?", (now, name))
    return changes


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` did."""

    plans: list[migrations.Plan] = field(default_factory=list)
    syncs: SyncChanges = field(default_factory=SyncChanges)


def prepare(store: Store, app: App) -> Prepared:
    """Isolate each concept's state, migrate it, and record the app's syncs (one transaction).

    Raises :class:`accord.ownership.OwnershipError` or :class:`migrations.MigrationError`;
    the database is unchanged when anything fails.
    """
    ownership = Ownership.of(app.concepts)
    isolate = getattr(store, "isolate", None)
    if isolate is not None:
        isolate(ownership)
    where = f"database {getattr(store, 'path', '')}".rstrip()
    tx = store.begin()
    try:
        first = tx.db.one(
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'accord_syncs'"
        )
        plans = migrations.plan_and_run(tx, app.concepts, where)
        changes = _record_syncs(tx.db, list(app.syncs))
        tx.commit()
    except BaseException:
        tx.rollback()
        raise
    for plan in plans:
        if plan.pending:
            log.info("migrated %s", plan.describe().replace("\n", ";"))
    if changes and first is not None:
        for line in changes.lines():
            log.info("sync %s", line)
    return Prepared(plans, changes)

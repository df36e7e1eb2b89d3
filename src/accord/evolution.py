"""What an engine does to a database before it runs: state isolation, migrations, sync changes.

Called once by :meth:`accord.engine.Engine.start`, after the store is open and before any
concept's ``setup``. Migrations (declared with :func:`accord.migration`) run in one transaction:
a concept met for the first time on a database where none of its tables exist is created from
its ``schema`` at the code's version; one whose tables exist but whose version was never
recorded is at version 0 (made before it declared migrations); pending migrations run in order,
then ``schema`` (``IF NOT EXISTS`` creates what is new), then the version is recorded. A
database newer than the code is refused; a failing step rolls everything back.
 Syncs that ran on a database are recorded there; when an app starts with
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
from accord.concept import Concept
from accord.migrations import Step
from accord.ownership import Ownership, created_tables
from accord.state import Db
from accord.store.base import Store, Transaction
from accord.sync.model import Sync

__all__ = [
    "SYNCS_SCHEMA",
    "Plan",
    "Prepared",
    "SyncChanges",
    "apply",
    "plan_and_run",
    "prepare",
    "recorded_syncs",
    "sync_changes",
]

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
        changed=tuple(
            sorted(n for n in current.keys() & recorded.keys() if current[n] != recorded[n])
        ),
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
class Plan:
    """What :func:`apply` found (and did) for one concept."""

    concept: str
    recorded: int | None  # None: never recorded on this database
    target: int
    fresh: bool  # created from its schema: no migration needed
    pending: tuple[migrations.Migration, ...] = field(default=())

    def describe(self) -> str:
        if self.fresh:
            return f"{self.concept}: new, created at version {self.target}"
        if not self.pending:
            return f"{self.concept}: at version {self.target}, up to date"
        start = self.recorded or 0
        lines = [f"{self.concept}: version {start} -> {self.target}"]
        lines += [f"  {m.version}: {m.describe()}" for m in self.pending]
        return "\n".join(lines)


def _exists(db: Db, table: str) -> bool:
    row = db.one(
        "SELECT 1 AS found FROM sqlite_master WHERE type IN ('table', 'view') AND lower(name) = ?",
        (table,),
    )
    return row is not None


def _plan(db: Db, concept: Concept, recorded: int | None, where: str) -> Plan:
    target = migrations.code_version(concept)
    declared = migrations.migrations_of(concept)
    if recorded is not None and recorded > target:
        raise migrations.MigrationError(
            f"{where} holds {concept.name} at version {recorded}, but this code knows versions "
            f"up to {target}: it was written by newer code; run that code, or restore a backup "
            "made before the upgrade"
        )
    if recorded is None:
        # A concept without tables cannot tell a new database from an old one: its migrations
        # run once, and must tolerate a database that never had the old state.
        tables = [t for s in type(concept).schema for t in created_tables(s)]
        if tables and not any(_exists(db, t) for t in tables):
            return Plan(concept.name, None, target, fresh=True)
        recorded = 0
    return Plan(concept.name, recorded, target, fresh=False, pending=declared[recorded:])


def _run_step(db: Db, step: Step) -> None:
    if isinstance(step, str):
        db.execute(step)
    else:
        step(db)


def _scoped(db: Db, concept: str) -> Db:
    scope = getattr(db, "for_concept", None)
    return db if scope is None else scope(concept, migrating=True)


def plan_and_run(tx: Transaction, concepts: Iterable[Concept], where: str) -> list[Plan]:
    """Inside ``tx``: create or migrate every concept's tables and record their versions."""
    db = tx.db
    db.execute(migrations.VERSIONS_SCHEMA)
    recorded = {
        row["concept"]: int(row["version"])
        for row in db.all("SELECT concept, version FROM accord_concepts")
    }
    plans = []
    for concept in concepts:
        plan = _plan(db, concept, recorded.get(concept.name), where)
        state = _scoped(db, concept.name)
        for m in plan.pending:
            for step in m.steps:
                try:
                    _run_step(state, step)
                except Exception as exc:
                    raise migrations.MigrationError(
                        f"{concept.name} migration {m.version} ({m.describe()}) failed: "
                        f"{type(exc).__name__}: {exc}; the database was left unchanged"
                    ) from exc
        # A store with a schema per concept (PostgreSQL) creates the tables in it, as its role.
        creating = state if getattr(db, "schema_per_concept", False) else db
        for statement in type(concept).schema:
            try:
                creating.execute(statement)
            except Exception as exc:
                hint = (
                    "; if the table changed, declare a migration for it" if not plan.fresh else ""
                )
                raise migrations.MigrationError(
                    f"{concept.name}: its schema statement failed on {where}: "
                    f"{type(exc).__name__}: {exc}{hint}"
                ) from exc
        if recorded.get(concept.name) != plan.target:
            db.execute(
                "INSERT INTO accord_concepts (concept, version, migrated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(concept) DO UPDATE SET version = excluded.version, "
                "migrated_at = excluded.migrated_at",
                (concept.name, plan.target, time.time()),
            )
        plans.append(plan)
    return plans


def apply(store: Store, concepts: Iterable[Concept], *, dry_run: bool = False) -> list[Plan]:
    """Create or migrate the concepts' state on an open store, in one transaction.

    With ``dry_run`` everything runs and is then rolled back: a plan that succeeds would
    succeed for real. Raises :class:`migrations.MigrationError` (nothing changed) on any problem.
    """
    where = f"database {getattr(store, 'path', '')}".rstrip()
    tx = store.begin()
    try:
        plans = plan_and_run(tx, list(concepts), where)
    except BaseException:
        tx.rollback()
        raise
    if dry_run:
        tx.rollback()
    else:
        tx.commit()
    return plans


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` did."""

    plans: list[Plan] = field(default_factory=list)
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
        plans = plan_and_run(tx, app.concepts, where)
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

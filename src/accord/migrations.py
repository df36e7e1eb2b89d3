"""Versioned migrations of concept state, applied when an engine starts.

A concept's ``schema`` always describes its *latest* tables; ``migrations`` upgrade a database
made by older code, one numbered step at a time::

    class Stock(Concept):
        schema = ("CREATE TABLE IF NOT EXISTS stock_levels (item TEXT PRIMARY KEY, "
                  "quantity INTEGER, reserved INTEGER NOT NULL DEFAULT 0)",)
        migrations = (
            migration(1, "ALTER TABLE stock_levels ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0"),
        )

The version of a concept in the code is its last migration's (0 without any). At start, in one
transaction: a concept met for the first time on a database where none of its tables exist is
created from ``schema`` at the code's version; a concept whose tables exist but whose version
was never recorded is at version 0 (made before it declared migrations); pending migrations
run in order, then ``schema`` (``IF NOT EXISTS`` creates what is new), then the version is
recorded. A database newer than the code is refused; a failing step rolls everything back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from accord.state import Db

if TYPE_CHECKING:
    from accord.concept import Concept
    from accord.store.base import Store, Transaction

__all__ = [
    "VERSIONS_SCHEMA",
    "Migration",
    "MigrationError",
    "Plan",
    "Step",
    "apply",
    "code_version",
    "migration",
    "migrations_of",
]

Step = str | Callable[[Db], None]
"""One step: a SQL statement, or a function given the concept's ``Db``."""

VERSIONS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS accord_concepts ("
    "concept TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at REAL NOT NULL)"
)


class MigrationError(RuntimeError):
    """Migrations could not run: bad declarations, a newer database, or a failing step."""


@dataclass(frozen=True, slots=True)
class Migration:
    """Version ``version`` of a concept's state: the steps from the previous version."""

    version: int
    steps: tuple[Step, ...]
    description: str = ""

    def describe(self) -> str:
        """A one-line summary of the steps."""
        if self.description:
            return self.description
        return "; ".join(
            " ".join(s.split()) if isinstance(s, str) else f"{getattr(s, '__name__', s)}()"
            for s in self.steps
        )


def migration(version: int, *steps: Step, description: str = "") -> Migration:
    """Declare the migration to ``version`` (1, 2, ...): SQL statements and/or functions."""
    if not steps:
        raise MigrationError(f"migration {version} has no steps: give SQL strings or functions")
    for step in steps:
        if not (isinstance(step, str) or callable(step)):
            raise MigrationError(
                f"migration {version}: a step is a SQL string or a function taking the Db, "
                f"got {type(step).__name__}"
            )
    return Migration(version, tuple(steps), description)


def migrations_of(concept: Concept) -> tuple[Migration, ...]:
    """A concept's migrations, checked to be numbered 1, 2, 3... in order."""
    declared: Sequence[Any] = getattr(type(concept), "migrations", ())
    for expected, item in enumerate(declared, start=1):
        if not isinstance(item, Migration):
            raise MigrationError(
                f"{concept.name}.migrations must hold migration(...) values, "
                f"got {type(item).__name__}"
            )
        if item.version != expected:
            raise MigrationError(
                f"{concept.name}.migrations must be numbered 1, 2, 3... in order; "
                f"found version {item.version} where {expected} was expected"
            )
    return tuple(declared)


def code_version(concept: Concept) -> int:
    """The version of a concept's state this code expects."""
    return len(migrations_of(concept))


@dataclass(frozen=True)
class Plan:
    """What :func:`apply` found (and did) for one concept."""

    concept: str
    recorded: int | None  # None: never recorded on this database
    target: int
    fresh: bool  # created from its schema: no migration needed
    pending: tuple[Migration, ...] = field(default=())

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
    from accord.ownership import created_tables

    target = code_version(concept)
    migrations = migrations_of(concept)
    if recorded is not None and recorded > target:
        raise MigrationError(
            f"{where} holds {concept.name} at version {recorded}, but this code knows versions "
            f"up to {target}: it was written by newer code; run that code, or restore a backup "
            "made before the upgrade"
        )
    if recorded is None:
        tables = [t for s in type(concept).schema for t in created_tables(s)]
        if not any(_exists(db, t) for t in tables):
            return Plan(concept.name, None, target, fresh=True)
        recorded = 0
    return Plan(concept.name, recorded, target, fresh=False, pending=migrations[recorded:])


def _run_step(db: Db, step: Step) -> None:
    if isinstance(step, str):
        db.execute(step)
    else:
        step(db)


def _scoped(db: Db, concept: str) -> Db:
    scope = getattr(db, "for_concept", None)
    return db if scope is None else scope(concept, migrating=True)  # type: ignore[no-any-return]


def plan_and_run(tx: Transaction, concepts: Iterable[Concept], where: str) -> list[Plan]:
    """Inside ``tx``: create or migrate every concept's tables and record their versions."""
    db = tx.db
    db.execute(VERSIONS_SCHEMA)
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
                    raise MigrationError(
                        f"{concept.name} migration {m.version} ({m.describe()}) failed: "
                        f"{type(exc).__name__}: {exc}; the database was left unchanged"
                    ) from exc
        for statement in type(concept).schema:
            try:
                db.execute(statement)
            except Exception as exc:
                hint = (
                    "; if the table changed, declare a migration for it"
                    if not plan.fresh
                    else ""
                )
                raise MigrationError(
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
    succeed for real. Raises :class:`MigrationError` (nothing changed) on any problem.
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

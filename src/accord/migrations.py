"""Versioned migrations of concept state, applied when an engine starts.

A concept's ``schema`` always describes its *latest* tables; ``migrations`` upgrade a database
made by older code, one numbered step at a time (:mod:`accord.evolution` applies them)::

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from accord.state import Db

__all__ = [
    "VERSIONS_SCHEMA",
    "Migration",
    "MigrationError",
    "Step",
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


def migrations_of(concept: Any) -> tuple[Migration, ...]:
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


def code_version(concept: Any) -> int:
    """The version of a concept's state this code expects."""
    return len(migrations_of(concept))

"""Which concept owns which table: the basis of state isolation.

A concept owns the tables and views its ``schema`` (and its migrations) create. While one of its
actions, queries or migrations runs, its statements may touch those and nothing else; the log
tables belong to the engine. :class:`Ownership` is computed from the app's concepts; stores
enforce it (SQLite with the connection's authorizer, see ``docs/concepts.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from accord.concept import Concept
from accord.migrations import migrations_of

__all__ = [
    "ENGINE_TABLES",
    "IsolationError",
    "Ownership",
    "OwnershipError",
    "created_tables",
]

ENGINE_TABLES = frozenset(
    {"actions", "firings", "flow_events", "inbox", "accord_concepts", "accord_syncs"}
)
"""Tables of the engine's log: no concept may touch them."""

_NAME = r"(?:\"[^\"]+\"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_$]*)"
_CREATE = re.compile(
    r"\bCREATE\s+(?:TEMP\s+|TEMPORARY\s+)?(?:VIRTUAL\s+)?(?:TABLE|VIEW)\s+"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?(?:{_NAME}\s*\.\s*)?({_NAME})",
    re.IGNORECASE,
)
_RENAME = re.compile(rf"\bALTER\s+TABLE\s+.*?\bRENAME\s+TO\s+({_NAME})", re.IGNORECASE | re.DOTALL)


def _bare(name: str) -> str:
    if name[0] in '"`[':
        name = name[1:-1]
    return name.lower()


def created_tables(sql: str) -> list[str]:
    """The tables and views a statement creates (or renames to), lower-cased."""
    return [_bare(m) for m in _CREATE.findall(sql)] + [_bare(m) for m in _RENAME.findall(sql)]


class OwnershipError(ValueError):
    """Two concepts declare the same table, or a concept declares an engine table."""


class IsolationError(PermissionError):
    """A concept's statement touched a table it does not own."""

    def __init__(self, concept: str, verb: str, table: str, owner: str | None) -> None:
        self.concept = concept
        self.verb = verb
        self.table = table
        self.owner = owner
        if owner == "":
            whose = "it belongs to the engine's log"
        elif owner is None:
            whose = f"no concept declares it (add it to {concept}.schema if it is {concept}'s)"
        else:
            whose = (
                f"it belongs to concept {owner}; concepts never share state: read it through "
                f"a query of {owner} in a sync's where, or pass ids"
            )
        super().__init__(f"{concept} may not {verb} table {table}: {whose}")


@dataclass(frozen=True)
class Ownership:
    """Table name (lower case) -> the concepts owning it; "" stands for the engine."""

    owners: Mapping[str, frozenset[str]]
    tables: Mapping[str, frozenset[str]] = field(default_factory=dict)  # concept -> its tables

    @classmethod
    def of(cls, concepts: Iterable[Concept]) -> Ownership:
        """Ownership declared by the concepts' schemas and migrations.

        Two concepts may share a table only when they inherit the same ``schema`` (subclasses
        of one concept class); anything else is an :class:`OwnershipError`.
        """
        owners: dict[str, set[str]] = {t: {""} for t in ENGINE_TABLES}
        schema_of: dict[str, tuple[str, ...]] = {}
        tables: dict[str, frozenset[str]] = {}
        for concept in concepts:
            mine = declared_tables(concept)
            tables[concept.name] = frozenset(mine)
            for table in mine:
                others = owners.setdefault(table, set())
                if "" in others:
                    raise OwnershipError(
                        f"{concept.name} declares table {table}, a table of the engine's log; "
                        f"give it a name prefixed with the concept's ({concept.name.lower()}_...)"
                    )
                clash = [o for o in others if type(concept).schema is not schema_of.get(o)]
                if clash:
                    raise OwnershipError(
                        f"table {table} is declared by both {clash[0]} and {concept.name}; "
                        "each concept owns its own tables: prefix them with the concept's name"
                    )
                others.add(concept.name)
            schema_of[concept.name] = type(concept).schema
        return cls({t: frozenset(o) for t, o in owners.items()}, tables)

    def owner(self, table: str) -> str | None:
        """Who owns a table, for messages: a concept, "" for the engine, None for nobody."""
        found = self.owners.get(table.lower())
        if not found:
            return None
        return sorted(found)[0]

    def may(self, concept: str, table: str) -> bool:
        """Whether ``concept`` may touch ``table``."""
        found = self.owners.get(table.lower())
        return found is not None and concept in found


def declared_tables(concept: Concept) -> list[str]:
    """The tables a concept creates in its schema and its migrations, in order."""
    names: list[str] = []
    statements = [*type(concept).schema]
    for migration in migrations_of(concept):
        statements.extend(s for s in migration.steps if isinstance(s, str))
    for statement in statements:
        for table in created_tables(statement):
            if table not in names:
                names.append(table)
    return names

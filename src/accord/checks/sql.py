"""State ownership, checked statically: the SQL a concept's source passes to ``self.db``.

Each string literal (or module-level string constant, or a ``+`` of them) given to
``self.db.execute/executemany/one/all`` inside a concept class is compiled by SQLite against
the app's schemas with the same authorizer the engine uses at run time, so a concept reading,
writing or joining another concept's table is reported with its file and line before it runs.
SQL built at run time (f-strings, variables) is not visible here; the engine still refuses it.

:func:`check_portability` reads every SQL text in a concept class (its ``schema``, migrations and
statements, the constant parts of f-strings included) for constructs that only one of the two
stores runs (:mod:`accord.checks.portable_sql`).
"""

from __future__ import annotations

import ast
import inspect
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from accord.checks.portable_sql import unportable
from accord.concept import Concept
from accord.loading import shown
from accord.ownership import IsolationError, Ownership, OwnershipError
from accord.store.isolation import Guard
from accord.store.sqlite import LOG_SCHEMA

__all__ = [
    "PORTABLE_FIX",
    "STATE_FIX",
    "StateViolation",
    "check_portability",
    "check_state_access",
]

STATE_FIX = (
    "a concept reads and writes only the tables its schema creates: ask the owning concept "
    "through a query in a sync's where, or keep the value as an id"
)
PORTABLE_FIX = "write concept SQL in the subset both stores run (docs/concepts.md, Portable SQL)"
_METHODS = {"execute", "executemany", "one", "all"}


@dataclass(frozen=True, slots=True)
class StateViolation:
    """A statement in a concept's source that touches state the concept does not own."""

    path: str
    line: int
    concept: str
    message: str
    severity: Literal["error"] = "error"
    fix: str = STATE_FIX

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}. Fix: {self.fix}"


def _constants(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            text = _text(node.value, found)
            if text is not None:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = text
    return found


def _text(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left, constants), _text(node.right, constants)
        return None if left is None or right is None else left + right
    return None


def _class_source(cls: type[Concept]) -> tuple[str, ast.ClassDef, dict[str, str]] | None:
    """The file of ``cls``, its class statement and the file's module-level string constants."""
    try:
        file = inspect.getsourcefile(cls)
        _, start = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return None
    if file is None:
        return None
    tree = ast.parse(Path(file).read_text(encoding="utf-8"), filename=file)
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
    # The class inspect found: its `class` line is at or just after `start` (decorators).
    classes.sort(key=lambda n: abs(n.lineno - start))
    if not classes:
        return None
    return file, classes[0], _constants(tree)


def statements(cls: type[Concept]) -> Iterator[tuple[str, int, str]]:
    """(file, line, SQL) for each SQL text visible in the source of ``cls``."""
    found = _class_source(cls)
    if found is None:
        return
    file, klass, constants = found
    for node in ast.walk(klass):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _METHODS
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "db"
            and isinstance(node.func.value.value, ast.Name)
            and node.func.value.value.id == "self"
            and node.args
        ):
            sql = _text(node.args[0], constants)
            if sql is not None:
                yield file, node.lineno, sql


def check_state_access(concepts: Iterable[Concept]) -> list[StateViolation]:
    """Statically find statements in concept sources touching tables they do not own."""
    concepts = list(concepts)
    try:
        ownership = Ownership.of(concepts)
    except OwnershipError as exc:
        return [StateViolation("(app)", 0, "", str(exc))]
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for statement in LOG_SCHEMA:
            conn.execute(statement)
        for concept in concepts:
            for statement in type(concept).schema:
                try:
                    conn.execute(statement)
                except sqlite3.Error:
                    continue  # a broken schema fails at start with SQLite's own message
        guard = Guard(ownership)
        violations = []
        seen: set[type[Concept]] = set()
        for concept in concepts:
            cls = type(concept)
            if cls in seen:
                continue
            seen.add(cls)
            for file, line, sql in statements(cls):
                try:
                    guard.check(conn, concept.name, False, sql, ())
                    missing = _missing_table(conn, sql)
                    if missing is not None:
                        raise IsolationError(concept.name, "use", missing, None)
                except (IsolationError, sqlite3.OperationalError) as exc:
                    violations.append(
                        StateViolation(shown(Path(file)), line, concept.name, str(exc))
                    )
        return violations
    finally:
        conn.close()


def _missing_table(conn: sqlite3.Connection, sql: str) -> str | None:
    """The table a statement names that no schema of the app creates, if any."""
    try:
        conn.execute("EXPLAIN " + sql).fetchall()
    except sqlite3.Error as exc:
        found = re.match(r"no such table: (?:main\.)?(\S+)", str(exc))
        return found.group(1) if found else None
    return None


_SQL_START = re.compile(
    r"^\s*(?:SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|PRAGMA|REPLACE)\b", re.I
)


def _sql_texts(node: ast.AST, constants: dict[str, str]) -> Iterator[tuple[int, str]]:
    """(line, text) of each SQL-looking string under ``node``: literals, module constants named
    there, ``+`` of them, and f-strings with each interpolation read as ``?``."""
    text: str | None = None
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "?"
            for v in node.values
        )
    elif isinstance(node, ast.Constant | ast.Name | ast.BinOp):
        text = _text(node, constants)
    if text is not None:
        if _SQL_START.match(text):
            yield getattr(node, "lineno", 0), text
        return
    for child in ast.iter_child_nodes(node):
        yield from _sql_texts(child, constants)


def check_portability(concepts: Iterable[Concept]) -> list[StateViolation]:
    """SQL in each concept class that only one of the two stores (SQLite, PostgreSQL) runs:
    one violation per construct and line, naming the concept, the construct and what to write
    instead."""
    found: list[StateViolation] = []
    seen: set[type[Concept]] = set()
    for concept in concepts:
        cls = type(concept)
        if cls in seen:
            continue
        seen.add(cls)
        source = _class_source(cls)
        if source is None:
            continue
        file, klass, constants = source
        reported: set[tuple[int, str]] = set()
        for line, sql in _sql_texts(klass, constants):
            for construct in unportable(sql):
                if (line, construct.rule.construct) in reported:
                    continue
                reported.add((line, construct.rule.construct))
                found.append(
                    StateViolation(
                        shown(Path(file)),
                        line,
                        concept.name,
                        f"{concept.name}: {construct}",
                        fix=PORTABLE_FIX,
                    )
                )
    return sorted(found, key=lambda v: (v.path, v.line))

"""State ownership, checked statically: the SQL a concept's source passes to ``self.db``.

Each string literal (or module-level string constant, or a ``+`` of them) given to
``self.db.execute/executemany/one/all`` inside a concept class is compiled by SQLite against
the app's schemas with the same authorizer the engine uses at run time, so a concept reading,
writing or joining another concept's table is reported with its file and line before it runs.
SQL built at run time (f-strings, variables) is not visible here; the engine still refuses it.
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

from accord.concept import Concept
from accord.loading import shown
from accord.ownership import IsolationError, Ownership, OwnershipError
from accord.store.isolation import Guard
from accord.store.sqlite import LOG_SCHEMA

__all__ = ["STATE_FIX", "StateViolation", "check_state_access"]

STATE_FIX = (
    "a concept reads and writes only the tables its schema creates: ask the owning concept "
    "through a query in a sync's where, or keep the value as an id"
)
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


def statements(cls: type[Concept]) -> Iterator[tuple[str, int, str]]:
    """(file, line, SQL) for each SQL text visible in the source of ``cls``."""
    try:
        file = inspect.getsourcefile(cls)
        _, start = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return
    if file is None:
        return
    tree = ast.parse(Path(file).read_text(encoding="utf-8"), filename=file)
    constants = _constants(tree)
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
    # The class inspect found: its `class` line is at or just after `start` (decorators).
    classes.sort(key=lambda n: abs(n.lineno - start))
    if not classes:
        return
    for node in ast.walk(classes[0]):
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

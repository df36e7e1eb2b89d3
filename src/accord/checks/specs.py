"""A concept class against its spec: every action, input, type, output case and error kind,
every query and its rows, and every table and column of the state."""

from __future__ import annotations

import ast
import inspect
import sqlite3
import textwrap
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import typing_extensions

from accord.annotations import typed_dict_fields
from accord.concept import ActionDef, Concept, QueryDef
from accord.specs import Operation, Spec, SpecError, find_spec, normalize_type, run_principle
from accord.testing.principles import PrincipleViolation

__all__ = ["SpecMismatch", "check_specs", "compare", "error_kinds", "type_text"]


@dataclass(frozen=True, slots=True)
class SpecMismatch:
    """One difference between a concept class and its spec."""

    concept: str
    message: str
    origin: str = ""
    severity: Literal["error"] = "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.concept}: {self.message}"


def type_text(annotation: Any) -> str:
    """An annotation as the spec format writes it: ``int``, ``str | None``, ``list[str]``."""
    if typing.get_origin(annotation) is typing.Annotated:
        return type_text(typing.get_args(annotation)[0])
    if annotation is type(None) or annotation is None:
        return "None"
    if annotation is Any:
        return "Any"
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return normalize_type(" | ".join(type_text(a) for a in typing.get_args(annotation)))
    if origin is Literal:
        return normalize_type(" | ".join(repr(a) for a in typing.get_args(annotation)))
    if origin is not None:
        args = ", ".join(type_text(a) for a in typing.get_args(annotation))
        return normalize_type(f"{getattr(origin, '__name__', str(origin))}[{args}]")
    if typing_extensions.is_typeddict(annotation):
        return normalize_type(
            "{"
            + ", ".join(f"{k}: {type_text(v)}" for k, v in typed_dict_fields(annotation).items())
            + "}"
        )
    return getattr(annotation, "__name__", str(annotation))


def error_kinds(fn: Any) -> list[str]:
    """The kinds of ``error("kind", ...)`` an action's source returns, in order."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return []
    kinds: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "error"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value not in kinds
        ):
            kinds.append(node.args[0].value)
    return kinds


def _inputs(name: str, declared: ActionDef[Any] | QueryDef[Any], op: Operation) -> list[str]:
    problems = []
    have = {k: (type_text(t), d) for k, (t, d) in declared.inputs.items()}
    for key in op.inputs.keys() - have.keys():
        problems.append(f"{name} lacks input {key!r} the spec declares")
    for key in have.keys() - op.inputs.keys():
        problems.append(f"{name} has input {key!r}, which the spec does not declare")
    for key in op.inputs.keys() & have.keys():
        if op.inputs[key][0] != have[key][0]:
            problems.append(
                f"{name} input {key!r} is {have[key][0]}, the spec says {op.inputs[key][0]}"
            )
        if op.inputs[key][1] != have[key][1]:
            says = "optional" if op.inputs[key][1] else "required"
            problems.append(f"{name} input {key!r} should be {says}, as the spec says")
    if list(op.inputs) != list(have) and not problems:
        problems.append(
            f"{name} inputs are ({', '.join(have)}), the spec orders them ({', '.join(op.inputs)})"
        )
    return problems


def _cases(text: list[dict[str, str]]) -> list[str]:
    return sorted("{" + ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) + "}" for c in text)


def _action(name: str, declared: ActionDef[Any], op: Operation) -> list[str]:
    problems = _inputs(name, declared, op)
    cases = [c for c in declared.cases if not c.is_error]
    have = _cases([{k: type_text(t) for k, t in c.fields.items()} for c in cases])
    want = _cases(op.cases)
    if have != want:
        problems.append(
            f"{name} outputs {' | '.join(have) or '(none)'}, the spec says "
            f"{' | '.join(want) or '(none)'}"
        )
    declares_error = any(c.is_error for c in declared.cases)
    kinds = error_kinds(declared.fn)
    if op.errors and not declares_error:
        problems.append(f"{name} does not declare the Error case the spec gives it")
    for kind in op.errors:
        if kind not in kinds:
            problems.append(f"{name} never returns error {kind!r}, which the spec lists")
    for kind in kinds:
        if kind not in op.errors:
            problems.append(f"{name} returns error {kind!r}, which the spec does not list")
    return problems


def _query(name: str, declared: QueryDef[Any], op: Operation) -> list[str]:
    problems = _inputs(name, declared, op)
    have = _cases([{k: type_text(t) for k, t in declared.row_fields.items()}])
    want = _cases(op.cases)
    if have != want:
        problems.append(f"{name} rows are {have[0]}, the spec says {want[0]}")
    return problems


def _state(cls: type[Concept], spec: Spec) -> list[str]:
    conn = sqlite3.connect(":memory:")
    try:
        for statement in cls.schema:
            try:
                conn.execute(statement)
            except sqlite3.Error as exc:
                return [f"its schema does not run: {exc}"]
        tables = {
            name.lower(): [r[1].lower() for r in conn.execute(f'PRAGMA table_info("{name}")')]
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
    finally:
        conn.close()
    problems = []
    for table in spec.state.keys() - tables.keys():
        problems.append(f"its schema lacks table {table}, which the spec's state declares")
    for table in tables.keys() - spec.state.keys():
        problems.append(f"its schema creates table {table}, which the spec's state omits")
    for table in spec.state.keys() & tables.keys():
        if spec.state[table] != tables[table]:
            problems.append(
                f"table {table} has columns ({', '.join(tables[table])}), the spec says "
                f"({', '.join(spec.state[table])})"
            )
    return problems


def compare(cls: type[Concept], spec: Spec) -> list[SpecMismatch]:
    """Every difference between a concept class and its spec."""
    problems: list[str] = []
    if spec.name != cls.name:
        problems.append(f"the spec describes concept {spec.name}, not {cls.name}")
    for name in spec.actions.keys() - cls.actions.keys():
        problems.append(f"action {name} is in the spec but not in the class")
    for name in cls.actions.keys() - spec.actions.keys():
        problems.append(f"action {name} is in the class but not in the spec")
    for name in spec.queries.keys() - cls.queries.keys():
        problems.append(f"query {name} is in the spec but not in the class")
    for name in cls.queries.keys() - spec.queries.keys():
        problems.append(f"query {name} is in the class but not in the spec")
    try:
        for name in sorted(spec.actions.keys() & cls.actions.keys()):
            problems += _action(name, cls.actions[name], spec.actions[name])
        for name in sorted(spec.queries.keys() & cls.queries.keys()):
            problems += _query(name, cls.queries[name], spec.queries[name])
    except TypeError as exc:  # a signature the engine would refuse as well
        problems.append(str(exc))
    problems += _state(cls, spec)
    return [SpecMismatch(cls.name, p, spec.origin) for p in problems]


def check_specs(concepts: Iterable[Concept]) -> list[SpecMismatch]:
    """For each concept with a spec: the differences, and its principle run (when it has one)."""
    problems: list[SpecMismatch] = []
    seen: set[type[Concept]] = set()
    for concept in concepts:
        cls = type(concept)
        if cls in seen:
            continue
        seen.add(cls)
        try:
            spec = find_spec(cls)
        except SpecError as exc:
            problems.append(SpecMismatch(cls.name, f"its spec is malformed: {exc}"))
            continue
        if spec is None:
            continue
        found = compare(cls, spec)
        problems += found
        if spec.principle is not None and not found:
            try:
                run_principle(concept, spec)
            except (PrincipleViolation, SpecError) as exc:
                story = " ".join(str(exc).split())
                problems.append(
                    SpecMismatch(cls.name, f"its operational principle fails: {story}", spec.origin)
                )
    return problems

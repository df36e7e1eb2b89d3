"""Concept specs: a concept described apart from its code, in a fixed Markdown format.

A spec lives in ``<module>.spec.md`` beside the concept's module (one ``# concept Name`` section
per concept) or in the concept class's docstring, from its ``# concept Name`` line on::

    # concept Stock

    ## purpose
    How many of each item are on the shelf.

    ## state
    - stock_levels(item, quantity)

    ## actions
    - receive(item: int, quantity: int) -> {item: str, quantity: int}
    - take(item: str, quantity: int) -> {item: str, quantity: int, left: int} | error(insufficient)

    ## queries
    - level(item: str) -> [{item: str, quantity: int}]

    ## principle
    after receive(item="apple", quantity=3)
    after take(item="apple", quantity=2)
    then level(item="apple")
    gives [{"item": "apple", "quantity": 1}]

:func:`accord.checks.specs.compare` checks a class against its spec; :func:`run_principle`
runs the operational principle with :func:`accord.testing.principle`.
"""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.concept import ActionCall, Concept, QueryCall

__all__ = [
    "Operation",
    "Principle",
    "Spec",
    "SpecError",
    "find_spec",
    "parse_spec",
    "run_principle",
]


class SpecError(ValueError):
    """A spec that does not follow the format (the message names the line and the fix)."""


@dataclass(frozen=True)
class Operation:
    """An action or query of a spec: inputs (name -> type text, has default), output cases."""

    name: str
    inputs: dict[str, tuple[str, bool]]
    cases: list[dict[str, str]]  # success cases (for a query: the row), key -> type text
    errors: list[str] = field(default_factory=list)  # error kinds
    line: int = 0


@dataclass(frozen=True)
class Principle:
    """``after`` calls (name, inputs), then one call, and what it gives."""

    after: list[tuple[str, dict[str, Any]]]
    then: tuple[str, dict[str, Any]]
    gives: Any


@dataclass(frozen=True)
class Spec:
    """A parsed concept spec."""

    name: str
    purpose: str
    state: dict[str, list[str]]  # table -> columns
    actions: dict[str, Operation]
    queries: dict[str, Operation]
    principle: Principle | None
    origin: str = ""


def _split(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets, braces and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def normalize_type(text: str) -> str:
    """A type as text, spaces removed and union members sorted (``None`` last)."""
    members = _split(text.replace(" ", ""), "|")
    if len(members) > 1:
        members = sorted(members, key=lambda m: (m == "None", m))
    return "|".join(members)


def _record(text: str, where: str) -> dict[str, str]:
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise SpecError(f"{where}: expected {{key: type, ...}}, got {text!r}")
    fields: dict[str, str] = {}
    for item in _split(text[1:-1], ","):
        key, sep, kind = item.partition(":")
        if not sep:
            raise SpecError(f"{where}: field {item!r} needs a type: `{item}: str`")
        fields[key.strip()] = normalize_type(kind)
    return fields


_OPERATION = re.compile(r"^-\s*(\w+)\s*\((.*)\)\s*->\s*(.+)$")


def _operation(line: str, number: int, is_query: bool, origin: str) -> Operation:
    where = f"{origin}:{number}"
    match = _OPERATION.match(line)
    if match is None:
        raise SpecError(f"{where}: expected `- name(input: type, ...) -> output`, got {line!r}")
    name, params, output = match.groups()
    inputs: dict[str, tuple[str, bool]] = {}
    for param in _split(params, ","):
        head, _, default = param.partition("=")
        pname, sep, kind = head.partition(":")
        if not sep:
            raise SpecError(f"{where}: input {pname.strip()!r} of {name} needs a type")
        inputs[pname.strip()] = (normalize_type(kind), bool(default.strip()))
    cases: list[dict[str, str]] = []
    errors: list[str] = []
    if is_query:
        output = output.strip()
        if not (output.startswith("[") and output.endswith("]")):
            raise SpecError(f"{where}: a query gives rows: `-> [{{key: type}}]`")
        cases.append(_record(output[1:-1], where))
    else:
        for case in _split(output, "|"):
            found = re.fullmatch(r"error\s*\((.*)\)", case)
            if found is not None:
                errors += [k.strip() for k in found.group(1).split(",") if k.strip()]
            else:
                cases.append(_record(case, where))
    return Operation(name, inputs, cases, errors, number)


def _call(text: str, where: str) -> tuple[str, dict[str, Any]]:
    try:
        node = ast.parse(text.strip(), mode="eval").body
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.args:
            raise ValueError("not a call with named inputs")
        return node.func.id, {k.arg or "": ast.literal_eval(k.value) for k in node.keywords}
    except (SyntaxError, ValueError) as exc:
        raise SpecError(
            f"{where}: expected a call with literal named inputs, like "
            f'take(item="apple", quantity=2), got {text.strip()!r} ({exc})'
        ) from None


def _principle(lines: list[tuple[int, str]], origin: str) -> Principle | None:
    if not lines:
        return None
    after: list[tuple[str, dict[str, Any]]] = []
    then: tuple[str, dict[str, Any]] | None = None
    gives_text: list[str] = []
    for number, line in lines:
        where = f"{origin}:{number}"
        word, _, rest = line.partition(" ")
        if gives_text:
            gives_text.append(line)
        elif word == "after":
            after.append(_call(rest, where))
        elif word == "then":
            call, found, gives = rest.partition(" gives ")
            then = _call(call, where)
            if found:
                gives_text.append(gives)
        elif word == "gives":
            gives_text.append(rest)
        else:
            raise SpecError(f"{where}: a principle line starts with after, then or gives")
    if then is None or not gives_text:
        raise SpecError(f"{origin}: the principle needs a `then call(...)` and `gives value`")
    try:
        gives = ast.literal_eval(" ".join(gives_text))
    except (SyntaxError, ValueError):
        raise SpecError(f"{origin}: `gives` must be a literal (JSON-like) value") from None
    return Principle(after, then, gives)


def parse_spec(text: str, origin: str = "spec", *, first_line: int = 1) -> list[Spec]:
    """Every ``# concept Name`` section of a Markdown text."""
    specs: list[Spec] = []
    name: str | None = None
    section = ""
    body: dict[str, list[tuple[int, str]]] = {}

    def finish() -> None:
        if name is None:
            return
        state: dict[str, list[str]] = {}
        for number, line in body.get("state", []):
            found = re.fullmatch(r"-\s*(\w+)\s*\((.*)\)", line)
            if found is None:
                raise SpecError(f"{origin}:{number}: state lines are `- table(column, ...)`")
            state[found.group(1).lower()] = [
                c.strip().lower() for c in found.group(2).split(",") if c.strip()
            ]
        actions = {
            op.name: op
            for op in (_operation(ln, n, False, origin) for n, ln in body.get("actions", []))
        }
        queries = {
            op.name: op
            for op in (_operation(ln, n, True, origin) for n, ln in body.get("queries", []))
        }
        purpose = " ".join(line for _, line in body.get("purpose", []))
        principle = _principle(body.get("principle", []), origin)
        specs.append(Spec(name, purpose, state, actions, queries, principle, origin))

    for number, raw in enumerate(text.splitlines(), start=first_line):
        line = raw.strip()
        heading = re.fullmatch(r"#\s+concept\s+(\w+)", line)
        if heading is not None:
            finish()
            name, section, body = heading.group(1), "", {}
            continue
        if name is None or not line:
            continue
        sub = re.fullmatch(r"##\s+(\w+)", line)
        if sub is not None:
            section = sub.group(1).lower()
            if section not in ("purpose", "state", "actions", "queries", "principle"):
                raise SpecError(
                    f"{origin}:{number}: unknown section {section!r}; sections are purpose, "
                    "state, actions, queries and principle"
                )
            continue
        body.setdefault(section, []).append((number, line))
    finish()
    return specs


def find_spec(cls: type[Concept]) -> Spec | None:
    """The spec of a concept class: its docstring's, or its module's ``.spec.md`` file's."""
    doc = cls.__doc__ or ""
    if re.search(rf"^\s*#\s+concept\s+{re.escape(cls.name)}\s*$", doc, re.MULTILINE):
        origin = f"{cls.__module__}.{cls.__qualname__} docstring"
        for spec in parse_spec(inspect.cleandoc(doc), origin):
            if spec.name == cls.name:
                return spec
    try:
        source = inspect.getsourcefile(cls)
    except TypeError:
        return None
    if source is None:
        return None
    path = Path(source).with_suffix(".spec.md")
    if not path.exists():
        return None
    for spec in parse_spec(path.read_text(encoding="utf-8"), str(path)):
        if spec.name == cls.name:
            return spec
    return None


def run_principle(concept: Concept, spec: Spec) -> None:
    """Run the spec's operational principle on ``concept`` alone, on a fresh database.

    Raises :class:`accord.testing.PrincipleViolation` when it does not hold, and
    :class:`SpecError` when it names an action or query the concept lacks.
    """
    from accord.testing.principles import principle

    if spec.principle is None:
        raise SpecError(f"{spec.origin}: {spec.name} has no principle section")
    cls = type(concept)

    def call(name: str, inputs: dict[str, Any]) -> ActionCall | QueryCall:
        if name in cls.actions:
            return cls.actions[name](**inputs)
        if name in cls.queries:
            return cls.queries[name](**inputs)
        raise SpecError(f"{spec.origin}: the principle calls {name}, which {cls.name} lacks")

    after = []
    for name, inputs in spec.principle.after:
        step = call(name, inputs)
        if not isinstance(step, ActionCall):
            raise SpecError(f"{spec.origin}: `after {name}` must be an action, not a query")
        after.append(step)
    principle(concept, after=after, then=call(*spec.principle.then), gives=spec.principle.gives)

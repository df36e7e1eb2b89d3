"""Static checks of syncs against the concepts they name, run before anything executes.

:func:`check` returns :class:`Diagnostic` objects (errors and warnings) naming the sync, the
clause and the fix; :func:`raise_on_errors` turns the errors into one :class:`SyncCheckError`.
Both notations (Python and ``.sync`` text) compile to the same model and get the same checks.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import typing_extensions
from pydantic import TypeAdapter, ValidationError

from accord.concept import ActionDef, Concept, Error, QueryDef
from accord.sync._diagnostics import (
    Diagnostic,
    Severity,
    SyncCheckError,
    action_used_as_query,
    concept_names,
    listing,
    query_used_as_action,
    raise_on_errors,
    suggest,
    unknown_concept,
)
from accord.sync.model import (
    ActionCall,
    Bind,
    Collect,
    Filter,
    Optional,
    Pattern,
    QueryCall,
    Sync,
    Var,
    variables_in,
)

__all__ = ["Diagnostic", "SyncCheckError", "check", "raise_on_errors"]


def check(concepts: Iterable[type[Concept] | Concept], syncs: Iterable[Sync]) -> list[Diagnostic]:
    """Check syncs against the app's concepts; returns errors and warnings (possibly none)."""
    known = concept_names(concepts)
    syncs = list(syncs)
    diagnostics: list[Diagnostic] = []
    diagnostics += _duplicates(syncs)
    for s in syncs:
        diagnostics += _SyncChecker(s, known).run()
    diagnostics += _cycles(syncs)
    return diagnostics


def _duplicates(syncs: Sequence[Sync]) -> list[Diagnostic]:
    by_name: dict[str, list[Sync]] = {}
    for s in syncs:
        by_name.setdefault(s.name, []).append(s)
    return [
        Diagnostic(
            "error",
            name,
            "definition",
            f"{len(same)} syncs are named {name!r}"
            + (f" (at {', '.join(s.origin for s in same)})" if all(s.origin for s in same) else ""),
            "rename all but one: the engine records each firing under its sync's name",
            origin=same[1].origin,
        )
        for name, same in by_name.items()
        if len(same) > 1
    ]


# -- one sync ----------------------------------------------------------------------------------


class _SyncChecker:
    def __init__(self, sync: Sync, known: Mapping[str, type[Concept]]) -> None:
        self.sync = sync
        self.known = known
        self.found: list[Diagnostic] = []
        self.bound: set[Var] = set()
        # variable -> the where clause that binds it, to tell "used too early" from "never bound"
        self.later: dict[Var, str] = {}

    def report(
        self, clause: str, subject: str, message: str, fix: str, severity: Severity = "error"
    ) -> None:
        self.found.append(
            Diagnostic(severity, self.sync.name, clause, message, fix, subject, self.sync.origin)
        )

    def run(self) -> list[Diagnostic]:
        for i, clause in enumerate(self.sync.where, 1):
            for v in _binds(clause):
                self.later.setdefault(v, f"where {i}")
        for i, pattern in enumerate(self.sync.when, 1):
            self.when(f"when {i}", pattern)
        for i, clause in enumerate(self.sync.where, 1):
            self.where(f"where {i}", clause)
        for i, call in enumerate(self.sync.then, 1):
            self.then(f"then {i}", call)
        return self.found

    # clauses

    def when(self, clause: str, pattern: Pattern) -> None:
        target: Any = pattern.action
        if isinstance(target, QueryDef):
            self.report(
                clause,
                target.qualname,
                *query_used_as_action(target.qualname, "when", _owner(target)),
            )
            return
        adef: ActionDef[Any] = target
        self.membership(clause, adef)
        self.inputs(clause, adef, pattern.inputs, partial=True)
        self.outputs(clause, adef, pattern.outputs)
        self.bound |= variables_in(pattern.inputs) | variables_in(pattern.outputs)

    def where(self, clause: str, item: Any) -> None:
        if isinstance(item, ActionCall | Pattern):
            q = item.action.qualname
            self.report(clause, q, *action_used_as_query(q, _owner(item.action)))
            return
        if isinstance(item, QueryCall | Optional | Collect):
            call = item if isinstance(item, QueryCall) else item.query
            if isinstance(call.query, ActionDef):
                q = call.query.qualname
                self.report(clause, q, *action_used_as_query(q, _owner(call.query)))
                return
            qdef: QueryDef[Any] = call.query
            self.membership(clause, qdef)
            self.inputs(clause, qdef, call.inputs, partial=False)
            self.uses(clause, qdef.qualname, variables_in(call.inputs))
            self.rows(clause, qdef, call.outputs)
            if isinstance(item, Collect):
                self.bound.add(item.into)
            else:
                self.bound |= variables_in(call.outputs)
        elif isinstance(item, Filter):
            self.uses(clause, "", set(item.uses), str(item))
        elif isinstance(item, Bind):
            self.uses(clause, "", set(item.uses), str(item))
            self.bound.add(item.var)

    def then(self, clause: str, call: Any) -> None:
        if isinstance(call, QueryCall):
            q = call.query.qualname
            self.report(clause, q, *query_used_as_action(q, "then", _owner(call.query)))
            return
        if isinstance(call, Pattern) and call.outputs:
            self.report(
                clause,
                call.action.qualname,
                "a then call has no output pattern",
                "drop the `=> [...]` part (or `.out(...)`): then invokes the action",
            )
        adef: ActionDef[Any] = call.action
        if isinstance(adef, QueryDef):
            self.report(
                clause, adef.qualname, *query_used_as_action(adef.qualname, "then", _owner(adef))
            )
            return
        self.membership(clause, adef)
        self.inputs(clause, adef, call.inputs, partial=False)
        self.uses(clause, adef.qualname, variables_in(call.inputs))

    # pieces

    def membership(self, clause: str, d: ActionDef[Any] | QueryDef[Any]) -> None:
        if d.concept not in self.known:
            message, fix = unknown_concept(d.concept, self.known)
            self.report(clause, d.qualname, message, f"register {d.concept}() in the app. {fix}")

    def inputs(
        self,
        clause: str,
        d: ActionDef[Any] | QueryDef[Any],
        given: Mapping[str, Any],
        *,
        partial: bool,
    ) -> None:
        declared = d.inputs
        names = _describe_inputs(declared)
        meant: set[str] = set()  # inputs an unknown key probably meant: not reported missing
        for key, value in given.items():
            if key not in declared:
                meant.update(difflib.get_close_matches(key, list(declared), n=1, cutoff=0.6))
                self.report(
                    clause,
                    d.qualname,
                    f"unknown input {key!r}",
                    f"{suggest(key, declared)}Inputs of {d.qualname}: {names}",
                )
                continue
            reason = _misfit(value, declared[key][0], partial=partial)
            if reason is not None:
                self.report(
                    clause,
                    d.qualname,
                    f"input {key!r} is declared {_type_name(declared[key][0])}, but "
                    f"{_render(value)} does not fit: {reason}",
                    f"pass a value of type {_type_name(declared[key][0])}, or a variable",
                )
        if not partial:
            for key, (_, has_default) in declared.items():
                if not has_default and key not in given and key not in meant:
                    self.report(
                        clause,
                        d.qualname,
                        f"missing required input {key!r}",
                        f"add `{key}: ...` to the call. Inputs of {d.qualname}: {names}",
                    )

    def outputs(self, clause: str, adef: ActionDef[Any], given: Mapping[str, Any]) -> None:
        try:
            cases = _cases(adef)
        except TypeError as exc:
            self.report(
                clause,
                adef.qualname,
                f"its declared outputs are invalid: {exc}",
                "fix the action's return annotation",
            )
            return
        every = sorted({k for c in cases for k in c.keys})
        unknown = [k for k in given if k not in every]
        for key in unknown:
            self.report(
                clause,
                adef.qualname,
                f"unknown output {key!r}",
                f"{suggest(key, every)}Outputs of {adef.qualname}: {listing(every)}",
            )
        if unknown:
            return
        keys = frozenset(given)
        fitting = [c for c in cases if keys <= c.keys]
        if not fitting:
            shapes = " or ".join(f"{c.name} ({listing(sorted(c.keys))})" for c in cases)
            self.report(
                clause,
                adef.qualname,
                f"output keys {listing(sorted(keys))} fit no single case of {adef.qualname}, "
                "so this sync can never fire",
                f"match the keys of one case: {shapes}",
            )
            fitting = list(cases)
        for key, value in given.items():
            annotations = [c.fields[key] for c in fitting if key in c.fields]
            reasons = [_misfit(value, a, partial=True) for a in annotations]
            if annotations and all(r is not None for r in reasons):
                declared = " | ".join(dict.fromkeys(_type_name(a) for a in annotations))
                self.report(
                    clause,
                    adef.qualname,
                    f"output {key!r} is declared {declared}, but {_render(value)} does not fit: "
                    f"{reasons[0]}",
                    f"match a value of type {declared}, or use a variable",
                )

    def rows(self, clause: str, qdef: QueryDef[Any], given: Mapping[str, Any]) -> None:
        try:
            fields = qdef.row_fields
        except TypeError as exc:
            self.report(
                clause,
                qdef.qualname,
                f"its declared rows are invalid: {exc}",
                "fix the query's return annotation",
            )
            return
        for key, value in given.items():
            if key not in fields:
                self.report(
                    clause,
                    qdef.qualname,
                    f"unknown row field {key!r}",
                    f"{suggest(key, fields)}Row fields of {qdef.qualname}: "
                    f"{listing(sorted(fields))}",
                )
                continue
            reason = _misfit(value, fields[key], partial=True)
            if reason is not None:
                self.report(
                    clause,
                    qdef.qualname,
                    f"row field {key!r} is declared {_type_name(fields[key])}, but "
                    f"{_render(value)} does not fit: {reason}",
                    f"match a value of type {_type_name(fields[key])}, or use a variable",
                )

    def uses(self, clause: str, subject: str, used: set[Var], text: str = "") -> None:
        bound_names = sorted(f"?{v.name}" for v in self.bound)
        for var in sorted(used - self.bound, key=lambda v: v.name):
            where = f" in {text}" if text else ""
            if var in self.later:
                message = f"variable ?{var.name}{where} is used before {self.later[var]} binds it"
                fix = f"move {self.later[var]} before {clause}"
            else:
                message = f"variable ?{var.name}{where} is never bound"
                hint = suggest("?" + var.name, bound_names)
                fix = (
                    f"{hint}{'B' if hint else 'b'}ind it in when or in an earlier where clause. "
                    f"Bound here: {listing(bound_names)}"
                )
            self.report(clause, subject, message, fix)


@dataclass(frozen=True, slots=True)
class _Shape:
    """The keys and field types of one output case."""

    name: str
    keys: frozenset[str]
    fields: Mapping[str, Any]


_IMPLICIT_ERROR = _Shape("Error", frozenset({"error"}), typing.get_type_hints(Error))


def _cases(adef: ActionDef[Any]) -> list[_Shape]:
    """The declared cases, plus the error case every action can produce (an exception or a
    rejected input completes with ``error``) when it declares none."""
    shapes = [_Shape(c.name, c.keys, c.fields) for c in adef.cases]
    if not any(c.is_error for c in adef.cases):
        shapes.append(_IMPLICIT_ERROR)
    return shapes


def _binds(clause: Any) -> set[Var]:
    if isinstance(clause, QueryCall | Optional):
        call = clause if isinstance(clause, QueryCall) else clause.query
        return variables_in(call.outputs)
    if isinstance(clause, Collect):
        return {clause.into}
    if isinstance(clause, Bind):
        return {clause.var}
    return set()


def _owner(d: Any) -> type[Any]:
    owner = getattr(d, "owner", None)
    return owner if owner is not None else Concept


def _describe_inputs(declared: Mapping[str, tuple[Any, bool]]) -> str:
    return listing(f"{k} (optional)" if opt else k for k, (_, opt) in declared.items())


# -- literal types -----------------------------------------------------------------------------


def _type_name(annotation: Any) -> str:
    if annotation is type(None):
        return "None"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    members = _members(annotation)
    if len(members) > 1:
        return " | ".join(_type_name(m) for m in members)
    return str(annotation).replace("typing.", "").replace("typing_extensions.", "")


def _members(annotation: Any) -> tuple[Any, ...]:
    """The alternatives of a (possibly Annotated, Optional) union."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return tuple(m for a in typing.get_args(annotation) for m in _members(a))
    return (annotation,)


_adapters: dict[Any, TypeAdapter[Any] | None] = {}


def _adapter(annotation: Any) -> TypeAdapter[Any] | None:
    try:
        if annotation not in _adapters:
            try:
                _adapters[annotation] = TypeAdapter(annotation)
            except Exception:  # a type pydantic cannot validate: nothing to check statically
                _adapters[annotation] = None
        return _adapters[annotation]
    except TypeError:  # unhashable annotation
        try:
            return TypeAdapter(annotation)
        except Exception:
            return None


def _misfit(value: Any, annotation: Any, *, partial: bool) -> str | None:
    """Why ``value`` (literal, variable or nested mix) can never fit ``annotation``, or None.

    Records in patterns match partially, so a nested record is checked key by key rather than
    validated whole; a literal without variables in a ``then`` call is validated whole.
    """
    if isinstance(value, Var) or annotation is Any:
        return None
    has_vars = bool(variables_in(value))
    if not has_vars and not (partial and isinstance(value, Mapping | list | tuple)):
        adapter = _adapter(annotation)
        if adapter is None:
            return None
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            return str(exc.errors()[0]["msg"])
        return None
    if isinstance(value, Mapping):
        return _misfit_record(value, annotation, partial=partial)
    if isinstance(value, list | tuple):
        return _misfit_list(value, annotation, partial=partial)
    return None


def _misfit_record(value: Mapping[str, Any], annotation: Any, *, partial: bool) -> str | None:
    reasons: list[str] = []
    for member in _members(annotation):
        if member is Any:
            return None
        if typing_extensions.is_typeddict(member):
            hints = typing.get_type_hints(member)
            extra = [k for k in value if k not in hints]
            if extra:
                reasons.append(
                    f"{member.__name__} has no field {extra[0]!r} "
                    f"(fields: {listing(sorted(hints))})"
                )
                continue
            inner = [_misfit(v, hints[k], partial=partial) for k, v in value.items()]
            bad = [r for r in inner if r is not None]
            if not bad:
                return None
            reasons.append(bad[0])
            continue
        origin = typing.get_origin(member) or member
        if isinstance(origin, type) and issubclass(origin, Mapping):
            args = typing.get_args(member)
            item = args[1] if len(args) == 2 else Any
            bad = [r for v in value.values() if (r := _misfit(v, item, partial=partial))]
            if not bad:
                return None
            reasons.append(bad[0])
            continue
        if not isinstance(member, type) and origin is member:
            return None  # a type we cannot reason about (TypeVar, forward ref...): accept
    return reasons[0] if reasons else "a record does not fit this type"


def _misfit_list(value: Sequence[Any], annotation: Any, *, partial: bool) -> str | None:
    reasons: list[str] = []
    for member in _members(annotation):
        if member is Any:
            return None
        origin = typing.get_origin(member) or member
        if isinstance(origin, type) and issubclass(origin, list | tuple | set | frozenset):
            args = typing.get_args(member)
            if origin is tuple and args and args[-1] is not Ellipsis:
                if len(args) != len(value):
                    reasons.append(f"expected {len(args)} items, got {len(value)}")
                    continue
                pairs = list(zip(value, args, strict=True))
            else:
                pairs = [(v, args[0] if args else Any) for v in value]
            bad = [r for v, a in pairs if (r := _misfit(v, a, partial=partial))]
            if not bad:
                return None
            reasons.append(bad[0])
            continue
        if not isinstance(member, type) and origin is member:
            return None
    return reasons[0] if reasons else "a list does not fit this type"


def _render(value: Any) -> str:
    if isinstance(value, Var):
        return repr(value)
    if isinstance(value, Mapping):
        return "[ " + " ; ".join(f"{k}: {_render(v)}" for k, v in value.items()) + " ]"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


# -- cycles ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Edge:
    source: int
    target: int
    then_index: int
    action: str


def _may_feed(call: ActionCall, pattern: Pattern) -> bool:
    """Whether an invocation built by ``call`` could complete into a match of ``pattern``."""
    if call.action is not pattern.action:
        return False
    for key, expected in pattern.inputs.items():
        given = call.inputs.get(key)
        literal = key in call.inputs and not variables_in(expected) and not variables_in(given)
        if literal and (given != expected or isinstance(given, bool) != isinstance(expected, bool)):
            return False
    return True


def _cycles(syncs: Sequence[Sync]) -> list[Diagnostic]:
    edges: dict[int, list[_Edge]] = {i: [] for i in range(len(syncs))}
    for a, source in enumerate(syncs):
        for k, call in enumerate(source.then, 1):
            if not isinstance(call, ActionCall):
                continue
            for b, target in enumerate(syncs):
                if any(_may_feed(call, p) for p in target.when):
                    edges[a].append(_Edge(a, b, k, call.action.qualname))
    found: list[Diagnostic] = []
    for component in _components(edges):
        start = min(component, key=lambda i: (syncs[i].name, i))
        if len(component) == 1 and not any(e.target == start for e in edges[start]):
            continue
        path = _cycle_through(start, component, edges)
        names = " -> ".join([syncs[e.source].name for e in path] + [syncs[start].name])
        steps = "; ".join(
            f"{syncs[e.source].name} invokes {e.action}, which {syncs[e.target].name} matches"
            for e in path
        )
        found.append(
            Diagnostic(
                "warning",
                syncs[start].name,
                f"then {path[0].then_index}",
                f"sync cycle {names} ({steps})",
                "make sure the cycle ends (a when literal or a where filter that stops it); "
                "the per-flow step budget halts a runaway flow",
                path[0].action,
                syncs[start].origin,
            )
        )
    return found


def _components(edges: Mapping[int, list[_Edge]]) -> list[list[int]]:
    """Strongly connected components (Tarjan, iterative)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    result: list[list[int]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            out = edges[node]
            if i < len(out):
                work.append((node, i + 1))
                nxt = out[i].target
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def _cycle_through(
    start: int, component: list[int], edges: Mapping[int, list[_Edge]]
) -> list[_Edge]:
    """The shortest cycle from ``start`` back to itself inside its component (BFS)."""
    members = set(component)
    previous: dict[int, _Edge] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following: list[int] = []
        for node in frontier:
            for edge in edges[node]:
                if edge.target == start:
                    path = [edge]
                    while path[0].source != start:
                        path.insert(0, previous[path[0].source])
                    return path
                if edge.target in members and edge.target not in seen:
                    seen.add(edge.target)
                    previous[edge.target] = edge
                    following.append(edge.target)
        frontier = following
    raise AssertionError("a strongly connected component always has a cycle through each node")

"""Static checks of syncs against the concepts they name, run before anything executes.

:func:`check` returns :class:`Diagnostic` objects (errors and warnings) naming the sync, the
clause and the fix; :func:`raise_on_errors` turns the errors into one :class:`SyncCheckError`.
Both notations (Python and ``.sync`` text) compile to the same model and get the same checks.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import typing_extensions
from pydantic import ValidationError

from accord.annotations import adapter, type_name, typed_dict_fields, union_members
from accord.checks.diagnostics import (
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
from accord.concept import ActionDef, Case, Concept, QueryDef, error_case, render_value
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
        # variable -> the kinds of value it can hold and where it was first bound
        self.kinds: dict[Var, tuple[Kinds, str]] = {}

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
            binds = {QueryCall: "yes", Optional: "nullable", Collect: "no"}[type(item)]
            self.rows(clause, qdef, call.outputs, binds=binds)
            if isinstance(item, Collect):
                self.site(clause, qdef.qualname, item.into, frozenset({"list"}), clause)
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
            if isinstance(value, Var):
                where = f"input {key!r} of {d.qualname} in {clause}"
                if partial:  # a when pattern: the recorded input must equal the variable
                    self.site(clause, d.qualname, value, _kinds(declared[key][0]), where)
                else:
                    self.use(clause, d.qualname, value, key, declared[key][0])
            reason = _misfit(value, declared[key][0], partial=partial)
            if reason is not None:
                self.report(
                    clause,
                    d.qualname,
                    f"input {key!r} is declared {type_name(declared[key][0])}, but "
                    f"{render_value(value)} does not fit: {reason}",
                    f"pass a value of type {type_name(declared[key][0])}, or a variable",
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
            if isinstance(value, Var):
                kinds = _kinds_of_all(annotations)
                where = f"output {key!r} of {adef.qualname} in {clause}"
                self.site(clause, adef.qualname, value, kinds, where)
            reasons = [_misfit(value, a, partial=True) for a in annotations]
            if annotations and all(r is not None for r in reasons):
                declared = " | ".join(dict.fromkeys(type_name(a) for a in annotations))
                self.report(
                    clause,
                    adef.qualname,
                    f"output {key!r} is declared {declared}, but {render_value(value)} does not "
                    f"fit: {reasons[0]}",
                    f"match a value of type {declared}, or use a variable",
                )

    def rows(
        self, clause: str, qdef: QueryDef[Any], given: Mapping[str, Any], *, binds: str
    ) -> None:
        """``binds``: "yes" (a query), "nullable" (optional) or "no" (collect projects)."""
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
            if isinstance(value, Var) and binds != "no":
                kinds = _kinds(fields[key])
                if kinds is not None and binds == "nullable":
                    kinds = kinds | {"null"}
                where = f"row field {key!r} of {qdef.qualname} in {clause}"
                self.site(clause, qdef.qualname, value, kinds, where)
            reason = _misfit(value, fields[key], partial=True)
            if reason is not None:
                self.report(
                    clause,
                    qdef.qualname,
                    f"row field {key!r} is declared {type_name(fields[key])}, but "
                    f"{render_value(value)} does not fit: {reason}",
                    f"match a value of type {type_name(fields[key])}, or use a variable",
                )

    def site(self, clause: str, subject: str, var: Var, kinds: Kinds, where: str) -> None:
        """A position that binds ``var`` on first use and must equal it afterwards."""
        if var not in self.kinds:
            self.kinds[var] = (kinds, where)
            return
        known, source = self.kinds[var]
        if known is None or kinds is None or known & kinds:
            return
        self.report(
            clause,
            subject,
            f"variable ?{var.name} is {_describe(known)} ({source}) but {_describe(kinds)} here "
            f"({where}), so they are never equal and this sync can never fire",
            "use two variables, or compare them after converting one in a where clause",
        )

    def use(self, clause: str, subject: str, var: Var, key: str, annotation: Any) -> None:
        """A variable passed as an input: its values must be acceptable to the declared type."""
        if var not in self.kinds:
            return
        known, source = self.kinds[var]
        wanted = _kinds(annotation)
        if known is None or wanted is None:
            return
        accepted = frozenset().union(*(_ACCEPTS[k] for k in wanted))
        if known & accepted:
            return
        name = type_name(annotation)
        fix = f"pass a value of type {name}"
        if wanted == {"string"} and known <= {"number", "boolean"}:
            fix += f", e.g. bind(str(?{var.name}) as ?{var.name}_text) in where"
        self.report(
            clause,
            subject,
            f"variable ?{var.name} is {_describe(known)} ({source}), but input {key!r} is "
            f"declared {name}",
            fix,
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


def _cases(adef: ActionDef[Any]) -> list[Case]:
    """The declared cases, plus the error case every action can produce when it declares none."""
    cases = list(adef.cases)
    if not any(c.is_error for c in cases):
        cases.append(error_case())
    return cases


# -- kinds of values, for variables used in several places ------------------------------------

Kinds = frozenset[str] | None  # None: unknown, anything may fit

# What Pydantic's lax mode accepts for each kind of declared type (a number field takes "5").
_ACCEPTS: dict[str, frozenset[str]] = {
    "string": frozenset({"string"}),
    "number": frozenset({"number", "string", "boolean"}),
    "boolean": frozenset({"boolean", "number", "string"}),
    "record": frozenset({"record"}),
    "list": frozenset({"list"}),
    "null": frozenset({"null"}),
}
_ARTICLE = {
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "record": "a record",
    "list": "a list",
    "null": "null",
}


def _describe(kinds: frozenset[str]) -> str:
    return " or ".join(_ARTICLE[k] for k in sorted(kinds))


def _kind_of_value(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _kinds(annotation: Any) -> Kinds:
    """The JSON kinds of value an annotation admits, or None when we cannot tell."""
    kinds: set[str] = set()
    for member in union_members(annotation):
        origin = typing.get_origin(member)
        if member is type(None) or member is None:
            kinds.add("null")
        elif member is bool:
            kinds.add("boolean")
        elif member is int or member is float:
            kinds.add("number")
        elif member is str:
            kinds.add("string")
        elif origin is typing.Literal:
            found = {_kind_of_value(v) for v in typing.get_args(member)}
            if None in found:
                return None
            kinds |= {k for k in found if k is not None}
        elif typing_extensions.is_typeddict(member) or _subclass(origin or member, Mapping):
            kinds.add("record")
        elif _subclass(origin or member, list | tuple | set | frozenset):
            kinds.add("list")
        else:
            return None  # Any, enums, dates, models...: no static claim
    return frozenset(kinds)


def _subclass(cls: Any, base: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, base)


def _kinds_of_all(annotations: Sequence[Any]) -> Kinds:
    if not annotations:
        return None
    found: set[str] = set()
    for annotation in annotations:
        kinds = _kinds(annotation)
        if kinds is None:
            return None
        found |= kinds
    return frozenset(found)


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


def _misfit(value: Any, annotation: Any, *, partial: bool) -> str | None:
    """Why ``value`` (literal, variable or nested mix) can never fit ``annotation``, or None.

    Records in patterns match partially, so a nested record is checked key by key rather than
    validated whole; a literal without variables in a ``then`` call is validated whole.
    """
    if isinstance(value, Var) or annotation is Any:
        return None
    has_vars = bool(variables_in(value))
    if not has_vars and not (partial and isinstance(value, Mapping | list | tuple)):
        validator = adapter(annotation)
        if validator is None:
            return None
        try:
            validator.validate_python(value)
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
    for member in union_members(annotation):
        if member is Any:
            return None
        if typing_extensions.is_typeddict(member):
            hints = typed_dict_fields(member)
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
    for member in union_members(annotation):
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

"""The sync model: what both notations (Python and ``.sync`` text) compile to.

A :class:`Sync` is ``when`` patterns over completions, ``where`` clauses over frames (variable
bindings) and ``then`` calls. Values in patterns and calls are literals, :class:`Var` objects,
or nested dicts/lists of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accord.concept import ActionDef, QueryDef

__all__ = [
    "ActionCall",
    "Bind",
    "Collect",
    "Filter",
    "Optional",
    "Pattern",
    "QueryCall",
    "Sync",
    "Var",
    "WhereClause",
    "variables_in",
]


class Var:
    """A sync variable. Binds on first use; must be equal on every later use."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"?{self.name}"


def variables_in(value: Any) -> set[Var]:
    """Every variable appearing in a (possibly nested) value."""
    if isinstance(value, Var):
        return {value}
    if isinstance(value, Mapping):
        return set().union(*(variables_in(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(variables_in(v) for v in value))
    return set()


@dataclass(frozen=True, slots=True)
class ActionCall:
    """``Concept/action: [inputs]``: an invocation in ``then``, or a ``when`` pattern."""

    action: ActionDef[Any]
    inputs: Mapping[str, Any]

    def out(self, **outputs: Any) -> Pattern:
        """A ``when`` pattern matching completions whose outputs match ``outputs``."""
        return Pattern(self.action, self.inputs, outputs)

    def err(self, value: Any) -> Pattern:
        """A ``when`` pattern matching the error case (``error: value``)."""
        return Pattern(self.action, self.inputs, {"error": value})

    def __str__(self) -> str:
        return f"{self.action.qualname}: {_render(self.inputs)}"


@dataclass(frozen=True, slots=True)
class Pattern:
    """``Concept/action: [inputs] => [outputs]``, matched partially against completions."""

    action: ActionDef[Any]
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.action.qualname}: {_render(self.inputs)} => {_render(self.outputs)}"


@dataclass(frozen=True, slots=True)
class QueryCall:
    """A query in ``where``: fans a frame out to one frame per row.

    ``outputs`` maps row fields to variables (or literals, which filter rows).
    """

    query: QueryDef[Any]
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] = field(default_factory=dict)

    def out(self, **outputs: Any) -> QueryCall:
        return QueryCall(self.query, self.inputs, {**self.outputs, **outputs})

    def __str__(self) -> str:
        return f"{self.query.qualname}: {_render(self.inputs)} => {_render(self.outputs)}"


@dataclass(frozen=True, slots=True)
class Optional:
    """A left join: like a query, but a frame with no rows is kept with its outputs unbound
    (bound to ``None``)."""

    query: QueryCall

    def __str__(self) -> str:
        return f"optional {self.query}"


@dataclass(frozen=True, slots=True)
class Collect:
    """An aggregate: collects the query's rows (as dicts) into one list bound to ``into``.

    A frame with zero rows survives with an empty list, so a list endpoint still answers.
    """

    query: QueryCall
    into: Var

    def __str__(self) -> str:
        return f"collect({self.query} as {self.into!r})"


@dataclass(frozen=True, slots=True)
class Filter:
    """Keeps the frames for which ``predicate(*values of uses)`` is true."""

    predicate: Callable[..., bool]
    uses: tuple[Var, ...]
    source: str = ""

    def __str__(self) -> str:
        return f"filter({self.source or self.predicate.__name__})"


@dataclass(frozen=True, slots=True)
class Bind:
    """Binds ``var`` to ``compute(*values of uses)``, e.g. a fresh uuid."""

    var: Var
    compute: Callable[..., Any]
    uses: tuple[Var, ...] = ()
    source: str = ""

    def __str__(self) -> str:
        return f"bind({self.source or self.compute.__name__} as {self.var!r})"


WhereClause = QueryCall | Optional | Collect | Filter | Bind


@dataclass(frozen=True, slots=True)
class Sync:
    """A synchronization: when these actions happen, where the state is so, then these follow."""

    name: str
    when: Sequence[Pattern]
    then: Sequence[ActionCall]
    where: Sequence[WhereClause] = ()
    origin: str = ""  # where it was defined (file:line), for diagnostics

    def __post_init__(self) -> None:
        for clause in self.when:
            if not isinstance(clause, Pattern | ActionCall):
                raise TypeError(
                    f"sync {self.name}: `when` matches action completions, but got {clause}; "
                    "queries belong in `where`"
                )
        # A bare ActionCall in `when` means "any completion" (empty output pattern).
        object.__setattr__(
            self,
            "when",
            tuple(p if isinstance(p, Pattern) else Pattern(p.action, p.inputs) for p in self.when),
        )
        object.__setattr__(self, "then", tuple(self.then))
        object.__setattr__(self, "where", tuple(self.where))

    def __str__(self) -> str:
        lines = [f"sync {self.name}", "when {", *(f"  {p}" for p in self.when), "}"]
        if self.where:
            lines += ["where {", *(f"  {w}" for w in self.where), "}"]
        lines += ["then {", *(f"  {c}" for c in self.then), "}"]
        return "\n".join(lines)


def _render(values: Mapping[str, Any]) -> str:
    def one(v: Any) -> str:
        if isinstance(v, Mapping):
            return _render(v)
        if isinstance(v, list | tuple):
            return "[" + ", ".join(one(x) for x in v) + "]"
        if isinstance(v, Var):
            return repr(v)
        return _literal(v)

    return "[ " + " ; ".join(f"{k}: {one(v)}" for k, v in values.items()) + " ]" if values else "[]"


def _literal(v: Any) -> str:
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v)

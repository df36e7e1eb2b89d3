"""The sync model: what both notations (Python and ``.sync`` text) compile to.

A :class:`Sync` is ``when`` patterns over completions, ``where`` clauses over frames (variable
bindings) and ``then`` calls. Values in patterns and calls are literals, :class:`Var` objects,
or nested dicts/lists of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The calls (an action or query applied to inputs) are built by the concepts' declarations, so
# they live beside them; the model re-exports them as the atoms its clauses are made of.
from accord.concept import ActionCall, Pattern, QueryCall

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

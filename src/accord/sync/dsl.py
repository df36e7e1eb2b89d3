"""The Python notation for syncs.

A sync is a function whose parameters are its variables; it returns the sync's clauses::

    @sync
    def threshold(name: Var, count: Var) -> Clauses:
        return Clauses(
            when=[Counter.increment(name=name).out(count=count)],
            where=[where(lambda c: c >= 10, count)],
            then=[Alarm.ring(name=name)],
        )

The decorator calls the function once with fresh :class:`Var` objects named after the
parameters and returns a :class:`Sync`.
"""

from __future__ import annotations

import inspect
import uuid as _uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

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
    WhereClause,
)

__all__ = ["Clauses", "bind", "collect", "optional", "sync", "uuid", "uuids_from", "where"]


@dataclass(frozen=True, slots=True)
class Clauses:
    """The clauses a Python sync function returns."""

    when: Sequence[Pattern | ActionCall]
    then: Sequence[ActionCall]
    where: Sequence[WhereClause] = ()


def sync(fn: Callable[..., Clauses]) -> Sync:
    """Turn a function of variables into a :class:`Sync` named after the function."""
    params = inspect.signature(fn).parameters
    clauses = fn(*(Var(name) for name in params))
    if not isinstance(clauses, Clauses):
        raise TypeError(f"sync {fn.__name__} must return Clauses(when=..., then=..., where=...)")
    try:
        origin = f"{inspect.getsourcefile(fn)}:{fn.__code__.co_firstlineno}"
    except TypeError:
        origin = ""
    return Sync(
        name=fn.__name__,
        when=[c if isinstance(c, Pattern) else Pattern(c.action, c.inputs) for c in clauses.when],
        where=clauses.where,
        then=clauses.then,
        origin=origin,
    )


def where(predicate: Callable[..., bool], *uses: Var) -> Filter:
    """Keep frames where ``predicate(*values of uses)`` holds."""
    return Filter(predicate, uses, getattr(predicate, "__name__", ""))


def bind(var: Var, compute: Callable[..., Any], *uses: Var) -> Bind:
    """Bind ``var`` to ``compute(*values of uses)``."""
    return Bind(var, compute, uses, getattr(compute, "__name__", ""))


def optional(query: QueryCall) -> Optional:
    """A query that keeps the frame (variables bound to None) when it finds no row."""
    return Optional(query)


def collect(query: QueryCall, into: Var) -> Collect:
    """Collect every row of ``query`` into one list bound to ``into``."""
    return Collect(query, into)


_uuid_source: ContextVar[Callable[[], str] | None] = ContextVar("accord_uuid", default=None)


def uuid() -> str:
    """A fresh random id (for ``bind``); seeded in the engine's deterministic mode."""
    source = _uuid_source.get()
    return source() if source is not None else _uuid.uuid4().hex


@contextmanager
def uuids_from(source: Callable[[], str] | None) -> Iterator[None]:
    """Within the block (in this context), :func:`uuid` returns ``source()``; ``None`` means
    random ids. The engine's deterministic mode draws seeded ids this way."""
    token = _uuid_source.set(source)
    try:
        yield
    finally:
        _uuid_source.reset(token)

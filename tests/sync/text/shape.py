"""Structural view of a Sync, to compare what the two notations build."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.sync.model import Bind, Collect, Filter, Optional, QueryCall, Sync, Var


def value(x: Any) -> Any:
    if isinstance(x, Var):
        return ("?", x.name)
    if isinstance(x, Mapping):
        return {k: value(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [value(v) for v in x]
    return x


def clause(c: Any) -> Any:
    if isinstance(c, QueryCall):
        return ("query", c.query, value(c.inputs), value(c.outputs))
    if isinstance(c, Optional):
        return ("optional", clause(c.query))
    if isinstance(c, Collect):
        return ("collect", clause(c.query), c.into.name)
    if isinstance(c, Filter):
        return ("filter", [u.name for u in c.uses])
    if isinstance(c, Bind):
        return ("bind", c.var.name, [u.name for u in c.uses])
    raise TypeError(c)


def shape(s: Sync) -> Any:
    """Everything but closures and origin: actions (by identity), values, variable names."""
    return (
        s.name,
        [(p.action, value(p.inputs), value(p.outputs)) for p in s.when],
        [clause(c) for c in s.where],
        [(c.action, value(c.inputs)) for c in s.then],
    )

"""Expressions of ``filter(...)`` and ``bind(...)`` in the text notation: AST and evaluator.

Expressions compile to closures over this small evaluator (never ``eval``). Semantics follow
Python's for arithmetic and comparison, except that a boolean never equals a number (as in
patterns), ``and``/``or``/``not`` yield booleans, and ``?e.field`` on a record without that
field (or on a non-record) is ``null``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accord.sync.dsl import uuid
from accord.sync.model import Var

__all__ = [
    "FUNCTIONS",
    "Binary",
    "Call",
    "Expr",
    "ExpressionError",
    "Field",
    "ListExpr",
    "Literal",
    "Not",
    "Ref",
    "Unary",
    "compile_bind",
    "compile_filter",
    "evaluate",
    "variables",
]


class ExpressionError(ValueError):
    """An expression could not be evaluated for a frame (e.g. adding a string to a number)."""


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class Ref:
    var: Var


@dataclass(frozen=True, slots=True)
class Field:
    target: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * / == != < <= > >= in "not in" and or
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]


Expr = Literal | Ref | Field | Unary | Not | Binary | Call | ListExpr


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _lower(x: Any) -> str:
    if not isinstance(x, str):
        raise TypeError(f"lower() needs a string, got {_kind(x)}")
    return x.lower()


def _upper(x: Any) -> str:
    if not isinstance(x, str):
        raise TypeError(f"upper() needs a string, got {_kind(x)}")
    return x.upper()


def _str(x: Any) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "true" if x else "false"
    return str(x)


def _int(x: Any) -> int:
    if x is None or isinstance(x, list | dict):
        raise TypeError(f"int() needs a number or a string, got {_kind(x)}")
    return int(x)


def _coalesce(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


# name -> (function, minimum arity, maximum arity or None for variadic)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "uuid": (uuid, 0, 0),
    "now": (_now, 0, 0),
    "len": (len, 1, 1),
    "lower": (_lower, 1, 1),
    "upper": (_upper, 1, 1),
    "str": (_str, 1, 1),
    "int": (_int, 1, 1),
    "coalesce": (_coalesce, 2, None),
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a record"
    return type(value).__name__


def _equal(a: Any, b: Any) -> bool:
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}
_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def evaluate(expr: Expr, env: Mapping[Var, Any]) -> Any:
    """The value of ``expr`` with variables taken from ``env``."""
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Ref):
        return env[expr.var]
    if isinstance(expr, Field):
        target = evaluate(expr.target, env)
        return target.get(expr.name) if isinstance(target, Mapping) else None
    if isinstance(expr, Not):
        return not evaluate(expr.operand, env)
    if isinstance(expr, Unary):
        value = evaluate(expr.operand, env)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"cannot negate {_kind(value)}")
        return -value
    if isinstance(expr, ListExpr):
        return [evaluate(item, env) for item in expr.items]
    if isinstance(expr, Call):
        function = FUNCTIONS[expr.function][0]
        args = [evaluate(a, env) for a in expr.args]
        try:
            return function(*args)
        except (TypeError, ValueError) as exc:
            raise ExpressionError(f"{expr.function}(): {exc}") from None
    return _binary(expr, env)


def _binary(expr: Binary, env: Mapping[Var, Any]) -> Any:
    op = expr.op
    if op == "and":
        return bool(evaluate(expr.left, env)) and bool(evaluate(expr.right, env))
    if op == "or":
        return bool(evaluate(expr.left, env)) or bool(evaluate(expr.right, env))
    left = evaluate(expr.left, env)
    right = evaluate(expr.right, env)
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    try:
        if op in ("in", "not in"):
            if isinstance(right, list | tuple):
                found = any(_equal(left, item) for item in right)
            else:
                found = left in right
            return found if op == "in" else not found
        if op in _ORDER:
            return _ORDER[op](left, right)
        if isinstance(left, bool) or isinstance(right, bool):
            raise TypeError("booleans are not numbers")
        return _ARITHMETIC[op](left, right)
    except ZeroDivisionError:
        raise ExpressionError("division by zero") from None
    except TypeError:
        raise ExpressionError(f"cannot apply {op!r} to {_kind(left)} and {_kind(right)}") from None


def variables(expr: Expr) -> tuple[Var, ...]:
    """The variables of ``expr``, in order of first appearance."""
    found: dict[Var, None] = {}

    def walk(e: Expr) -> None:
        if isinstance(e, Ref):
            found.setdefault(e.var, None)
        elif isinstance(e, Field):
            walk(e.target)
        elif isinstance(e, Unary | Not):
            walk(e.operand)
        elif isinstance(e, Binary):
            walk(e.left)
            walk(e.right)
        elif isinstance(e, Call | ListExpr):
            for item in e.args if isinstance(e, Call) else e.items:
                walk(item)

    walk(expr)
    return tuple(found)


class _Compiled:
    """A closure over the evaluator, called with the values of ``uses`` in order."""

    def __init__(self, expr: Expr, uses: Sequence[Var], source: str, *, truth: bool) -> None:
        self.expr = expr
        self.uses = tuple(uses)
        self.source = source
        self.truth = truth
        self.__name__ = source

    def __call__(self, *values: Any) -> Any:
        try:
            value = evaluate(self.expr, dict(zip(self.uses, values, strict=True)))
        except ExpressionError as exc:
            raise ExpressionError(f"in `{self.source}`: {exc}") from None
        return bool(value) if self.truth else value

    def __repr__(self) -> str:
        return f"<expression {self.source}>"


def compile_filter(expr: Expr, source: str) -> tuple[Callable[..., bool], tuple[Var, ...]]:
    """A predicate for :class:`~accord.sync.model.Filter` and the variables it uses."""
    uses = variables(expr)
    return _Compiled(expr, uses, source, truth=True), uses


def compile_bind(expr: Expr, source: str) -> tuple[Callable[..., Any], tuple[Var, ...]]:
    """A compute function for :class:`~accord.sync.model.Bind` and the variables it uses."""
    uses = variables(expr)
    return _Compiled(expr, uses, source, truth=False), uses

"""filter/bind expressions: evaluation, functions, and agreement with Python's semantics."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.sync.dsl import uuid, uuids_from
from accord.sync.model import Bind
from accord.sync.text import parse_syncs
from accord.sync.text.expressions import ExpressionError

from .domain import CONCEPTS


def compiled(expression: str) -> tuple[Callable[..., Any], list[str]]:
    """The compute function of ``bind(expression as ?result)`` and the names of its inputs."""
    [s] = parse_syncs(
        f"sync E when {{ Inbox/receive: [ message: ?a ; sender: ?b ] }} "
        f"where {{ bind({expression} as ?result) }} "
        f"then {{ Customers/add: [ customer: ?result ; record: [] ] }}",
        CONCEPTS,
    )
    clause = s.where[0]
    assert isinstance(clause, Bind)
    assert clause.source == expression
    return clause.compute, [v.name for v in clause.uses]


def value(expression: str, **env: Any) -> Any:
    compute, names = compiled(expression)
    return compute(*(env[n] for n in names))


@pytest.mark.parametrize(
    ("expression", "env", "expected"),
    [
        ("1 + 2 * 3", {}, 7),
        ("(1 + 2) * 3", {}, 9),
        ("7 / 2", {}, 3.5),
        ("-?a - -2", {"a": 5}, -3),
        ("?a.kind", {"a": {"kind": "timeout"}}, "timeout"),
        ("?a.missing", {"a": {"kind": "timeout"}}, None),
        ("?a.kind", {"a": "plain string"}, None),
        ("?a.details.n", {"a": {"details": {"n": 2}}}, 2),
        ('?a in ["x", "y"]', {"a": "y"}, True),
        ('?a not in ["x", "y"]', {"a": "y"}, False),
        ('"ell" in ?a', {"a": "hello"}, True),
        ("true == 1", {}, False),
        ("1 == 1.0", {}, True),
        ("null == ?a", {"a": None}, True),
        ("not ?a and ?b", {"a": False, "b": 3}, True),
        ("?a or ?b", {"a": 0, "b": ""}, False),
        ("?a >= 2 and ?a < 5", {"a": 4}, True),
        ('len(?a) + len("ab")', {"a": [1, 2, 3]}, 5),
        ('upper(?a) + lower("CD")', {"a": "ab"}, "ABcd"),
        ("str(?a) + str(true) + str(null)", {"a": 12}, "12truenull"),
        ('int("41") + int(1.9)', {}, 42),
        ("coalesce(?a, ?b, 3)", {"a": None, "b": None}, 3),
        ("coalesce(?a, ?b)", {"a": None, "b": "b"}, "b"),
        ("[?a, ?b * 2]", {"a": 1, "b": 2}, [1, 4]),
    ],
)
def test_expressions_evaluate(expression: str, env: dict[str, Any], expected: Any) -> None:
    result = value(expression, **env)
    assert result == expected and type(result) is type(expected)


def test_now_is_an_iso_8601_utc_timestamp() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", value("now()"))


def test_uses_lists_variables_in_order_of_first_appearance() -> None:
    assert compiled("?b + ?a * ?b")[1] == ["b", "a"]


@pytest.mark.parametrize(
    ("expression", "env", "message"),
    [
        ("?a + 1", {"a": "x"}, "in `?a + 1`: cannot apply '+' to a string and a number"),
        ("?a / 0", {"a": 1}, "in `?a / 0`: division by zero"),
        ("?a < 1", {"a": None}, "in `?a < 1`: cannot apply '<' to null and a number"),
        ("true + 1", {}, "in `true + 1`: cannot apply '+' to a boolean and a number"),
        ("lower(?a)", {"a": 3}, "in `lower(?a)`: lower(): lower() needs a string, got a number"),
        ('int("x1")', {}, "in `int(\"x1\")`: int(): invalid literal for int() with base 10: 'x1'"),
        ("-?a", {"a": "x"}, "in `-?a`: cannot negate a string"),
    ],
)
def test_evaluation_errors_name_the_expression(
    expression: str, env: dict[str, Any], message: str
) -> None:
    with pytest.raises(ExpressionError) as info:
        value(expression, **env)
    assert str(info.value) == message


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
numbers = st.integers(-(10**6), 10**6) | st.floats(-1e6, 1e6, allow_nan=False)


@given(a=numbers, b=numbers, op=st.sampled_from(sorted(OPERATORS)))
def test_binary_operators_agree_with_python(a: float, b: float, op: str) -> None:
    try:
        expected: Any = OPERATORS[op](a, b)
    except ZeroDivisionError:
        with pytest.raises(ExpressionError):
            value(f"?a {op} ?b", a=a, b=b)
        return
    assert value(f"?a {op} ?b", a=a, b=b) == expected


def _render(tree: Any) -> str:
    if isinstance(tree, int):
        return str(tree)
    if tree[0] == "neg":
        return f"-{_render(tree[1])}"
    if tree[0] == "paren":
        return f"({_render(tree[1])})"
    return f"{_render(tree[1])} {tree[0]} {_render(tree[2])}"


arithmetic = st.recursive(
    st.integers(0, 50),
    lambda inner: (
        st.tuples(st.sampled_from(["+", "-", "*"]), inner, inner)
        | st.tuples(st.just("neg"), inner)
        | st.tuples(st.just("paren"), inner)
    ),
    max_leaves=8,
)


@given(left=arithmetic, right=arithmetic, op=st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
def test_precedence_and_associativity_agree_with_python(left: Any, right: Any, op: str) -> None:
    text = f"{_render(left)} {op} {_render(right)} and not {_render(left)} + 1 == 0"
    # Python parses the same text with the same precedence; the test uses eval, the code never.
    assert value(text) == eval(text)


def test_uuids_come_from_the_given_source_inside_the_block_only() -> None:
    ids = iter(["a", "b", "c"])
    compute, _ = compiled("uuid()")
    with uuids_from(lambda: next(ids)):
        assert [uuid(), uuid()] == ["a", "b"]
        with uuids_from(None):
            assert re.fullmatch(r"[0-9a-f]{32}", uuid())
        assert compute() == "c"  # the text notation's uuid() draws from the same source
    assert re.fullmatch(r"[0-9a-f]{32}", uuid())

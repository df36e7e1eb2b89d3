"""valid_instances and malformed_variants: generated from the output type's schema, checked by
the real parser."""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections.abc import Callable
from typing import Literal, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis.strategies import SearchStrategy
from pydantic import BaseModel, Field, TypeAdapter
from typing_extensions import TypedDict

from accord.llm import Prompt, Task
from accord.testing import Variant, malformed_variants, valid_instances
from accord.testing.strategies import render

few = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Generation only: shrinking what was found is slow for nested models, and not needed here.
search = settings(
    max_examples=2000,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
V = TypeVar("V")


def first(strategy: SearchStrategy[V], condition: Callable[[V], object]) -> V:
    """The simplest generated value meeting ``condition`` (fails if none is generated)."""
    return find(strategy, condition, settings=search)


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Item(BaseModel):
    sku: str = Field(pattern=r"^[A-Z]{3}-\d{2}$")
    quantity: int = Field(ge=1, le=99)


class Order(BaseModel):
    placed_on: dt.date
    shipped_at: dt.datetime | None = None
    color: Color
    kind: Literal["retail", "wholesale"]
    items: list[Item] = Field(min_length=1, max_length=3)
    note: str | None = Field(default=None, max_length=10)
    price: float = Field(gt=0, le=1000)
    flags: dict[str, bool] = {}


class Row(TypedDict):
    id: int
    tags: list[str]


class Tree(BaseModel):
    name: str
    children: list[Tree] = []


@few
@given(valid_instances(Order))
def test_valid_instances_respect_every_constraint(order: Order) -> None:
    assert isinstance(order.placed_on, dt.date) and isinstance(order.color, Color)
    assert 1 <= len(order.items) <= 3
    assert all(re.match(r"^[A-Z]{3}-\d{2}$", i.sku) and 1 <= i.quantity <= 99 for i in order.items)
    assert 0 < order.price <= 1000
    assert order.note is None or len(order.note) <= 10


def test_valid_instances_reach_optional_and_nested_values() -> None:
    order = first(valid_instances(Order), lambda o: o.shipped_at is not None and len(o.items) > 1)
    assert isinstance(order.shipped_at, dt.datetime)


@few
@given(valid_instances(Tree))
def test_recursive_models_end(tree: Tree) -> None:
    assert isinstance(tree, Tree)


def test_recursive_models_nest_more_than_once() -> None:
    tree = first(valid_instances(Tree), lambda t: any(c.children for c in t.children))
    grandchild = next(g for c in tree.children for g in c.children)
    assert isinstance(grandchild, Tree)


@few
@given(malformed_variants(Order))
def test_order_replies_are_repaired_or_refused_as_promised(variant: Variant[Order]) -> None:
    variant.check()


@few
@given(malformed_variants(Row))
def test_typed_dict_replies_are_repaired_or_refused_as_promised(variant: Variant[Row]) -> None:
    variant.check()


@few
@given(malformed_variants(Tree))
def test_recursive_replies_are_repaired_or_refused_as_promised(variant: Variant[Tree]) -> None:
    variant.check()


def test_both_kinds_of_damage_are_generated() -> None:
    cut = first(malformed_variants(Order), lambda v: v.refused and v.damage == ("cut_off",))
    assert cut.expected is None
    removed = first(malformed_variants(Order), lambda v: v.damage == ("required_key_removed",))
    assert removed.refused
    closers = first(malformed_variants(Order), lambda v: "missing_closers" in v.damage)
    assert not closers.refused and not closers.text.rstrip().endswith("\n}")
    with pytest.raises(ValueError):
        json.loads(closers.text)
    assert isinstance(closers.expected, Order)


def test_lossy_false_gives_only_recoverable_variants() -> None:
    with pytest.raises(Exception, match="No examples found"):
        find(
            malformed_variants(Order, lossy=False),
            lambda v: v.refused,
            settings=settings(search, max_examples=40),
        )


def test_a_wrong_verdict_fails_the_check() -> None:
    adapter = TypeAdapter(Item)
    lost = Variant('{"sku": "ABC-1', ("cut_off",), Item(sku="ABC-12", quantity=1), False, adapter)
    with pytest.raises(AssertionError, match="should be repaired, but parse refused"):
        lost.check()
    fine = Variant('{"sku": "ABC-12", "quantity": 1}', ("cut_off",), None, True, adapter)
    with pytest.raises(AssertionError, match="lost data, but parse accepted"):
        fine.check()


def test_a_task_gives_its_output_type() -> None:
    task = Task("item", output=Item, prompt=Prompt("{text}", version="v1"))
    item = first(valid_instances(task), lambda i: i.quantity > 50)
    assert isinstance(item, Item)


def test_malformed_variants_need_an_object_type() -> None:
    with pytest.raises(TypeError, match="needs an object output type"):
        malformed_variants(list[int])


def test_render_writes_the_dialects_models_use() -> None:
    data = {"name": "O'Neil", "ok": True, "note": None, "tags": ["a"], "my key": 1}
    assert render(data, quote="'", keys="bare", literals="python", trailing=True) == (
        "{\n  name: 'O\\'Neil',\n  ok: True,\n  note: None,\n  tags: ['a',],\n  \"my key\": 1,\n}"
    )
    assert json.loads(render(data)) == data

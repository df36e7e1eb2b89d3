"""Concept specs: parsed, compared with the class, and their principles run."""

from __future__ import annotations

from pathlib import Path

import pytest
from examples.realworld.concepts.favoriting import Favoriting
from pydantic import BaseModel
from typer.testing import CliRunner

from accord.checks.specs import compare
from accord.cli import app as cli
from accord.concepts.drift import Drift
from accord.concepts.extracting import Extracting
from accord.concepts.requesting import Requesting
from accord.concepts.reviewing import Reviewing
from accord.llm import Prompt, ScriptedModel, Task
from accord.specs import SpecError, find_spec, parse_spec, run_principle
from accord.testing import PrincipleViolation

from .spec_stock import Stock

HERE = Path(__file__).parent


class Person(BaseModel):
    name: str


PERSON = Task(
    "person", output=Person, prompt=Prompt("Who? {text}", "v1"), models=[ScriptedModel([])]
)
BUNDLED = [
    Reviewing(),
    Requesting(["POST /orders"]),
    Extracting([PERSON]),
    Drift("app.db"),
    Favoriting(),
]


@pytest.mark.parametrize("concept", BUNDLED, ids=lambda c: c.name)
def test_bundled_specs_match_their_classes_and_their_principles_hold(concept: object) -> None:
    cls = type(concept)
    spec = find_spec(cls)  # type: ignore[arg-type]
    assert spec is not None and spec.purpose and spec.principle is not None
    assert compare(cls, spec) == []  # type: ignore[arg-type]
    run_principle(concept, spec)  # type: ignore[arg-type]


STOCK = """
# concept Stock

## purpose
How many of each item are on the shelf.

## state
- stock_levels(item, quantity)

## actions
- receive(item: str, quantity: int) -> {item: str, quantity: int}
- take(item: str, quantity: int) -> {item: str, quantity: int, left: int} | error(insufficient)

## queries
- level(item: str) -> [{item: str, quantity: int}]

## principle
after receive(item="apple", quantity=3)
after take(item="apple", quantity=2)
then level(item="apple") gives [{"item": "apple", "quantity": 1}]
"""


def _stock_module() -> type:
    return Stock


def test_a_matching_class_has_no_mismatch() -> None:
    (spec,) = parse_spec(STOCK)
    assert compare(_stock_module(), spec) == []


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            ("- level(item: str)", "- level(item: str, shelf: str)"),
            "level lacks input 'shelf' the spec declares",
        ),
        (
            ("take(item: str, quantity: int)", "take(item: str, quantity: float)"),
            "take input 'quantity' is int, the spec says float",
        ),
        (
            ("left: int}", "left: int, when: str}"),
            "take outputs {item: str, left: int, quantity: int}, the spec says "
            "{item: str, left: int, quantity: int, when: str}",
        ),
        (
            ("error(insufficient)", "error(insufficient, closed)"),
            "take never returns error 'closed', which the spec lists",
        ),
        (
            ("error(insufficient)", "error(empty)"),
            "take returns error 'insufficient', which the spec does not list",
        ),
        (
            ("- receive(", "- restock(item: str) -> {item: str}\n- receive("),
            "action restock is in the spec but not in the class",
        ),
        (
            ("stock_levels(item, quantity)", "stock_levels(item, quantity, shelf)"),
            "table stock_levels has columns (item, quantity), the spec says "
            "(item, quantity, shelf)",
        ),
    ],
)
def test_each_difference_is_named(edit: tuple[str, str], problem: str) -> None:
    (spec,) = parse_spec(STOCK.replace(*edit))
    assert problem in [m.message for m in compare(_stock_module(), spec)]


def test_a_violated_principle_fails_with_the_story() -> None:
    (spec,) = parse_spec(STOCK.replace('"quantity": 1}]', '"quantity": 2}]'))
    with pytest.raises(PrincipleViolation, match="after Stock/take"):
        run_principle(_stock_module()(), spec)


def test_a_malformed_spec_names_its_line() -> None:
    with pytest.raises(
        SpecError, match=r"spec:11: expected `- name\(input: type, ...\) -> output`"
    ):
        parse_spec(STOCK.replace("- receive(item: str, quantity: int) ->", "- receive item ->"))


def test_accord_check_compares_specs_and_runs_principles() -> None:
    folder = HERE / "spec_app"
    result = CliRunner().invoke(cli, ["check", str(folder)])
    assert result.exit_code == 1, result.output
    assert "Counter: count input 'by' is int, the spec says str" in result.output
    assert (
        'Tally: its operational principle fails: Tally: Tally/total: [ name: "a" ] => [] '
        "gave [{'n': 1}], expected [{'n': 2}] after Tally/count: [ name: \"a\" ; by: 1 ]"
    ) in result.output

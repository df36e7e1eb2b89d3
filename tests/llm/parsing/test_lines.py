"""Replies written as YAML-style ``field: value`` lines: each value read by its field's type."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from accord.llm.parsing import OutputError, parse

from .corpus import Classification, Customer, Label, Roster


class Release(BaseModel):
    name: str
    version: str
    answer: str
    stable: bool
    build: int
    notes: str | None = None


def refusal(text: str, output_type: Any, **options: Any) -> OutputError:
    with pytest.raises(OutputError) as caught:
        parse(text, output_type, **options)
    return caught.value


def test_values_are_read_by_the_field_type_not_by_yaml() -> None:
    text = "name: on\nversion: 1.10\nanswer: no\nstable: true\nbuild: 12\nnotes: ~"
    parsed = parse(text, Release)
    assert parsed.value == Release(
        name="on", version="1.10", answer="no", stable=True, build=12, notes=None
    )
    assert [repair.kind for repair in parsed.repairs] == ["key_value_lines"]
    assert parsed.cost == 3


def test_yaml_words_for_a_bool_field_are_a_visible_coercion() -> None:
    parsed = parse("name: x\nversion: 2\nanswer: y\nstable: no\nbuild: 1", Release)
    assert parsed.value.stable is False
    assert [repair.kind for repair in parsed.repairs] == ["key_value_lines", "coerce_type"]


def test_block_and_flow_lists_fenced_and_with_a_document_marker() -> None:
    text = '```yaml\n---\nteam: Ops\nweek: 3\nshifts: [["a", "b"], []]\nleads:\n  - a\n  - b\n```'
    parsed = parse(text, Roster)
    assert parsed.value == Roster(team="Ops", week=3, shifts=[["a", "b"], []], leads=["a", "b"])
    assert [repair.kind for repair in parsed.repairs] == ["strip_fences", "key_value_lines"]


def test_colon_inside_a_value_and_keys_in_another_spelling() -> None:
    text = 'Label: Billing\nConfidence: 0.5\nreason: "Charged twice: once in May"'
    parsed = parse(text, Classification)
    assert parsed.value == Classification(
        label=Label.BILLING, confidence=0.5, reason="Charged twice: once in May"
    )
    kinds = [repair.kind for repair in parsed.repairs]
    assert kinds.count("key_case") == 2 and "enum_case" in kinds


def test_same_key_twice_with_different_values_names_the_field() -> None:
    error = refusal("name: Ann\nemail: a@x.org\nname: Bo", Customer)
    assert error.errors[0]["type"] == "duplicate_key"
    assert error.errors[0]["loc"] == ("name",)
    assert "twice" in error.field_errors_text()


@pytest.mark.parametrize(
    "text",
    [
        "name: Ann\nmail: a@x.org",  # a key that is no field: its data would be dropped
        "Note: unsure\nname: Ann\nemail: a@x.org",  # prose with text after its colon
        "name: Ann\nemail: a@x.org\nHope this helps!",  # prose after the fields
        'name: "Ann\nemail: a@x.org',  # a quote that closes no string
        "name: Ann\nemail: |\n  a@x.org",  # block scalar
        "name: Ann\nemail: a@x.org\n  continued",  # continuation line
        "name: Ann\n- a@x.org",  # an item under a field that is no list
    ],
)
def test_lines_with_more_than_one_reading_are_refused(text: str) -> None:
    assert refusal(text, Customer).errors


def test_heading_bold_keys_bullets_and_json_commas_are_recovered() -> None:
    expected = Customer(name="Ann", email="a@x.org")
    for text, kinds in [
        ("Here you go:\n\nname: Ann\nemail: a@x.org", ["extract_from_prose", "key_value_lines"]),
        ("**Name:** Ann\n**Email:** a@x.org", ["key_value_lines", "key_case", "key_case"]),
        ("- **name**: Ann\n- **email**: a@x.org", ["key_value_lines"]),
        ("1. name: Ann\n2. email: a@x.org", ["key_value_lines"]),
        ('**name**: "Ann",\n**email**: "a@x.org",', ["trailing_comma", "key_value_lines"]),
    ]:
        parsed = parse(text, Customer)
        assert parsed.value == expected, text
        assert [repair.kind for repair in parsed.repairs] == kinds, text


def test_placeholder_in_lines_is_refused_with_its_field() -> None:
    error = refusal("name: Ann\nemail: TBD", Customer)
    assert error.errors[0]["type"] == "placeholder"
    assert error.errors[0]["loc"] == ("email",)


def test_lines_are_not_read_for_a_type_that_is_not_a_model() -> None:
    refusal("a: 1\nb: 2", list[int])


def test_lines_repair_can_be_forbidden_or_priced_out() -> None:
    text = "name: Ann\nemail: a@x.org"
    assert refusal(text, Customer, forbid={"key_value_lines"}).errors[0]["type"] == (
        "repair_forbidden"
    )
    assert refusal(text, Customer, max_cost=2).errors[0]["type"] == "repair_cost_exceeded"
    assert parse(text, Customer, max_cost=3).value == Customer(name="Ann", email="a@x.org")

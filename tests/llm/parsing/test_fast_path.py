"""The fast path on strictly valid JSON: its cheap filters never let through what the
lenient path refuses (duplicate keys, ignored keys, placeholders)."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter

from accord.llm.parsing import OutputError, is_placeholder, parse

from .corpus import Customer, Invoice, LineItem


class Node(BaseModel):
    name: str
    children: list[Node] = []


class Catalog(BaseModel):
    owner: str
    items: dict[str, LineItem]
    featured: LineItem | None = None


def refusal(text: str, output_type: Any) -> OutputError:
    with pytest.raises(OutputError) as caught:
        parse(text, output_type)
    return caught.value


PLACEHOLDER_WORDS = ["...", "TBD", "TBA", "TODO", "N/A", "NA", "n.a.", "unknown", "none", "null"]
PLACEHOLDER_WORDS += ["string", "str", "text", "value", "placeholder", "lorem ipsum"]
PLACEHOLDER_WORDS += ["your name here", "not provided", "not specified", "not mentioned"]


def refused_on_the_fast_path(email: str) -> bool:
    """Whether a valid reply with ``email`` in a required string field is refused."""
    try:
        parse(json.dumps({"name": "Ann", "email": email}), Customer)
    except OutputError as error:
        assert error.errors[0]["type"] == "placeholder"
        assert error.errors[0]["loc"] == ("email",)
        return True
    return False


@given(st.text(max_size=40))
def test_valid_reply_is_refused_exactly_when_a_required_string_is_a_placeholder(
    email: str,
) -> None:
    assert refused_on_the_fast_path(email) == is_placeholder(email)


@pytest.mark.parametrize(
    "text",
    PLACEHOLDER_WORDS
    + [word.upper() for word in PLACEHOLDER_WORDS]
    + [word.lower() for word in PLACEHOLDER_WORDS]
    + ["n/A", "Tbd ", "\u00a0N/A", " TODO\t", "  ...", "<name>", "[x]", "{{y}}", "\u2026"],
)
def test_placeholder_in_any_spelling_is_refused_in_valid_json(text: str) -> None:
    assert is_placeholder(text)
    assert refused_on_the_fast_path(text)


def test_every_first_character_a_placeholder_can_have_is_looked_at() -> None:
    firsts = {word.lower()[0] for word in PLACEHOLDER_WORDS}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char.lower()[:1] in firsts or char.isspace():
            for text in (char + "bd", char + "TBD", char + "/a", char + "ull"):
                assert refused_on_the_fast_path(text) == is_placeholder(text), hex(code)


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "Ann", "name"  : "Bo", "email": "a@x.org"}',  # spacing the old count missed
        '{"name": "Ann", "email": "a@x.org", "email"\n: "b@x.org"}',
        '{"name": "Ann", "email": "a@x.org", "tags": ["a:b"], "name": "Bo"}',
    ],
)
def test_duplicate_key_in_valid_json_is_refused_whatever_the_spacing(text: str) -> None:
    error = refusal(text, Customer)
    assert error.errors[0]["type"] == "duplicate_key"


def test_valid_reply_with_colons_inside_strings_takes_the_fast_path() -> None:
    text = '{"name": "Ann: the first", "email": "mailto:a@x.org", "tags": ["a:b", "c\\":"]}'
    parsed = parse(text, Customer)
    assert parsed.repairs == ()
    assert parsed.value.tags == ["a:b", 'c":']


def test_placeholder_deep_in_a_list_of_models_is_refused() -> None:
    invoice = {
        "invoice_number": "7",
        "customer": "Acme",
        "currency": "EUR",
        "total": 1.0,
        "items": [
            {"sku": "a", "description": "x", "quantity": 1, "unit_price": 1.0},
            {"sku": "b", "description": "TBD", "quantity": 1, "unit_price": 1.0},
        ],
    }
    error = refusal(json.dumps(invoice), Invoice)
    assert error.errors[0]["loc"] == ("items", 1, "description")


def test_recursive_models_dicts_and_optionals_take_the_fast_path_when_clean() -> None:
    node = '{"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]}'
    assert parse(node, Node).repairs == ()
    catalog = (
        '{"owner": "o", "items": {"x": {"sku": "s", "description": "d", "quantity": 1, '
        '"unit_price": 1.5}}, "featured": null}'
    )
    assert parse(catalog, Catalog).repairs == ()
    assert parse(f"[{node}, {node}]", list[Node]).repairs == ()
    assert parse('{"a": 1, "b": 2}', dict[str, int]).repairs == ()


def test_recursive_and_adapter_outputs_refuse_duplicates_and_placeholders() -> None:
    with pytest.raises(OutputError):
        parse('{"name": "a", "children": [{"name": "b", "name": "c"}]}', Node)
    with pytest.raises(OutputError):
        parse('{"name": "a", "children": [{"name": "b", "children": [{"name": "N/A"}]}]}', Node)
    with pytest.raises(OutputError):
        parse(
            '{"owner": "o", "items": {"x": {"sku": "s", "description": "TBD", '
            '"quantity": 1, "unit_price": 1.5}}}',
            Catalog,
        )
    with pytest.raises(OutputError):
        parse('{"a": 1, "a": 2}', dict[str, int])
    adapter = TypeAdapter(list[Customer])
    with pytest.raises(OutputError):
        parse('[{"name": "A", "email": "e", "email": "f"}]', adapter)
    assert parse('[{"name": "A", "email": "e"}]', adapter).repairs == ()

"""Each repair kind: what it accepts, what it records, and where it stops."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter

from accord.llm.parsing import REPAIR_COSTS, OutputError, Parsed, parse

from .corpus import Customer, Invoice


class Point(BaseModel):
    x: int
    y: int


class Note(BaseModel):
    title: str
    body: str


class Settings(BaseModel):
    theme: str = "light"
    size: int = 12


class StrictPoint(BaseModel):
    model_config = ConfigDict(strict=True)
    x: int
    y: int


class Box(BaseModel):
    label: str
    corner: Point


def kinds(parsed: Parsed[Any]) -> list[str]:
    return [repair.kind for repair in parsed.repairs]


def refusal(text: str, output_type: Any) -> OutputError:
    with pytest.raises(OutputError) as caught:
        parse(text, output_type)
    return caught.value


# --- the fast path ------------------------------------------------------------------


def test_valid_json_needs_no_repair_and_keeps_the_raw_text() -> None:
    raw = '{"x": 1, "y": 2}'
    parsed = parse(raw, Point)
    assert parsed == Parsed(Point(x=1, y=2), (), raw)
    assert parsed.cost == 0


def test_a_type_adapter_is_accepted_as_output_type() -> None:
    assert parse("[1, 2]", TypeAdapter(list[int])).value == [1, 2]


def test_scalar_output_types_parse_from_fenced_text() -> None:
    parsed = parse("```\n42\n```", int)
    assert parsed.value == 42
    assert kinds(parsed) == ["strip_fences"]


# --- one test per repair kind ---------------------------------------------------------


def test_strip_fences() -> None:
    parsed = parse('```json\n{"x": 1, "y": 2}\n```', Point)
    assert parsed.value == Point(x=1, y=2)
    assert kinds(parsed) == ["strip_fences"]


def test_extract_from_prose_with_braces_in_prose_and_strings() -> None:
    text = 'Fill {title} and {body}. Result: {"title": "a {b}", "body": "c } d"} Done {x}.'
    parsed = parse(text, Note)
    assert parsed.value == Note(title="a {b}", body="c } d")
    assert "extract_from_prose" in kinds(parsed)


def test_strip_reasoning_block_even_when_it_contains_json() -> None:
    text = '<think>maybe {"x": 9, "y": 9}? no.</think>\n{"x": 1, "y": 2}'
    parsed = parse(text, Point)
    assert parsed.value == Point(x=1, y=2)
    assert kinds(parsed) == ["strip_reasoning"]


def test_trailing_comma_in_objects_and_lists() -> None:
    parsed = parse('{"label": "a", "corner": {"x": 1, "y": 2,},}', Box)
    assert parsed.value == Box(label="a", corner=Point(x=1, y=2))
    assert kinds(parsed) == ["trailing_comma"]
    assert parsed.repairs[0].detail.startswith("2 times")
    assert parse("[1, 2,]", list[int]).value == [1, 2]


def test_single_quotes_keep_escaped_and_double_quotes() -> None:
    parsed = parse("{'title': 'It\\'s \"fine\"', 'body': 'ok'}", Note)
    assert parsed.value == Note(title='It\'s "fine"', body="ok")
    assert kinds(parsed) == ["single_quotes"]


def test_python_literals() -> None:
    parsed = parse("{'name': 'A', 'email': 'a@b.c', 'age': None, 'vip': True}", Customer)
    assert parsed.value == Customer(name="A", email="a@b.c", age=None, vip=True)
    assert set(kinds(parsed)) == {"single_quotes", "python_literal"}


def test_unquoted_keys() -> None:
    parsed = parse("{x: 1, y: 2}", Point)
    assert parsed.value == Point(x=1, y=2)
    assert kinds(parsed) == ["unquoted_key"]


def test_comments_of_three_styles() -> None:
    text = '{\n  // first\n  "x": 1, # second\n  /* third */ "y": 2\n}'
    parsed = parse(text, Point)
    assert parsed.value == Point(x=1, y=2)
    assert kinds(parsed) == ["comments"]
    assert parsed.repairs[0].detail.startswith("3 times, first at line 2")


def test_raw_line_breaks_inside_strings_are_escaped() -> None:
    parsed = parse('{"title": "t", "body": "line 1\nline 2"}', Note)
    assert parsed.value.body == "line 1\nline 2"
    assert kinds(parsed) == ["control_chars_in_string"]


def test_missing_comma_at_a_line_break() -> None:
    parsed = parse('{\n "x": 1\n "y": 2\n}', Point)
    assert parsed.value == Point(x=1, y=2)
    assert kinds(parsed) == ["missing_comma"]


def test_missing_comma_on_one_line_is_refused() -> None:
    refusal('{"title": "a" "body": "b"}', Note)


@pytest.mark.parametrize("key", ["result", "data", "response", "point"])
def test_unwrap_wrapper_object(key: str) -> None:
    parsed = parse(f'{{"{key}": {{"x": 1, "y": 2}}}}', Point)
    assert parsed.value == Point(x=1, y=2)
    assert kinds(parsed) == ["unwrap_wrapper"]
    assert repr(key) in parsed.repairs[0].detail


def test_unwrap_one_element_list() -> None:
    parsed = parse('[{"x": 1, "y": 2}]', Point)
    assert parsed.value == Point(x=1, y=2)
    assert kinds(parsed) == ["unwrap_wrapper"]


def test_unwrap_two_levels() -> None:
    parsed = parse('{"response": {"data": {"x": 1, "y": 2}}}', Point)
    assert parsed.value == Point(x=1, y=2)
    assert kinds(parsed) == ["unwrap_wrapper", "unwrap_wrapper"]


def test_a_wrapper_for_an_all_defaults_model_is_unwrapped_not_ignored() -> None:
    parsed = parse('{"settings": {"theme": "dark", "size": 14}}', Settings)
    assert parsed.value == Settings(theme="dark", size=14)
    assert kinds(parsed) == ["unwrap_wrapper"]


def test_a_wrapper_is_unwrapped_for_an_all_defaults_model_given_as_type_adapter() -> None:
    parsed = parse('{"settings": {"size": 14}}', TypeAdapter(Settings))
    assert parsed.value == Settings(size=14)


def test_json_sent_as_a_json_string() -> None:
    parsed = parse('"{\\"x\\": 1, \\"y\\": 2}"', Point)
    assert parsed.value == Point(x=1, y=2)
    assert kinds(parsed) == ["json_in_string"]


def test_the_same_answer_twice_is_accepted_once() -> None:
    parsed = parse('{"x": 1, "y": 2}\n{"x": 1, "y": 2}', Point)
    assert parsed.value == Point(x=1, y=2)
    assert "multiple_candidates" in kinds(parsed)


def test_close_truncated_when_every_field_is_present() -> None:
    parsed = parse('{"label": "a", "corner": {"x": 1, "y": 2}', Box)
    assert parsed.value == Box(label="a", corner=Point(x=1, y=2))
    assert kinds(parsed) == ["close_truncated"]


def test_close_truncated_nested_objects_when_all_fields_are_present() -> None:
    parsed = parse('{"corner": {"x": 1, "y": 2}, "label": "a"', Box)
    assert parsed.value.label == "a"
    text = '{"label": "a", "corner": {"y": 2, "x": 1, "z": "ignored"'
    assert parse(text, Box).value == Box(label="a", corner=Point(x=1, y=2))


def test_every_repair_kind_has_a_positive_cost() -> None:
    assert min(REPAIR_COSTS.values()) > 0
    parsed = parse("```\n{x: 1, y: 2,}\n```", Point)
    assert parsed.cost == sum(REPAIR_COSTS[kind] for kind in kinds(parsed))


# --- what must be refused ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"title": "a", "body": "half a sen',
        '{"title": "a", "body": "b", ',
        '{"title": "a", "body"',
        '{"title": "a", "body":',
        "{'title': 'a', 'body': 'b', /* never closed",
        '```json\n{"title": "a", "bo',
    ],
)
def test_text_cut_inside_a_value_is_refused_as_truncated(text: str) -> None:
    error = refusal(text, Note)
    assert error.errors[0]["type"] == "json_invalid"
    assert error.errors[0]["reason"] == "truncated"


def test_an_unclosed_list_is_refused_even_if_its_last_element_looks_complete() -> None:
    assert refusal("[1, 2, 3", list[int]).errors[0]["reason"] == "truncated"
    assert refusal('{"a": [1, 2]', dict[str, list[int]]).errors[0]["reason"] == "truncated"


def test_a_number_at_the_end_of_the_text_may_be_cut_so_it_is_refused() -> None:
    assert refusal('{"y": 2, "x": 1', Point).errors[0]["reason"] == "truncated"


def test_closing_an_object_with_a_defaulted_field_missing_is_refused() -> None:
    error = refusal('{"name": "A", "email": "a@b.c", "vip": true', Customer)
    assert error.errors[0]["reason"] == "truncated"
    assert "age" in error.errors[0]["msg"]


def test_closing_a_wrapper_is_refused_because_a_sibling_key_may_be_lost() -> None:
    refusal('{"result": {"x": 1, "y": 2}', Point)


def test_closing_a_plain_dict_is_refused() -> None:
    refusal('{"a": "x"', dict[str, str])


def test_a_wrapper_with_other_keys_is_not_unwrapped() -> None:
    refusal('{"status": "ok", "data": {"x": 1, "y": 2}}', Point)


def test_a_list_of_several_answers_is_not_reduced_to_one() -> None:
    refusal('[{"x": 1, "y": 2}, {"x": 3, "y": 4}]', Point)


def test_two_different_valid_answers_are_ambiguous() -> None:
    error = refusal('{"x": 1, "y": 2} or maybe {"x": 1, "y": 3}', Point)
    assert error.errors[0]["reason"] == "ambiguous"


def test_unknown_keys_only_do_not_validate_as_all_defaults() -> None:
    error = refusal('{"colour": "dark"}', Settings)
    assert error.errors[0]["type"] == "no_known_fields"


def test_empty_object_for_all_defaults_model_is_its_defaults() -> None:
    assert parse("{}", Settings).value == Settings()


def test_unquoted_string_values_are_refused() -> None:
    refusal("{title: hello, body: world}", Note)


def test_no_json_at_all() -> None:
    error = refusal("I'm sorry, I cannot help with that.", Point)
    assert error.errors[0]["type"] == "json_invalid"


def test_the_models_strict_config_is_followed_on_the_repair_path_too() -> None:
    refusal('{"x": "1", "y": 2}', StrictPoint)
    refusal("```\n{'x': '1', 'y': 2}\n```", StrictPoint)
    assert parse("```\n{'x': '1', 'y': 2}\n```", Point).value == Point(x=1, y=2)


def test_fractional_numbers_are_never_truncated_into_integers() -> None:
    refusal("{'x': 1.5, 'y': 2}", Point)


def test_max_cost_refuses_answers_that_needed_too_much_repair() -> None:
    text = "Sure:\n```json\n{'x': 1, 'y': 2,}\n```"
    assert parse(text, Point, max_cost=10).value == Point(x=1, y=2)
    with pytest.raises(OutputError) as caught:
        parse(text, Point, max_cost=2)
    assert caught.value.errors[0]["type"] == "repair_cost_exceeded"
    assert {r.kind for r in caught.value.repairs} >= {"single_quotes", "strip_fences"}


def test_max_cost_zero_still_accepts_valid_json() -> None:
    assert parse('{"x": 1, "y": 2}', Point, max_cost=0).cost == 0


def test_invoice_with_python_repr_keeps_every_line_item() -> None:
    value = {
        "invoice_number": "1",
        "customer": "C",
        "currency": "EUR",
        "total": 3.0,
        "items": [
            {"sku": "a", "description": "d", "quantity": 1, "unit_price": 1.0},
            {"sku": "b", "description": "e", "quantity": 2, "unit_price": 1.0},
        ],
        "notes": None,
    }
    parsed = parse(repr(value), Invoice)
    assert len(parsed.value.items) == 2
    assert parsed.value == Invoice.model_validate(value)


def test_deep_nesting_is_refused_cleanly_not_with_a_recursion_error() -> None:
    error = refusal("[" * 300 + "1,]" + "]" * 299, list[int])  # needs the lenient reader
    assert "nesting is too deep" in error.errors[0]["msg"]
    error = refusal("[" * 300 + "]" * 300, list[int])  # valid JSON, too deep for Pydantic
    assert "recursion limit" in error.errors[0]["msg"]
    assert refusal("[" * 5000, list[int]).errors[0]["reason"] == "truncated"


def test_repairs_are_counted_once_per_kind_with_the_first_position() -> None:
    text = "{'items': [" + ", ".join(f"'n{i}'" for i in range(500)) + "]}"
    parsed = parse(text, dict[str, list[str]])
    assert len(parsed.value["items"]) == 500
    assert [(r.kind, r.detail) for r in parsed.repairs] == [
        ("single_quotes", "501 times, first at line 1 col 2"),
    ]


def test_a_number_in_an_unclosed_fence_may_be_cut_so_it_is_refused() -> None:
    assert refusal("```\n42", int).errors[0]["reason"] == "truncated"
    assert parse("```\n42\n```", int).value == 42


def test_a_broken_answer_after_a_valid_one_is_not_ignored() -> None:
    text = '{"x": 1, "y": 2}\nWait, corrected: {"x": 1, "y": 3 "z"}'
    assert refusal(text, Point).errors[0]["reason"] == "syntax"


def test_a_broken_attempt_before_a_valid_answer_is_a_corrected_answer() -> None:
    text = '{"x": 1, "y": two}\nSorry, y must be a number: {"x": 1, "y": 2}'
    assert parse(text, Point).value == Point(x=1, y=2)


def test_numbers_too_large_to_convert_are_refused_with_a_clear_error() -> None:
    error = refusal("{'x': " + "9" * 5000 + ", 'y': 1}", Point)
    assert "out of range" in error.errors[0]["msg"]
    assert "out of range" in refusal("{'x': 1e999, 'y': 1}", Point).errors[0]["msg"]


def test_an_overflowing_float_in_prose_is_refused_not_read_as_infinity() -> None:
    class Reading(BaseModel):
        value: float

    error = refusal('Reading: {"value": 1e999}', Reading)
    assert "out of range" in error.errors[0]["msg"]


def test_a_reply_cut_inside_its_reasoning_block_is_refused() -> None:
    error = refusal('<think>\nThe answer is {"x": 1, "y": 2} I think', Point)
    assert error.errors[0]["reason"] == "truncated"


def test_a_think_tag_inside_the_data_is_data() -> None:
    parsed = parse("{'title': 'on <think> tags', 'body': 'b'}", Note)
    assert parsed.value == Note(title="on <think> tags", body="b")


def test_parse_is_exported_from_accord_llm_and_results_are_frozen() -> None:
    import accord.llm

    assert accord.llm.parse is parse
    for parsed in (parse('{"x": 1, "y": 2}', Point), parse("{'x': 1, 'y': 2}", Point)):
        with pytest.raises(AttributeError):
            parsed.value = Point(x=0, y=0)  # type: ignore[misc]


class Tree(BaseModel):
    name: str
    children: list[Tree]


def test_a_lone_field_of_the_schema_is_not_a_wrapper() -> None:
    # {"children": [...]} is a tree missing its name, not a wrapper around its only child:
    # unwrapping it would accept the child in place of the missing field.
    with pytest.raises(OutputError) as caught:
        parse('{"children": [{"name": "", "children": []}]}', Tree)
    assert "name" in caught.value.field_errors_text()
    wrapped = parse('{"result": {"name": "a", "children": []}}', Tree)
    assert wrapped.value == Tree(name="a", children=[])
    assert [r.kind for r in wrapped.repairs] == ["unwrap_wrapper"]


def test_a_commented_out_member_or_element_is_not_dropped_silently() -> None:
    from .corpus import Customer

    for text in [
        '{"name": "Ann",\n#"age": 41,\n"email": "a@x.org"}',
        '{"name": "Ann",\n"tags": ["a",\n# "b"\n], "email": "a@x.org"}',
    ]:
        with pytest.raises(OutputError):
            parse(text, Customer)
    parsed = parse('{"name": "Ann", // her name\n"email": "a@x.org"}', Customer)
    assert [repair.kind for repair in parsed.repairs] == ["comments"]

"""OutputError: what it carries and the re-ask text it produces."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from accord.llm.parsing import OutputError, parse

from .corpus import Classification, Invoice


def refusal(text: str, output_type: Any, **options: Any) -> OutputError:
    with pytest.raises(OutputError) as caught:
        parse(text, output_type, **options)
    return caught.value


INVOICE_WITH_TWO_BAD_FIELDS = """Here is the invoice:
```json
{"invoice_number": "7", "customer": "Acme", "currency": "CHF", "total": 10.0,
 "items": [{"sku": "a", "description": "x", "quantity": 1, "unit_price": 5.0},
           {"sku": "b", "description": "y", "quantity": "two", "unit_price": 5.0}],}
```"""


def test_field_errors_text_names_only_the_failing_fields() -> None:
    error = refusal(INVOICE_WITH_TWO_BAD_FIELDS, Invoice)
    text = error.field_errors_text()
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("- currency: ")
    assert "'CHF'" in lines[0]
    assert lines[1].startswith("- items.1.quantity: ")
    assert "'two'" in lines[1]
    for fine in ("invoice_number", "customer", "total", "sku", "items.0"):
        assert fine not in text


def test_output_error_keeps_raw_text_pydantic_errors_and_repairs() -> None:
    error = refusal(INVOICE_WITH_TWO_BAD_FIELDS, Invoice)
    assert error.raw == INVOICE_WITH_TWO_BAD_FIELDS
    assert [e["loc"] for e in error.errors] == [("currency",), ("items", 1, "quantity")]
    assert all({"loc", "msg", "type"} <= set(e) for e in error.errors)
    assert str(error) == error.field_errors_text()


def test_missing_required_field_is_named_without_echoing_the_whole_input() -> None:
    error = refusal('{"label": "billing", "confidence": 0.5}', Classification)
    assert error.field_errors_text() == "- reason: Field required"


def test_errors_come_from_the_unwrapped_value_when_that_is_closer() -> None:
    error = refusal('{"result": {"label": "billing", "confidence": 0.5}}', Classification)
    assert error.field_errors_text() == "- reason: Field required"


def test_truncation_error_says_data_may_be_lost() -> None:
    text = '{"label": "billing", "confidence": 0.5, "reason": "Cha'
    error = refusal(text, Classification)
    cut_string_starts = text.rindex('"')
    assert cut_string_starts == 50
    assert error.errors == [
        {
            "type": "json_invalid",
            "reason": "truncated",
            "loc": (),
            "pos": 50,
            "msg": "invalid JSON at character 50: string cut off at the end of the text; "
            "it may have lost data, reply with the complete JSON",
        }
    ]
    assert error.field_errors_text().startswith("- the reply as a whole: invalid JSON")


def test_syntax_error_points_at_the_json_not_at_braces_in_prose() -> None:
    error = refusal(
        'Format {label}. Answer: {"label": "billing", "confidence": 0.5 "reason": "x"}',
        Classification,
    )
    assert error.errors[0]["reason"] == "syntax"
    assert "expected ',' or '}'" in error.errors[0]["msg"]


def test_long_inputs_are_shortened_in_the_text() -> None:
    error = refusal(
        '{"label": "' + "z" * 200 + '", "confidence": 0.5, "reason": "r"}', Classification
    )
    assert len(error.field_errors_text()) < 200


def test_output_error_survives_pickling_with_its_data() -> None:
    import pickle

    error = refusal(INVOICE_WITH_TWO_BAD_FIELDS, Invoice)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.raw, copy.errors, copy.repairs) == (error.raw, error.errors, error.repairs)


def test_errors_are_json_serializable_even_with_validator_exceptions() -> None:
    import json

    from pydantic import BaseModel, field_validator

    class Email(BaseModel):
        address: str

        @field_validator("address")
        @classmethod
        def has_at(cls, value: str) -> str:
            if "@" not in value:
                raise ValueError("an e-mail address needs an @")
            return value

    error = refusal("```\n{'address': 'nobody'}\n```", Email)
    json.dumps(error.errors)
    assert "an e-mail address needs an @" in error.field_errors_text()


def test_a_broken_answer_is_reported_rather_than_a_bracket_in_the_prose() -> None:
    text = 'Step [1] done. Answer: {"label": "billing", "confidence": 0.5, "reason": "x" "y"}'
    error = refusal(text, Classification)
    assert error.errors[0]["reason"] == "syntax"


def test_the_longest_value_gives_the_errors_when_nothing_validates() -> None:
    text = 'See [1].\n{"label": "sales", "confidence": 0.5, "reason": "x"}'
    error = refusal(text, Classification)
    assert error.field_errors_text().startswith("- label: ")


class Person(BaseModel):
    first_name: str
    email: str
    tags: list[str] = []
    weight: float | None = None


@pytest.mark.parametrize(
    ("text", "loc", "kind", "words"),
    [
        (
            '{"first_name": "Ann", "first_name": "Bo", "email": "a@b.c"}',
            ("first_name",),
            "duplicate_key",
            "twice",
        ),
        (
            '{"type": "object", "properties": {"first_name": {"type": "string"}}}',
            (),
            "schema_echo",
            "schema",
        ),
        (
            '{"first_name": "<string>", "email": "a@b.c"}',
            ("first_name",),
            "placeholder",
            "placeholder",
        ),
        ('{"first_name": "TBD", "email": "a@b.c"}', ("first_name",), "placeholder", "real value"),
        (
            '{"first_name": "Ann", "firstName": "Bo", "email": "a@b.c"}',
            ("first_name",),
            "ambiguous_key",
            "once",
        ),
        (
            '{"first_name": "Ann", "email": "a@b.c", "tags": "a, b"}',
            ("tags",),
            "ambiguous_list",
            "JSON list",
        ),
        (
            '{"first_name": "Ann", "email": "a@b.c", "weight": "5 kg"}',
            ("weight",),
            "ambiguous_number",
            "unit",
        ),
        (
            '{"first_name": "Ann", "email": "a@b.c", "weight": "1,500"}',
            ("weight",),
            "ambiguous_number",
            "thousands",
        ),
        ('{"first_name": "about "Mo", then", "email": "a@b.c"}', (), "json_invalid", "ambiguous"),
        (
            '{"first_name": "Ann", "email": "a@b.c"}\nCorrection: {"first_name": "Bo"}',
            ("first_name",),
            "json_invalid",
            "correction",
        ),
        ('{"first_name": "Ann", "email": "a@b.c", "weight": NaN}', (), "json_invalid", "NaN"),
        (
            '{"first_name": ["Ann", "Bo"], "email": "a@b.c"}',
            ("first_name",),
            "ambiguous_list",
            "one",
        ),
    ],
)
def test_each_must_refuse_category_names_the_field_and_the_reason(
    text: str, loc: tuple[str, ...], kind: str, words: str
) -> None:
    error = refusal(text, Person)
    first = error.errors[0]
    assert first["type"] == kind
    assert tuple(first["loc"]) == loc
    assert words in first["msg"]
    if loc:
        assert error.field_errors_text().startswith(f"- {'.'.join(loc)}: ")


def test_an_ambiguous_day_month_order_is_refused_and_named() -> None:
    import datetime

    class Visit(BaseModel):
        day: datetime.date

    error = refusal('{"day": "03/05/2024"}', Visit)
    assert error.errors[0]["type"] == "ambiguous_date"
    assert error.errors[0]["loc"] == ("day",)
    assert parse('{"day": "13/05/2024"}', Visit).value.day == datetime.date(2024, 5, 13)
    error = refusal('{"day": "Monday, March 5, 2024"}', Visit)
    assert error.errors[0]["type"] == "inconsistent_date"
    assert "Tuesday" in error.errors[0]["msg"]
    assert parse('{"day": "Tuesday, March 5, 2024"}', Visit).value.day == datetime.date(2024, 3, 5)


def test_a_coercion_is_a_visible_repair_and_can_be_forbidden() -> None:
    parsed = parse('{"first_name": "Ann", "email": "a@b.c", "weight": "72"}', Person)
    assert parsed.value.weight == 72.0
    assert [repair.kind for repair in parsed.repairs] == ["coerce_type"]
    error = refusal(
        '{"first_name": "Ann", "email": "a@b.c", "weight": "72"}', Person, forbid={"coerce_type"}
    )
    assert error.errors[0]["type"] == "repair_forbidden"

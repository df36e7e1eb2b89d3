"""Grounding: a value the input does not support is never grounded; what grounds one is only
a normalization a reviewer would accept (case, Unicode form, runs of whitespace)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from accord.llm.grounding import Grounding, Ungrounded, fold, occurs_in, one_of, parses_as

words = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=12)


class Contact(BaseModel):
    name: str
    email: str | None = None


GROUNDING = Grounding({"name": occurs_in("message"), "email": one_of("emails")}, required=("name",))


@given(st.lists(words, min_size=1, max_size=20), words)
def test_a_value_absent_from_the_input_is_never_grounded(text: list[str], value: str) -> None:
    message = " ".join(text)
    found = GROUNDING.check(Contact(name=value), {"message": message, "emails": []})
    occurs = re.search(rf"(?<!\w){re.escape(fold(value))}(?!\w)", fold(message))
    assert (found == ()) == bool(occurs)


@given(st.lists(words, min_size=2, max_size=20), st.data())
def test_a_grounded_value_differs_from_its_span_only_by_case_and_spacing(
    text: list[str], data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    span = text[start:end]
    variant = data.draw(st.sampled_from(["upper", "lower", "spaces"]))
    value = {
        "upper": " ".join(span).upper(),
        "lower": " ".join(span).lower(),
        "spaces": "   ".join(span),
    }[variant]
    message = " ".join(text)
    grounded = GROUNDING.check(Contact(name=value), {"message": message, "emails": []}) == ()
    # Case folding may map a letter to several (ß -> ss): grounded iff the folded forms agree.
    assert grounded == (fold(" ".join(span)) == fold(value) or fold(value) in fold(message))


@given(st.emails(), st.lists(st.emails(), max_size=4))
def test_an_email_is_grounded_only_when_it_is_one_of_the_candidates(
    email: str, candidates: list[str]
) -> None:
    found = GROUNDING.check(
        Contact(name="Jo", email=email), {"message": "Jo", "emails": candidates}
    )
    assert (found == ()) == (fold(email) in {fold(c) for c in candidates})


def test_an_ungrounded_field_names_the_field_and_lists_the_candidates() -> None:
    found = GROUNDING.check(
        {"name": "Jo Park", "email": "jo@acme.io"},
        {"message": "Hi, Jo Park here", "emails": [{"value": "jo.park@acme.io"}]},
    )
    assert found == (
        Ungrounded(
            "email",
            "jo@acme.io",
            "'jo@acme.io' is not among the candidates found in the input: 'jo.park@acme.io'",
        ),
    )
    assert found[0].error() == {
        "type": "ungrounded",
        "loc": ("email",),
        "msg": found[0].reason,
        "input": "jo@acme.io",
    }


def test_a_part_of_a_word_does_not_ground_a_value() -> None:
    found = GROUNDING.check({"name": "Park"}, {"message": "Parking is free", "emails": []})
    assert [u.field for u in found] == ["name"]


def test_null_is_grounded_unless_required() -> None:
    assert GROUNDING.check({"name": "Jo", "email": None}, {"message": "Jo", "emails": []}) == ()
    found = GROUNDING.check({"name": None}, {"message": "Jo", "emails": []})
    assert found[0].field == "name" and "required" in found[0].reason


def _iso_dates(text: str) -> list[date]:
    return [date(int(y), int(m), int(d)) for y, m, d in re.findall(r"(\d{4})-(\d\d)-(\d\d)", text)]


def test_a_value_is_grounded_when_it_parses_to_what_a_span_says() -> None:
    rule = Grounding({"day": parses_as("message", _iso_dates)})
    assert rule.check({"day": "2021-03-04"}, {"message": "since 2021-03-04"}) == ()
    assert rule.check({"day": "2021-04-03"}, {"message": "since 2021-03-04"})[0].field == "day"


def test_any_rule_of_a_field_grounds_it() -> None:
    rule = Grounding({"company": (one_of("companies"), occurs_in("message"))})
    inputs = {"companies": ["Acme"], "message": "from Initech"}
    assert rule.check({"company": "Initech"}, inputs) == ()
    assert rule.check({"company": "Acme"}, inputs) == ()
    assert rule.check({"company": "Globex"}, inputs)[0].reason.count("; or ") == 1


def test_a_rule_naming_an_unknown_input_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="grounding source 'body' is not an input"):
        Grounding({"name": occurs_in("body")}).check({"name": "Jo"}, {"message": "Jo"})


def test_grounding_needs_rules() -> None:
    with pytest.raises(ValueError, match="at least one field"):
        Grounding({})


class Ticket(BaseModel):
    name: str
    email: str | None = None
    tags: list[str] = []


def test_candidates_become_an_enum_and_null_stays_allowed() -> None:
    rule = Grounding({"name": occurs_in("message"), "email": one_of("emails")})
    schema = Ticket.model_json_schema()
    inputs = {"message": "Jo", "emails": ["jo@acme.io", {"value": "JO@acme.io"}, "x@y.io"]}
    narrowed = rule.constrain(schema, inputs)
    email = narrowed["properties"]["email"]
    assert email["anyOf"] == [
        {"type": "string", "enum": ["jo@acme.io", "x@y.io"]},  # one spelling per folded value
        {"type": "null"},
    ]
    assert narrowed["properties"]["name"] == schema["properties"]["name"]  # an open rule
    assert schema["properties"]["email"] != email  # the task's own schema is not changed


def test_a_field_with_no_candidates_can_only_be_null_and_an_open_rule_keeps_it_open() -> None:
    schema = Ticket.model_json_schema()
    only = Grounding({"email": one_of("emails")})
    assert only.constrain(schema, {"emails": []})["properties"]["email"]["type"] == "null"
    either = Grounding({"email": (one_of("emails"), occurs_in("message"))})
    assert either.choices({"emails": ["a@b.io"], "message": ""}) == {}
    required = Grounding({"name": one_of("names")})  # nothing to choose and null not allowed
    assert (
        required.constrain(schema, {"names": []})["properties"]["name"]
        == schema["properties"]["name"]
    )


def test_a_list_field_gets_an_enum_of_items() -> None:
    narrowed = Grounding({"tags": one_of("found")}).constrain(
        Ticket.model_json_schema(), {"found": ["billing", "bug"]}
    )
    assert narrowed["properties"]["tags"]["items"] == {"type": "string", "enum": ["billing", "bug"]}

"""Property-based: recoverable damage round-trips, data-losing damage is refused."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from accord.llm.parsing import OutputError, is_placeholder, parse
from accord.testing.strategies import render

from .corpus import Classification, Customer, Invoice, Label, LineItem, Roster

settings.register_profile("llm_parsing", max_examples=150, deadline=None)
settings.register_profile("llm_parsing_thorough", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("LLM_PARSING_PROFILE", "llm_parsing"))

finite = st.floats(allow_nan=False, allow_infinity=False)
text = st.text(max_size=30)
# The policy refuses template residue ("<name>", "N/A", "...") in required string fields.
real_text = text.filter(lambda value: not is_placeholder(value))

customers = st.builds(
    Customer,
    name=real_text,
    email=real_text,
    age=st.none() | st.integers(),
    vip=st.booleans(),
    tags=st.lists(text, max_size=4),
)
invoices = st.builds(
    Invoice,
    invoice_number=real_text,
    customer=real_text,
    currency=st.sampled_from(["EUR", "USD", "GBP"]),
    items=st.lists(
        st.builds(
            LineItem,
            sku=real_text,
            description=real_text,
            quantity=st.integers(),
            unit_price=finite,
        ),
        max_size=4,
    ),
    total=finite,
    notes=st.none() | text,
)
classifications = st.builds(
    Classification,
    label=st.sampled_from(Label),
    confidence=st.floats(min_value=0, max_value=1),
    reason=real_text,
)
rosters = st.builds(
    Roster,
    team=real_text,
    week=st.integers(),
    shifts=st.lists(st.lists(text, max_size=3), max_size=4),
    leads=st.lists(text, max_size=3),
)
instances: st.SearchStrategy[BaseModel] = st.one_of(customers, invoices, classifications, rosters)

PREAMBLES = [
    "",
    "Sure! Here's the JSON:\n",
    "Result for {input}:\n\n",
    "I can't be 100% sure, but here it is: ",
]
POSTSCRIPTS = ["", "\n\nLet me know if you need changes!", "\nFields: {a, b}.", " (done)"]


def fenced(data: dict[str, Any]) -> str:
    return "```json\n" + json.dumps(data, indent=2, ensure_ascii=False) + "\n```"


def _is_json(raw: str) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


Damage = Callable[[dict[str, Any]], str]

RECOVERABLE: dict[str, Damage] = {
    "fence": fenced,
    "trailing_commas": lambda d: render(d, trailing=True),
    "single_quotes": lambda d: render(d, quote="'", keys="'"),
    "python_literals": lambda d: render(d, literals="python"),
    "python_repr": repr,
    "bare_keys": lambda d: render(d, keys="bare"),
    "comments": lambda d: "// answer\n" + render(d).replace("\n", " /* . */\n", 1),
    "wrapper": lambda d: json.dumps({"result": d}),
    "one_element_list": lambda d: json.dumps([d]),
    "everything": lambda d: (
        "```\n" + render(d, quote="'", keys="bare", literals="python", trailing=True) + "\n```"
    ),
}


@given(
    instances,
    st.sampled_from(sorted(RECOVERABLE)),
    st.sampled_from(PREAMBLES),
    st.sampled_from(POSTSCRIPTS),
)
def test_recoverable_damage_parses_back_to_the_same_value(
    value: BaseModel, damage: str, preamble: str, postscript: str
) -> None:
    data = value.model_dump(mode="json")
    raw = preamble + RECOVERABLE[damage](data) + postscript
    parsed = parse(raw, type(value))
    assert parsed.value == value
    assert parsed.raw == raw
    if not _is_json(raw) or damage in ("wrapper", "one_element_list"):
        assert parsed.repairs


@given(instances)
def test_valid_json_takes_the_fast_path_without_repairs(value: BaseModel) -> None:
    parsed = parse(value.model_dump_json(), type(value))
    assert parsed.value == value
    assert parsed.repairs == ()


@given(instances, st.data())
def test_a_cut_anywhere_is_refused_unless_only_closing_braces_were_lost(
    value: BaseModel, data: st.DataObject
) -> None:
    full = json.dumps(value.model_dump(mode="json"), indent=2, ensure_ascii=False)
    cut = data.draw(st.integers(min_value=1, max_value=len(full) - 1), label="cut")
    lost = full[cut:]
    try:
        parsed = parse(full[:cut], type(value))
    except OutputError:
        return
    assert set(lost) <= set("} \n"), f"accepted although {lost!r} was cut off"
    assert parsed.value == value


@given(instances, st.data())
def test_a_removed_required_key_is_refused_and_named(value: BaseModel, data: st.DataObject) -> None:
    required = [name for name, field in type(value).model_fields.items() if field.is_required()]
    key = data.draw(st.sampled_from(required), label="removed")
    damaged = {k: v for k, v in value.model_dump(mode="json").items() if k != key}
    styles: list[Damage] = [json.dumps, fenced, repr]
    raw = data.draw(st.sampled_from(styles), label="style")(damaged)
    try:
        parse(raw, type(value))
    except OutputError as error:
        assert f"- {key}: Field required" in error.field_errors_text().splitlines()
    else:
        raise AssertionError(f"accepted although required {key!r} was removed")


@given(instances, st.sampled_from(sorted(RECOVERABLE)))
def test_two_different_answers_are_never_merged_or_picked(value: BaseModel, damage: str) -> None:
    data = value.model_dump(mode="json")
    other = {**data, next(iter(data)): None}  # first field changed to null
    raw = RECOVERABLE[damage](data) + "\nor\n" + json.dumps(other)
    try:
        parsed = parse(raw, type(value))
    except OutputError:
        return
    assert parsed.value == value  # the other answer does not validate (null field)


JSON_ISH_CHARS = "{}[]:,'\"\\ \nabtrueflsnNoTF0123456789.-e#/*`<>"
json_ish = st.text(alphabet=st.sampled_from(list(JSON_ISH_CHARS)), max_size=60)


@given(
    st.one_of(json_ish, st.text(max_size=60)),
    st.sampled_from([Customer, Roster, list[int], dict[str, Any], int, str]),
)
def test_any_text_gives_a_value_or_an_output_error_never_a_crash(
    raw: str, output_type: Any
) -> None:
    try:
        parsed = parse(raw, output_type)
    except OutputError as error:
        assert error.errors
        assert error.field_errors_text()
    else:
        assert parsed.raw == raw

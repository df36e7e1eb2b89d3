"""Schema dialects: each provider family's rewrite, in one place."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from accord.llm.profiles import ANTHROPIC, OPENAI, OPENAI_COMPATIBLE, inline_refs, openai_strict


class Address(BaseModel):
    street: str
    zip: str | None = None


class Person(BaseModel):
    name: str = Field(min_length=1, description="Full name")
    home: Address
    past: list[Address] = []
    nickname: str = "none"


class Tree(BaseModel):
    label: str
    children: list[Tree] = []


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_inline_refs_removes_every_reference_and_the_definitions() -> None:
    schema = inline_refs(Person.model_json_schema())
    assert refs(schema) == [] and "$defs" not in schema
    assert schema["properties"]["home"]["properties"]["street"] == {
        "title": "Street",
        "type": "string",
    }


def test_inline_refs_rejects_recursive_schemas_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match=r"recursive \(Tree -> Tree\)"):
        inline_refs(Tree.model_json_schema())


def test_openai_strict_requires_everything_and_forbids_extra_keys() -> None:
    plan = openai_strict(Person.model_json_schema())
    schema = plan.schema
    assert schema["required"] == ["name", "home", "past", "nickname"]
    assert schema["additionalProperties"] is False
    home = schema["properties"]["home"]
    assert home["required"] == ["street", "zip"] and home["additionalProperties"] is False
    item = schema["properties"]["past"]["anyOf"][0]["items"]
    assert item["additionalProperties"] is False
    assert schema["properties"]["nickname"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert "default" not in str(schema)
    # unsupported keywords move into the description so the model still sees them
    name = schema["properties"]["name"]
    assert name == {"type": "string", "description": "Full name (minLength=1)"}
    # zip already accepts null: nothing to restore; past and nickname do need restoring
    assert plan.absent_if_null == (("past",), ("nickname",))


def test_each_family_declares_its_mode() -> None:
    assert OPENAI.mode == "native" and ANTHROPIC.mode == "tool"
    assert OPENAI_COMPATIBLE.mode == "prompted" and OPENAI_COMPATIBLE.schema_in_prompt
    assert refs(OPENAI_COMPATIBLE.plan(Person.model_json_schema()).schema) == []
    # Anthropic accepts $ref: its schema goes as is
    assert ANTHROPIC.plan(Person.model_json_schema()).schema == Person.model_json_schema()

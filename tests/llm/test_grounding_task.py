"""Grounding in the pipeline: an ungrounded answer is re-asked with the candidates and fails as
``invalid_output`` naming the field and the reason; the docs' example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from accord.llm import (
    Budget,
    Grounding,
    MemoryCache,
    Prompt,
    ScriptedModel,
    Task,
    occurs_in,
    one_of,
    register_test_model,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "llm.md"


class Contact(BaseModel):
    name: str
    email: str | None = None


def contact_task(model: str, **options: object) -> Task[Contact]:
    return Task(
        "contact",
        output=Contact,
        prompt=Prompt(template="{message}", version="v1"),
        inputs={"message": str, "emails": list[str]},
        models=[model],
        grounding=Grounding({"name": occurs_in("message"), "email": one_of("emails")}),
        **options,  # type: ignore[arg-type]
    )


MESSAGE = "Hi, Jo Park here. Write to jo.park@acme.io or jo@home.example."
EMAILS = ["jo.park@acme.io", "jo@home.example"]


async def test_an_ungrounded_field_is_reasked_with_the_candidates() -> None:
    model = ScriptedModel(
        [
            {"name": "Jo Park", "email": "jopark@acme.io"},
            {"name": "Jo Park", "email": "jo.park@acme.io"},
        ]
    )
    register_test_model("grounded1", model)
    result = await contact_task("test:grounded1").run(message=MESSAGE, emails=EMAILS)
    assert result.value == Contact(name="Jo Park", email="jo.park@acme.io")
    first, second = result.attempts
    assert (first.outcome, first.error_class, second.outcome) == (
        "invalid_output",
        "Ungrounded",
        "ok",
    )
    assert second.reask
    reask = model.requests[1].messages[-1].content
    assert "email: 'jopark@acme.io' is not among the candidates" in reask
    assert "'jo.park@acme.io', 'jo@home.example'" in reask  # the candidates go back


async def test_every_attempt_ungrounded_fails_as_invalid_output_naming_field_and_reason() -> None:
    invented = {"name": "Joanna Parker", "email": "jo.park@acme.io"}
    register_test_model("grounded2", ScriptedModel([invented, invented]))
    task = contact_task("test:grounded2", budget=Budget(attempts=2))
    result = await task.run_result(message=MESSAGE, emails=EMAILS)
    assert result.ok is False
    assert result.kind == "invalid_output"
    (error,) = result.errors
    assert error["type"] == "ungrounded" and list(error["loc"]) == ["name"]
    assert error["msg"] == "'Joanna Parker' does not occur in the message"
    assert "name: 'Joanna Parker' does not occur in the message" in result.message


async def test_a_grounded_answer_passes_on_the_first_attempt() -> None:
    register_test_model("grounded3", ScriptedModel([{"name": "JO  PARK", "email": None}]))
    result = await contact_task("test:grounded3").run(message=MESSAGE, emails=EMAILS)
    assert [a.outcome for a in result.attempts] == ["ok"]


async def test_a_cached_answer_is_grounded_against_this_calls_inputs() -> None:
    cache = MemoryCache()
    answer = {"name": "Jo Park", "email": "jo@home.example"}
    model = ScriptedModel([answer, {"name": "Jo Park", "email": None}])
    register_test_model("grounded4", model)
    task = contact_task("test:grounded4", cache=cache)
    await task.run(message=MESSAGE, emails=EMAILS)
    # The same prompt, other candidates: the cached email is no longer grounded.
    result = await task.run(message=MESSAGE, emails=["jo.park@acme.io"])
    assert result.value.email is None and model.calls == 2


def test_grounding_must_name_output_fields_and_declared_inputs() -> None:
    with pytest.raises(ValueError, match="grounding names phone, which the output has no field"):
        Task(
            "c",
            output=Contact,
            prompt=Prompt(template="{message}", version="v1"),
            grounding=Grounding({"phone": occurs_in("message")}),
        )
    with pytest.raises(ValueError, match="grounding reads emails, which is not an input"):
        Task(
            "c",
            output=Contact,
            prompt=Prompt(template="{message}", version="v1"),
            grounding=Grounding({"email": one_of("emails")}),
        )


def test_the_docs_grounding_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Grounding", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"^```python\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    exec(compile(code, f"{DOCS}#grounding", "exec"), {"__name__": "docs_grounding"})
    assert (
        "'A-1234' is not among the candidates found in the input: 'A-1042'"
        in capsys.readouterr().out
    )


async def test_the_model_is_sent_the_candidates_as_an_enum() -> None:
    model = ScriptedModel([{"name": "Jo Park", "email": "jo.park@acme.io"}])
    register_test_model("grounded5", model)
    await contact_task("test:grounded5").run(message=MESSAGE, emails=EMAILS)
    email = model.requests[0].schema["properties"]["email"]
    assert email["anyOf"][0]["enum"] == EMAILS and email["anyOf"][1] == {"type": "null"}
    assert "enum" not in model.requests[0].schema["properties"]["name"]  # occurs_in is open

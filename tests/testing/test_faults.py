"""Scripted faults through a real task pipeline: each fault ends as its typed outcome."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from accord.llm import Budget, Failure, MemoryCache, Policy, Prompt, ScriptedModel, Success, Task
from accord.testing import faults, scripted

ADA = {"name": "Ada", "age": 36}


class Person(BaseModel):
    name: str
    age: int = Field(ge=0)


def person_task(attempts: int = 3, timeout: float = 10.0, **options: Any) -> Task[Person]:
    return Task(
        "person",
        output=Person,
        prompt=Prompt("Who is this? {text}", version="v1"),
        models=["test:never-registered"],
        budget=Budget(attempts=attempts),
        policy=Policy(timeout=timeout),
        **options,
    )


def outcomes(result: Success[Any] | Failure) -> list[str]:
    return [a.outcome for a in result.attempts]


async def test_a_timeout_is_retried_and_the_next_answer_is_used() -> None:
    task = person_task()
    with scripted(task, [faults.timeout(), ADA]) as script:
        result = await task.run_result(text="Ada, 36")
    assert isinstance(result, Success) and result.value == Person(name="Ada", age=36)
    assert outcomes(result) == ["timeout", "ok"]
    assert script.calls == 2


async def test_a_rate_limit_carries_its_retry_after_and_is_retried() -> None:
    task = person_task()
    with scripted(task, [faults.rate_limited(retry_after=0.01), ADA]):
        result = await task.run_result(text="Ada, 36")
    assert outcomes(result) == ["rate_limited", "ok"]


async def test_server_errors_until_the_budget_ends_in_unavailable() -> None:
    task = person_task()
    with scripted(task, [faults.server_error(503)] * 3):
        result = await task.run_result(text="Ada, 36")
    assert isinstance(result, Failure) and result.kind == "unavailable"
    assert outcomes(result) == ["unavailable"] * 3


def test_server_error_refuses_a_status_that_is_not_5xx() -> None:
    with pytest.raises(ValueError, match=r"server_error\(429\).*rate_limited"):
        faults.server_error(429)


async def test_malformed_json_is_re_asked_with_its_errors() -> None:
    task = person_task()
    with scripted(task, [faults.malformed('{"name": "Ada", "age": 3'), ADA]) as script:
        result = await task.run_result(text="Ada, 36")
    assert outcomes(result) == ["invalid_output", "ok"]
    reask = script.requests[1].messages[-1].content
    assert "not valid" in reask and "cut off" in reask


async def test_schema_invalid_answers_end_in_invalid_output_naming_the_field() -> None:
    task = person_task()
    with scripted(task, [faults.schema_invalid({"name": "Ada", "age": -1})] * 3):
        result = await task.run_result(text="Ada, 36")
    assert isinstance(result, Failure) and result.kind == "invalid_output"
    assert [e["loc"] for e in result.errors] == [("age",)]


async def test_a_refusal_moves_to_the_fallback_script() -> None:
    task = person_task()
    with scripted(task, [faults.refusal("no")], [ADA]) as script:
        result = await task.run_result(text="Ada, 36")
    assert isinstance(result, Success) and result.fell_back
    assert [a.model for a in result.attempts] == ["test:scripted", "test:scripted-fallback-1"]
    assert [m.calls for m in script.models] == [1, 1]


async def test_a_slow_answer_past_the_timeout_is_a_real_timeout() -> None:
    task = person_task(attempts=1, timeout=0.5)
    with scripted(task, [faults.slow(60, ADA)]):
        result = await task.run_result(text="Ada, 36")
    assert isinstance(result, Failure) and result.kind == "timeout"


async def test_a_slow_answer_within_the_timeout_is_used() -> None:
    task = person_task()
    with scripted(task, [faults.slow(0.01, Person(name="Ada", age=36))]):
        result = await task.run_result(text="Ada, 36")
    assert isinstance(result, Success) and result.value.name == "Ada"


async def test_running_past_the_script_fails_with_a_clear_internal_error() -> None:
    task = person_task()
    with scripted(task, []):
        result = await task.run_result(text="Ada, 36")
    assert isinstance(result, Failure) and result.kind == "internal"
    assert "add steps to the script" in result.message


async def test_the_task_gets_its_chain_cache_and_policy_back() -> None:
    cache = MemoryCache()
    task = person_task(cache=cache)
    before = (task.model_specs, task.cache, task.policy)
    with scripted(task, [ADA]):
        assert task.cache is None and task.policy.backoff_base == 0.0
        assert isinstance(task.models[0], ScriptedModel)
    assert (task.model_specs, task.cache, task.policy) == before


async def test_scripted_answers_are_not_served_from_an_earlier_cached_answer() -> None:
    task = person_task(cache=MemoryCache())
    with scripted(task, [ADA], cache=True):
        await task.run(text="Ada, 36")
    with scripted(task, [faults.refusal()]) as script:
        result = await task.run_result(text="Ada, 36")
    assert isinstance(result, Failure) and result.kind == "refused"
    assert script.calls == 1


@pytest.mark.parametrize("single", [ADA, Person(name="Ada", age=36), faults.timeout(), "{}"])
def test_a_single_step_must_be_wrapped_in_a_list(single: Any) -> None:
    with pytest.raises(TypeError, match=r"scripted\(task, \[answer\]\)"):
        scripted(person_task(), single)

"""The pipeline with scripted and function models: budgets, cache, circuit breaker, switches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from accord.llm import (
    Budget,
    CircuitBreaker,
    Failure,
    FunctionModel,
    LLMFailure,
    MemoryCache,
    Model,
    ModelError,
    Policy,
    Prompt,
    RealRequestForbidden,
    Request,
    ScriptedModel,
    SqliteCache,
    Success,
    Task,
    forbid_real_requests,
    register_test_model,
    resolve_model,
)
from accord.llm.models.openai import OpenAIModel
from accord.llm.models.test import (
    malformed,
    rate_limited,
    refused,
    schema_invalid,
    slow,
    timeout,
    unavailable,
)
from accord.llm.profiles import OPENAI


class City(BaseModel):
    name: str
    population: int


PARIS = {"name": "Paris", "population": 2100000}
FAST = Policy(timeout=0.2, backoff_base=0.001, backoff_max=0.01)


def city_task(*models: Model | str, **options: object) -> Task[City]:
    return Task(
        "city",
        output=City,
        prompt=Prompt("Which city?\n{text}", version="v2"),
        models=models,
        **{"policy": FAST, **options},  # type: ignore[arg-type]
    )


async def test_scripted_faults_play_in_order_and_each_is_one_typed_attempt() -> None:
    model = ScriptedModel(
        [
            timeout(),
            rate_limited(0.001),
            unavailable(502),
            malformed(),
            schema_invalid({"name": "Paris"}),
            PARIS,
        ]
    )
    result = await city_task(model, budget=Budget(attempts=6)).run(text="the capital")
    assert [a.outcome for a in result.attempts] == [
        "timeout",
        "rate_limited",
        "unavailable",
        "invalid_output",
        "invalid_output",
        "ok",
    ]
    assert result.value == City(**PARIS)
    assert model.calls == 6


async def test_a_slow_answer_past_the_timeout_is_a_timeout() -> None:
    model = ScriptedModel([slow(2.0, PARIS)])
    result = await city_task(model, budget=Budget(attempts=1)).run_result(text="x")
    assert isinstance(result, Failure) and result.kind == "timeout"


async def test_the_token_budget_stops_reasks_with_budget_exceeded() -> None:
    model = ScriptedModel([schema_invalid({"name": "Paris"})] * 5, tokens_per_answer=(60, 20))
    result = await city_task(model, budget=Budget(attempts=5, tokens=150)).run_result(text="x")
    assert isinstance(result, Failure)
    assert result.kind == "budget_exceeded"
    assert len(result.attempts) == 2  # 80 + 80 tokens: the third attempt is never made
    assert result.errors[0]["loc"] == ("population",)  # the last validation errors are kept


async def test_budget_exceeded_does_not_fall_back() -> None:
    first = ScriptedModel([schema_invalid({})] * 2, tokens_per_answer=(100, 0))
    second = ScriptedModel([PARIS], name="test:second")
    result = await city_task(first, second, budget=Budget(attempts=2, tokens=100)).run_result(
        text="x"
    )
    assert isinstance(result, Failure) and result.kind == "budget_exceeded"
    assert second.calls == 0


async def test_run_raises_llm_failure_carrying_the_attempts() -> None:
    with pytest.raises(LLMFailure) as caught:
        await city_task(ScriptedModel([refused()])).run(text="x")
    assert caught.value.kind == "refused"
    assert [a.outcome for a in caught.value.failure.attempts] == ["refused"]


async def test_function_model_sees_the_schema_and_the_reask() -> None:
    seen: list[Request] = []

    def answer(request: Request) -> str:
        seen.append(request)
        if len(seen) == 1:
            return '{"name": "Paris", "population": "many"}'
        return json.dumps(PARIS)

    result = await city_task(FunctionModel(answer)).run(text="France")
    assert result.value.population == 2100000
    assert '"population"' in seen[0].messages[0].content  # prompted: schema in the prompt
    assert seen[0].messages[-1].content == "Which city?\nFrance"
    reask = seen[1].messages[-1].content
    assert "population" in reask and "- name" not in reask


async def test_a_function_model_may_raise_typed_errors() -> None:
    def answer(request: Request) -> str:
        raise ModelError("unavailable", "down for maintenance")

    result = await city_task(FunctionModel(answer), budget=Budget(attempts=2)).run_result(text="x")
    assert isinstance(result, Failure) and result.kind == "unavailable"
    assert len(result.attempts) == 2


async def test_an_unexpected_exception_in_a_model_is_an_internal_failure() -> None:
    def answer(request: Request) -> str:
        raise KeyError("bug")

    result = await city_task(FunctionModel(answer)).run_result(text="x")
    assert isinstance(result, Failure) and result.kind == "internal"
    assert result.attempts[0].error_class == "KeyError"
    assert len(result.attempts) == 1  # not retryable


async def test_an_exhausted_script_fails_loudly_instead_of_answering() -> None:
    result = await city_task(ScriptedModel([])).run_result(text="x")
    assert isinstance(result, Failure) and result.kind == "internal"
    assert "script has 0 steps" in result.message


async def test_cache_answers_the_same_call_without_asking_the_model_again() -> None:
    model = ScriptedModel([PARIS])
    task = city_task(model, cache=MemoryCache())
    first = await task.run(text="France")
    second = await task.run(text="France")
    assert second.value == first.value
    assert second.attempts[0].cached and not first.attempts[0].cached
    assert model.calls == 1


async def test_cache_is_keyed_by_input_prompt_version_and_schema() -> None:
    cache = MemoryCache()
    model = ScriptedModel([PARIS, PARIS, PARIS])
    await city_task(model, cache=cache).run(text="France")
    await city_task(model, cache=cache).run(text="Italy")
    other_version = Task(
        "city",
        output=City,
        prompt=Prompt("Which city?\n{text}", version="v3"),
        models=[model],
        cache=cache,
    )
    await other_version.run(text="France")
    assert model.calls == 3


async def test_cache_is_off_by_default() -> None:
    model = ScriptedModel([PARIS, PARIS])
    task = city_task(model)
    await task.run(text="France")
    await task.run(text="France")
    assert model.calls == 2


async def test_sqlite_cache_survives_a_new_process_view(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    await city_task(ScriptedModel([PARIS]), cache=SqliteCache(path)).run(text="France")
    later = ScriptedModel([])
    result = await city_task(later, cache=SqliteCache(path)).run(text="France")
    assert result.value.name == "Paris" and result.attempts[0].cached
    assert later.calls == 0


async def test_failed_answers_are_not_cached() -> None:
    cache = MemoryCache()
    model = ScriptedModel([schema_invalid({"name": "x"}), PARIS])
    await city_task(model, cache=cache, budget=Budget(attempts=1)).run_result(text="x")
    assert len(cache) == 0


def state(breaker: CircuitBreaker) -> str:
    return breaker.state


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_circuit_breaker_opens_after_the_threshold_and_half_opens_after_the_pause() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=2, reset_after=10, clock=clock)
    assert breaker.allow()
    breaker.record_failure()
    assert state(breaker) == "closed"
    breaker.record_failure()
    assert state(breaker) == "open" and not breaker.allow()
    clock.now = 10.0
    assert state(breaker) == "half_open"
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one probe at a time
    breaker.record_failure()
    assert state(breaker) == "open"
    clock.now = 20.0
    assert breaker.allow()
    breaker.record_success()
    assert state(breaker) == "closed" and breaker.allow()


async def test_an_open_circuit_skips_the_model_and_the_fallback_answers() -> None:
    clock = Clock()
    flaky = ScriptedModel(
        [unavailable(), unavailable(), PARIS],
        breaker=CircuitBreaker(failure_threshold=2, reset_after=5, clock=clock),
    )
    backup = ScriptedModel([PARIS, PARIS], name="test:backup")
    task = city_task(flaky, backup, budget=Budget(attempts=2))
    first = await task.run(text="x")
    assert [a.model for a in first.attempts] == ["test:scripted"] * 2 + ["test:backup"]
    second = await task.run(text="x")
    assert [(a.model, a.outcome, a.error_class) for a in second.attempts] == [
        ("test:scripted", "unavailable", "CircuitOpen"),
        ("test:backup", "ok", None),
    ]
    assert flaky.calls == 2
    clock.now = 5.0
    third = await task.run(text="x")  # half-open: the probe goes to the flaky model and succeeds
    assert [a.model for a in third.attempts] == ["test:scripted"]
    assert state(flaky.breaker) == "closed"


async def test_strict_dialect_nulls_restore_defaults_but_never_invent_values() -> None:
    class Listing(BaseModel):
        title: str
        tags: list[str] = []
        price: float | None = None

    def answer(request: Request) -> str:
        assert request.mode == "native"
        assert request.schema["required"] == ["title", "tags", "price"]
        return '{"title": "Lamp", "tags": null, "price": null}'

    task = Task(
        "listing",
        output=Listing,
        prompt=Prompt("{text}", version="1"),
        models=[FunctionModel(answer, profile=OPENAI)],
    )
    result = await task.run(text="a lamp")
    assert result.value == Listing(title="Lamp")
    assert result.value.price is None  # price accepts null: kept as given


async def test_real_requests_are_forbidden_in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-xxxxxxxx")
    with pytest.raises(RealRequestForbidden, match="forbidden"):
        await city_task(OpenAIModel("gpt-4o-mini")).run(text="x")


async def test_the_environment_variable_forbids_real_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from accord.llm import _guard

    monkeypatch.setattr(_guard, "_forbidden_depth", 0)
    monkeypatch.setenv("ACCORD_FORBID_REAL_MODELS", "1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-xxxxxxxx")
    with pytest.raises(RealRequestForbidden):
        await city_task(OpenAIModel("gpt-4o-mini")).run(text="x")
    monkeypatch.setenv("ACCORD_FORBID_REAL_MODELS", "0")
    with forbid_real_requests(), pytest.raises(RealRequestForbidden):
        await city_task(OpenAIModel("gpt-4o-mini")).run(text="x")


async def test_test_model_strings_resolve_to_registered_models() -> None:
    model = ScriptedModel([PARIS], name="test:cities")
    register_test_model("cities", model)
    result = await city_task("test:cities").run(text="x")
    assert isinstance(result, Success) and model.calls == 1
    with pytest.raises(ValueError, match="no test model 'nope'"):
        resolve_model("test:nope")


def test_model_strings_name_their_provider_and_bad_ones_say_how_to_fix_them() -> None:
    compatible = resolve_model("openai-compatible:http://127.0.0.1:9/v1#qwen")
    assert compatible.base_url == "http://127.0.0.1:9/v1" and compatible.profile.mode == "prompted"
    assert resolve_model("anthropic:claude-x").profile.mode == "tool"
    assert resolve_model("openai:gpt-4o-mini") is resolve_model("openai:gpt-4o-mini")
    with pytest.raises(ValueError, match="openai-compatible:BASE_URL#MODEL"):
        resolve_model("openai-compatible:http://x/v1")
    with pytest.raises(ValueError, match="unknown model string"):
        resolve_model("gpt-4o")


def test_the_embedded_model_is_the_default_unless_accord_model_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ACCORD_MODEL", raising=False)
    task = Task("t", output=City, prompt=Prompt("{text}", version="1"))
    assert [m.name for m in task.models] == ["local:smollm2"]
    monkeypatch.setenv("ACCORD_MODEL", "anthropic:claude-x")
    assert [m.name for m in task.models] == ["anthropic:claude-x"]


def test_task_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="uses text"):
        Task("t", output=City, prompt=Prompt("{text}", version="1"), inputs={"other": str})
    with pytest.raises(ValueError, match="version"):
        Prompt("{text}", version="")
    task = Task(
        "t", output=City, prompt=Prompt("{text} {n}", version="1"), inputs={"text": str, "n": int}
    )
    with pytest.raises(ValueError, match="no input extra"):
        task.validate_inputs({"text": "a", "n": 1, "extra": 2})
    with pytest.raises(ValueError, match="invalid inputs"):
        task.validate_inputs({"text": "a", "n": "many"})


async def test_models_of_one_provider_share_its_rate_limiter() -> None:
    from accord.llm.providers import OpenAIProvider

    provider = OpenAIProvider(base_url="http://127.0.0.1:9/v1", rate_limit=(2, 1.0))
    small, large = OpenAIModel("small", provider=provider), OpenAIModel("large", provider=provider)
    assert small.limiter is not None and small.limiter is large.limiter
    assert small.limiter.max_rate == 2 and small.limiter.time_period == 1.0
    assert OpenAIModel("other").limiter is None


async def test_a_cancelled_half_open_probe_does_not_keep_the_circuit_stuck() -> None:
    import asyncio

    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, reset_after=1, clock=clock)
    breaker.record_failure()
    clock.now = 1.0
    model = ScriptedModel([slow(5.0, PARIS), PARIS], breaker=breaker)
    running = asyncio.create_task(city_task(model, policy=Policy(timeout=10)).run(text="x"))
    while model.calls == 0:
        await asyncio.sleep(0.01)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert breaker.allow()  # the probe was given back

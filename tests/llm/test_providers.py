"""The official SDKs against loopback servers that speak the OpenAI and Anthropic protocols,
with injected faults: each test checks the typed outcome, the attempts, the fallback, and that
only validated values reach a result."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field

from accord.llm import (
    Budget,
    Failure,
    LLMFailure,
    Model,
    Policy,
    Prompt,
    Success,
    Task,
    resolve_model,
)
from accord.llm.models.anthropic import AnthropicModel
from accord.llm.models.openai import OpenAIModel
from accord.llm.profiles import Profile, openai_strict
from accord.llm.providers import AnthropicProvider, OpenAIProvider

from .servers import Answer, FakeServer, Hang, RawBody, Refuse, Reset, Status


class Person(BaseModel):
    name: str
    age: int = Field(ge=0)
    city: str | None = None


ADA = '{"name": "Ada", "age": 36, "city": "London"}'
FAST = Policy(timeout=0.3, backoff_base=0.01, backoff_max=0.05, max_retry_after=1.0)


def openai_model(server: FakeServer, name: str = "gpt-test") -> OpenAIModel:
    return OpenAIModel(name, provider=OpenAIProvider(base_url=server.base_url))


def anthropic_model(server: FakeServer) -> AnthropicModel:
    return AnthropicModel("claude-test", provider=AnthropicProvider(base_url=server.base_url))


def task(*models: Model, attempts: int = 3) -> Task[Person]:
    return Task(
        "person",
        output=Person,
        prompt=Prompt("Who is described here?\n{text}", version="v1"),
        models=models,
        budget=Budget(attempts=attempts),
        policy=FAST,
    )


def outcomes(result: Success[Any] | Failure) -> list[str]:
    return [a.outcome for a in result.attempts]


def assert_secret_absent(result: Success[Any] | Failure, secret: str) -> None:
    assert secret not in json.dumps([a.to_dict() for a in result.attempts])


async def test_openai_native_mode_sends_a_strict_schema_and_returns_the_validated_value(
    keys: str, openai_server: FakeServer
) -> None:
    openai_server.play(Answer(ADA))
    result = await task(openai_model(openai_server)).run(text="Ada, 36, lives in London")
    assert result.value == Person(name="Ada", age=36, city="London")
    assert outcomes(result) == ["ok"]
    sent = openai_server.requests[0]
    assert sent.headers["authorization"] == f"Bearer {keys}"
    fmt = sent.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "age", "city"]
    assert result.attempts[0].input_tokens == 20 and result.attempts[0].output_tokens == 8
    assert_secret_absent(result, keys)


async def test_a_null_for_an_optional_field_forced_by_strict_mode_gives_the_default(
    keys: str, openai_server: FakeServer
) -> None:
    openai_server.play(Answer('{"name": "Ada", "age": 36, "city": null}'))
    result = await task(openai_model(openai_server)).run(text="Ada, 36")
    assert result.value == Person(name="Ada", age=36)


async def test_hanging_server_times_out_is_retried_then_the_fallback_answers(
    keys: str, openai_server: FakeServer, anthropic_server: FakeServer
) -> None:
    openai_server.play(Hang(1.0), Hang(1.0))
    anthropic_server.play(Answer(ADA))
    result = await task(
        openai_model(openai_server), anthropic_model(anthropic_server), attempts=2
    ).run_result(text="Ada")
    assert isinstance(result, Success)
    assert outcomes(result) == ["timeout", "timeout", "ok"]
    assert result.fell_back and result.model == "anthropic:claude-test"
    assert len(openai_server.requests) == 2


async def test_429_is_retried_after_the_retry_after_delay(
    keys: str, openai_server: FakeServer
) -> None:
    openai_server.play(Status(429, "slow down", {"retry-after": "0.3"}), Answer(ADA))
    result = await task(openai_model(openai_server)).run(text="Ada")
    assert outcomes(result) == ["rate_limited", "ok"]
    first, second = openai_server.requests
    assert second.at - first.at >= 0.3


async def test_a_retry_after_beyond_the_policy_skips_to_the_next_model(
    keys: str, openai_server: FakeServer, anthropic_server: FakeServer
) -> None:
    openai_server.play(Status(429, "come back tomorrow", {"retry-after": "86400"}))
    anthropic_server.play(Answer(ADA))
    result = await task(openai_model(openai_server), anthropic_model(anthropic_server)).run(
        text="Ada"
    )
    assert outcomes(result) == ["rate_limited", "ok"]
    assert len(openai_server.requests) == 1


@pytest.mark.parametrize("code", [500, 503])
async def test_server_errors_are_unavailable_and_retried_up_to_the_attempt_budget(
    keys: str, openai_server: FakeServer, code: int
) -> None:
    openai_server.play(Status(code), Status(code), Status(code))
    result = await task(openai_model(openai_server)).run_result(text="Ada")
    assert isinstance(result, Failure)
    assert result.kind == "unavailable"
    assert outcomes(result) == ["unavailable"] * 3
    assert not hasattr(result, "value")


async def test_a_connection_reset_is_unavailable_and_retried(
    keys: str, openai_server: FakeServer
) -> None:
    openai_server.play(Reset(), Answer(ADA))
    result = await task(openai_model(openai_server)).run(text="Ada")
    assert outcomes(result) == ["unavailable", "ok"]
    assert result.attempts[0].error_class == "APIConnectionError"


async def test_malformed_json_is_reasked_with_the_parse_error(
    keys: str, openai_server: FakeServer
) -> None:
    openai_server.play(Answer('{"name": "Ada", "age": 36,, }}}'), Answer(ADA))
    result = await task(openai_model(openai_server)).run(text="Ada")
    assert outcomes(result) == ["invalid_output", "ok"]
    assert result.attempts[1].reask and result.reasked
    reask = openai_server.requests[1].body["messages"]
    assert reask[-2] == {"role": "assistant", "content": '{"name": "Ada", "age": 36,, }}}'}
    assert "not valid" in reask[-1]["content"]


async def test_schema_invalid_answer_is_reasked_with_only_the_failing_fields(
    keys: str, openai_server: FakeServer
) -> None:
    openai_server.play(Answer('{"name": "Ada", "age": -4, "city": "London"}'), Answer(ADA))
    result = await task(openai_model(openai_server)).run(text="Ada")
    assert outcomes(result) == ["invalid_output", "ok"]
    reask = openai_server.requests[1].body["messages"][-1]["content"]
    assert "- age:" in reask and "- name" not in reask and "- city" not in reask
    assert result.attempts[0].errors[0]["loc"] == ("age",)


async def test_a_refusal_is_not_retried_and_the_fallback_answers(
    keys: str, openai_server: FakeServer, anthropic_server: FakeServer
) -> None:
    openai_server.play(Refuse("I can't share that."))
    anthropic_server.play(Answer(ADA))
    result = await task(openai_model(openai_server), anthropic_model(anthropic_server)).run(
        text="Ada"
    )
    assert outcomes(result) == ["refused", "ok"]
    assert result.attempts[0].message == "I can't share that."


async def test_a_refusal_with_no_fallback_is_a_refused_failure(
    keys: str, openai_server: FakeServer
) -> None:
    openai_server.play(Refuse())
    with pytest.raises(LLMFailure) as caught:
        await task(openai_model(openai_server)).run(text="Ada")
    assert caught.value.kind == "refused"
    assert len(caught.value.failure.attempts) == 1


async def test_an_empty_answer_is_invalid_output_and_reasked(
    keys: str, openai_server: FakeServer
) -> None:
    openai_server.play(Answer(""), Answer(ADA))
    result = await task(openai_model(openai_server)).run(text="Ada")
    assert outcomes(result) == ["invalid_output", "ok"]


async def test_a_truncated_answer_is_never_completed_by_guessing(
    keys: str, openai_server: FakeServer
) -> None:
    cut = '{"name": "Ada", "age": 3'
    openai_server.play(Answer(cut, finish="length"), Answer(cut, finish="length"))
    result = await task(openai_model(openai_server), attempts=2).run_result(text="Ada")
    assert isinstance(result, Failure)
    assert result.kind == "invalid_output"
    assert result.raw == cut
    assert result.errors and result.errors[0]["type"] == "json_invalid"
    assert "cut at the token limit" in (result.attempts[0].message or "")


async def test_invalid_output_on_every_model_is_a_failure_with_raw_text_and_errors(
    keys: str, openai_server: FakeServer, anthropic_server: FakeServer
) -> None:
    bad = '{"name": "Ada", "age": "old"}'
    openai_server.play(Answer(bad), Answer(bad))
    anthropic_server.play(Answer(bad), Answer(bad))
    result = await task(
        openai_model(openai_server), anthropic_model(anthropic_server), attempts=2
    ).run_result(text="Ada")
    assert isinstance(result, Failure)
    assert result.kind == "invalid_output"
    assert outcomes(result) == ["invalid_output"] * 4
    assert json.loads(result.raw or "") == {"name": "Ada", "age": "old"}
    details = result.details()
    assert details["errors"][0]["loc"] == ["age"]
    assert len(details["attempts"]) == 4


async def test_anthropic_forced_tool_call_is_the_answer(
    keys: str, anthropic_server: FakeServer
) -> None:
    anthropic_server.play(Answer(ADA))
    result = await task(anthropic_model(anthropic_server)).run(text="Ada")
    assert result.value.name == "Ada"
    body = anthropic_server.requests[0].body
    assert body["tool_choice"] == {"type": "tool", "name": "Person"}
    assert body["tools"][0]["input_schema"]["properties"]["age"]["minimum"] == 0
    headers = anthropic_server.requests[0].headers
    # SDK versions differ in the header that carries the key.
    assert keys in (headers.get("x-api-key"), headers.get("authorization", "")[len("Bearer ") :])


@pytest.mark.parametrize(
    ("behaviour", "kind"),
    [
        (Status(529, "overloaded"), "unavailable"),
        (Status(429, "busy", {"retry-after": "0"}), "rate_limited"),
        (Hang(1.0), "timeout"),
    ],
)
async def test_anthropic_transport_faults_are_typed_and_retried(
    keys: str, anthropic_server: FakeServer, behaviour: Any, kind: str
) -> None:
    anthropic_server.play(behaviour, Answer(ADA))
    result = await task(anthropic_model(anthropic_server)).run(text="Ada")
    assert outcomes(result) == [kind, "ok"]


async def test_anthropic_refusal_and_schema_invalid_answers(
    keys: str, anthropic_server: FakeServer
) -> None:
    anthropic_server.play(Answer('{"name": "Ada"}'), Answer(ADA))
    result = await task(anthropic_model(anthropic_server)).run(text="Ada")
    assert outcomes(result) == ["invalid_output", "ok"]
    turns = anthropic_server.requests[1].body["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    assert "- age: Field required" in turns[-1]["content"]

    anthropic_server.play(Refuse())
    refused = await task(anthropic_model(anthropic_server)).run_result(text="Ada")
    assert isinstance(refused, Failure) and refused.kind == "refused"


async def test_openai_compatible_string_uses_prompted_json_with_the_schema_in_the_prompt(
    monkeypatch: pytest.MonkeyPatch, openai_server: FakeServer
) -> None:
    monkeypatch.delenv("ACCORD_OPENAI_COMPATIBLE_API_KEY", raising=False)
    openai_server.play(Answer(f"Sure! ```json\n{ADA}\n```"))
    model = resolve_model(f"openai-compatible:{openai_server.base_url}#qwen")
    result = await task(model).run(text="Ada")
    assert result.value.age == 36
    assert result.repaired  # the fence and the prose were removed, and that is on record
    body = openai_server.requests[0].body
    assert "response_format" not in body and "tools" not in body
    assert '"age"' in body["messages"][0]["content"]


async def test_an_auth_error_is_internal_not_retried_and_never_echoes_the_key(
    keys: str, openai_server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    openai_server.play(Status(401, f"Incorrect API key provided: {keys}"))
    result = await task(openai_model(openai_server)).run_result(text="Ada")
    assert isinstance(result, Failure)
    assert result.kind == "internal"
    assert len(result.attempts) == 1
    assert keys not in result.message
    assert_secret_absent(result, keys)
    assert caplog.records and keys not in caplog.text


async def test_a_missing_api_key_is_an_internal_failure_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, openai_server: FakeServer
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = await task(openai_model(openai_server)).run_result(text="Ada")
    assert isinstance(result, Failure)
    assert result.kind == "internal" and "OPENAI_API_KEY" in result.message
    assert openai_server.requests == []


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
async def test_a_response_body_that_is_not_the_protocol_json_is_unavailable_and_retried(
    keys: str, openai_server: FakeServer, anthropic_server: FakeServer, protocol: str
) -> None:
    server = openai_server if protocol == "openai" else anthropic_server
    model = openai_model(server) if protocol == "openai" else anthropic_model(server)
    server.play(RawBody(), Answer(ADA))
    result = await task(model).run(text="Ada")
    assert outcomes(result) == ["unavailable", "ok"]
    assert result.attempts[0].error_class in ("MalformedResponse", "APIResponseValidationError")


async def test_openai_tool_mode_reads_the_forced_tool_call_arguments(
    keys: str, openai_server: FakeServer
) -> None:
    tool_profile = Profile("openai", "tool", openai_strict)
    model = OpenAIModel(
        "gpt-test", provider=OpenAIProvider(base_url=openai_server.base_url), profile=tool_profile
    )
    openai_server.play(Answer(ADA))
    result = await task(model).run(text="Ada")
    assert result.value.city == "London"
    body = openai_server.requests[0].body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert body["tools"][0]["function"]["strict"] is True

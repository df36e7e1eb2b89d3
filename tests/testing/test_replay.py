"""Record/replay through the official OpenAI SDK against a loopback server that speaks the
chat-completions protocol: record once, stop the server, replay with the same result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from vcr.errors import CannotOverwriteExistingCassetteException  # type: ignore[import-untyped]

from accord.llm import Budget, Policy, Prompt, Success, Task
from accord.llm._guard import real_requests_forbidden
from accord.llm.models.openai import OpenAIModel
from accord.llm.providers import OpenAIProvider
from accord.testing import llm_cassette
from llm.servers import Answer, FakeServer, serving  # the LLM tests' loopback server

SECRET = "sk-replay-test-0123456789abcdef"
OTHER_SECRET = "tok-other-service-9876543210"


class Person(BaseModel):
    name: str
    age: int
    city: str | None = None


ADA = '{"name": "Ada", "age": 36, "city": "London"}'


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("BILLING_API_KEY", OTHER_SECRET)
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with serving("openai") as running:
        yield running


def person_task(base_url: str) -> Task[Person]:
    # A fresh provider each run: no SDK client (or connection) is shared between runs.
    model = OpenAIModel("gpt-test", provider=OpenAIProvider(base_url=base_url))
    return Task(
        "person",
        output=Person,
        prompt=Prompt("Who is described here?\n{text}", version="v1"),
        models=[model],
        budget=Budget(attempts=1),
        policy=Policy(timeout=30.0),
    )


def summary(result: Any) -> tuple[Any, ...]:
    assert isinstance(result, Success)
    return (result.value, [(a.model, a.outcome, a.raw, a.input_tokens) for a in result.attempts])


async def test_a_recorded_run_replays_identically_after_the_server_is_gone(
    keys: None, tmp_path: Path
) -> None:
    cassette_file = tmp_path / "cassettes" / "person.yaml"
    with serving("openai") as server:
        server.play(Answer(ADA))
        base_url = server.base_url
        with llm_cassette(cassette_file) as cassette:
            assert cassette.recording
            recorded = await person_task(base_url).run_result(text="Ada, 36, London")
        assert len(server.requests) == 1
    assert summary(recorded)[0] == Person(name="Ada", age=36, city="London")

    text = cassette_file.read_text()
    assert SECRET not in text and OTHER_SECRET not in text
    assert "gpt-test" in text and "Ada" in text  # the exchange itself is kept

    with llm_cassette(cassette_file) as cassette:
        assert not cassette.recording
        replayed = await person_task(base_url).run_result(text="Ada, 36, London")
        assert cassette.played == 1
    assert summary(replayed) == summary(recorded)


async def test_secrets_in_headers_and_bodies_are_replaced(
    keys: None, server: FakeServer, tmp_path: Path
) -> None:
    server.play(Answer(ADA))
    cassette_file = tmp_path / "secret.yaml"
    with llm_cassette(cassette_file, secrets=["Ada, 36"]):
        await person_task(server.base_url).run_result(text=f"Ada, 36 {SECRET}")
    text = cassette_file.read_text()
    assert SECRET not in text and "Ada, 36" not in text
    assert "<OPENAI_API_KEY>" in text and "<secret-1>" in text
    assert "<redacted>" in text  # the Authorization header


async def test_replay_sends_nothing_for_a_request_that_was_not_recorded(
    keys: None, server: FakeServer, tmp_path: Path
) -> None:
    server.play(Answer(ADA), Answer(ADA))
    cassette_file = tmp_path / "one.yaml"
    with llm_cassette(cassette_file):
        await person_task(server.base_url).run_result(text="Ada, 36")
    with llm_cassette(cassette_file, record_mode="none"):
        result = await person_task(server.base_url).run_result(text="Grace, 45")
    assert not isinstance(result, Success) and result.kind == "internal"
    assert result.attempts[0].error_class == CannotOverwriteExistingCassetteException.__name__
    assert len(server.requests) == 1  # only the recorded run reached the server


def test_ci_without_a_cassette_fails_before_any_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CI", "true")
    with (
        pytest.raises(FileNotFoundError, match=r"missing\.yaml does not exist.*CI is set"),
        llm_cassette(tmp_path / "missing.yaml"),
    ):
        pass


def test_the_forbid_switch_is_lifted_only_inside_the_cassette(tmp_path: Path) -> None:
    assert real_requests_forbidden()  # the plugin forbids real requests in every test
    with llm_cassette(tmp_path / "switch.yaml", record_mode="once") as cassette:
        assert cassette.recording and not real_requests_forbidden()
    assert real_requests_forbidden()


def test_a_cassette_must_be_a_yaml_file(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match=r"must be a \.yaml file"),
        llm_cassette(tmp_path / "x.json"),
    ):
        pass


async def test_record_mode_all_replaces_the_old_recording(
    keys: None, server: FakeServer, tmp_path: Path
) -> None:
    server.play(Answer(ADA), Answer('{"name": "Grace", "age": 45}'))
    cassette_file = tmp_path / "rerecord.yaml"
    with llm_cassette(cassette_file):
        await person_task(server.base_url).run_result(text="first prompt")
    with llm_cassette(cassette_file, record_mode="all") as cassette:
        assert cassette.recording
        await person_task(server.base_url).run_result(text="second prompt")
    text = cassette_file.read_text()
    assert "second prompt" in text and "Grace" in text
    assert "first prompt" not in text

"""A user's own app tested with the plugin: scripted faults per test, flows asserted."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_APP = """
import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict
from accord import App, Clauses, Concept, Var, action, sync
from accord.concepts.extracting import Extracting
from accord.concepts.reviewing import Reviewing
from accord.llm import Budget, Policy, Prompt, Task

class Person(BaseModel):
    name: str
    age: int = Field(ge=0)

PERSON = Task("person", output=Person, prompt=Prompt("Who is this? {text}", version="v1"),
              models=["openai:gpt-4o-mini"], budget=Budget(attempts=2), policy=Policy(timeout=5))

class Added(TypedDict):
    person: str

class People(Concept):
    @action
    def add(self, record: dict, ref: str) -> Added:
        return {"person": ref}

@sync
def store_people(record: Var, ref: Var) -> Clauses:
    return Clauses(when=[Extracting.extract(ref=ref).out(output=record)],
                   then=[People.add(record=record, ref=ref)])

@sync
def review_failures(failure: Var, ref: Var) -> Clauses:
    return Clauses(when=[Extracting.extract(ref=ref).out(error=failure)],
                   then=[Reviewing.request(subject=ref, payload=failure,
                                           reason="extraction failed")])

@pytest.fixture
def accord_app() -> App:
    return App([Extracting([PERSON]), People(), Reviewing()], [store_people, review_failures])
"""


def project(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(USER_APP)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )


def test_a_scripted_fault_ends_the_users_flow_in_review(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        """
        from conftest import PERSON, Extracting
        from accord.testing import faults

        async def extract(engine, text):
            root = await engine.invoke(Extracting.extract, task="person",
                                       input={"text": text}, ref="msg-1")
            await engine.idle()
            return root.flow

        async def test_refusal_goes_to_a_person(accord_engine, check_flow, scripted):
            scripted(PERSON, [faults.refusal()])
            flow = await extract(accord_engine, "Ada, 36")
            check_flow(flow).ended_in("Reviewing/request").never("People/add").not_stuck()

        async def test_invalid_twice_goes_to_a_person(accord_engine, check_flow, scripted):
            negative = faults.schema_invalid({"name": "Ada", "age": -1})
            scripted(PERSON, [faults.malformed(), negative])
            flow = await extract(accord_engine, "Ada, 36")
            check_flow(flow).reached("Extracting/extract").ended_in("Reviewing/request")

        async def test_a_retried_timeout_still_stores(accord_engine, check_flow, scripted):
            script = scripted(PERSON, [faults.timeout(), {"name": "Ada", "age": 36}])
            flow = await extract(accord_engine, "Ada, 36")
            check_flow(flow).ended_in("People/add").never("Reviewing/request")
            assert script.calls == 2

        def test_the_task_has_its_own_chain_again():
            assert PERSON.model_specs == ("openai:gpt-4o-mini",)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_an_unscripted_real_model_is_refused_in_the_users_tests(
    pytester: pytest.Pytester,
) -> None:
    project(pytester)
    pytester.makepyfile(
        """
        import pytest
        from conftest import PERSON
        from accord.llm import RealRequestForbidden

        async def test_forgot_to_script(monkeypatch):
            monkeypatch.setenv("OPENAI_API_KEY", "sk-a-real-looking-key")
            with pytest.raises(RealRequestForbidden, match="openai:gpt-4o-mini"):
                await PERSON.run_result(text="Ada")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


CASSETTE_TEST = """
from pydantic import BaseModel
from accord.llm import Budget, Prompt, Task
from accord.llm.models.openai import OpenAIModel
from accord.llm.providers import OpenAIProvider

class Person(BaseModel):
    name: str
    age: int

async def test_person(llm_cassette):
    model = OpenAIModel("gpt-test", provider=OpenAIProvider(base_url="{base_url}"))
    task = Task("person", output=Person, prompt=Prompt("Who? {{text}}", version="v1"),
                models=[model], budget=Budget(attempts=1))
    result = await task.run(text="Ada, 36")
    assert result.value == Person(name="Ada", age=36)
    print("recording" if llm_cassette.recording else "replaying", llm_cassette.path.name)
"""


def test_the_cassette_fixture_records_locally_and_replays_under_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llm.servers import Answer, serving

    # In subprocesses: pytester's in-process runs unload modules between runs, and PyYAML's C
    # loader does not survive being imported twice in one process.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fixture-test-secret-123456")
    monkeypatch.delenv("CI", raising=False)
    project(pytester)
    with serving("openai") as server:
        server.play(Answer('{"name": "Ada", "age": 36}'))
        pytester.makepyfile(test_people=CASSETTE_TEST.format(base_url=server.base_url))
        first = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
        first.assert_outcomes(passed=1)
        first.stdout.fnmatch_lines(["*recording test_person.yaml*"])
    cassette = pytester.path / "cassettes" / "test_people" / "test_person.yaml"
    assert "sk-fixture-test-secret-123456" not in cassette.read_text()

    monkeypatch.setenv("CI", "true")
    again = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    again.assert_outcomes(passed=1)
    again.stdout.fnmatch_lines(["*replaying test_person.yaml*"])

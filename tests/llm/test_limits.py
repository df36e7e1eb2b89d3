"""Model answers are checked at the edge: size, nesting and storability, each refused as a typed
``invalid_output`` that syncs route; the raw text is stored once per attempt, cut with a marker."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync
from accord.concepts.extracting import Extracting
from accord.engine import Engine
from accord.llm import (
    Budget,
    Failure,
    FunctionModel,
    Limits,
    Model,
    Policy,
    Prompt,
    Request,
    ScriptedModel,
    Success,
    Task,
)
from accord.llm.limits import clip_text, nesting_depth
from accord.llm.models.openai import OpenAIModel
from accord.llm.providers import OpenAIProvider
from accord.values import Unrepresentable, check_representable

from .servers import Answer, FakeServer

MB20 = 20 * 1024 * 1024


class Customer(BaseModel):
    full_name: str
    notes: str = ""


class Received(TypedDict):
    message: str


class Queued(TypedDict):
    queued: str


class Inbox(Concept):
    @action
    def receive(self, message: str, text: str) -> Received:
        return {"message": message}


class Triage(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS triage (ref TEXT, reason TEXT)",)

    @action
    def manual(self, ref: str, reason: str) -> Queued:
        self.db.execute("INSERT INTO triage VALUES (?, ?)", (ref, reason))
        return {"queued": ref}


@sync
def extract_received(message: Var, text: Var) -> Clauses:
    return Clauses(
        when=[Inbox.receive(message=message, text=text)],
        then=[Extracting.extract(task="customer", input={"text": text}, ref=message)],
    )


@sync
def triage_invalid_output(message: Var, why: Var) -> Clauses:
    return Clauses(
        when=[
            Inbox.receive(message=message),
            Extracting.extract(ref=message).err({"kind": "invalid_output", "message": why}),
        ],
        then=[Triage.manual(ref=message, reason=why)],
    )


def customer_task(model: Model, *, attempts: int = 2, **options: Any) -> Task[Customer]:
    return Task(
        "customer",
        output=Customer,
        prompt=Prompt("Who wrote?\n{text}", version="v1"),
        models=[model],
        budget=Budget(attempts=attempts),
        policy=Policy(timeout=30),
        **options,
    )


def make_app(model: Model, **options: Any) -> App:
    return App(
        concepts=[Inbox(), Extracting([customer_task(model, **options)]), Triage()],
        syncs=[extract_received, triage_invalid_output],
    )


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def largest_row(db: Path) -> int:
    """The longest stored text of the action log and of the LLM tables, in characters."""
    (actions,) = query(db, "SELECT MAX(length(input) + COALESCE(length(output), 0)) FROM actions")
    (attempts,) = query(
        db,
        "SELECT MAX(length(raw) + length(errors_json) + "
        "COALESCE(length(message), 0)) FROM llm_attempts",
    )
    return max(actions[0] or 0, attempts[0] or 0)


async def test_a_20_mb_answer_is_refused_as_too_large_and_stored_cut(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    huge = '{"full_name": "' + "x" * MB20 + '"}'
    model = ScriptedModel([huge, huge])
    async with Engine(make_app(model), db=str(db), deterministic=True) as engine:
        root = await engine.invoke(Inbox.receive, message="m1", text="hello")
        await engine.idle()
        log = engine.records(root.flow)
    assert [f"{r.concept}/{r.action}" for r in log] == [
        "Inbox/receive",
        "Extracting/extract",
        "Triage/manual",
    ]
    error = log[1].error
    assert error is not None and error["kind"] == "invalid_output"
    assert f"{len(huge):,} characters, more than the 1,000,000" in error["message"]
    assert error["details"]["errors"][0]["reason"] == "too_large"
    marker = f"…[truncated: {len(huge):,} chars, kept the first 16,384]"
    assert error["details"]["raw"].endswith(marker)
    assert [a["raw_chars"] for a in error["details"]["attempts"]] == [len(huge)] * 2
    # The re-ask echoes the answer cut, not 20 MB again.
    assert len(model.requests[1].messages[-2].content) < 17_000
    assert largest_row(db) < 40_000
    raws = query(db, "SELECT length(raw), substr(raw, -60) FROM llm_attempts ORDER BY n")
    assert [n for n, _ in raws] == [16_384 + len(marker)] * 2
    assert all(tail.endswith(marker) for _, tail in raws)
    assert db.stat().st_size + Path(f"{db}-wal").stat().st_size < 2_000_000


async def test_a_large_allowed_answer_is_stored_once_per_attempt_cut_with_a_marker(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    first = '{"notes": "FIRST-ANSWER ' + "n" * 200_000 + '"}'  # misses full_name
    second = '{"notes": "SECOND-ANSWER ' + "n" * 200_000 + '"}'
    model = ScriptedModel([first, second])
    async with Engine(make_app(model), db=str(db), deterministic=True) as engine:
        root = await engine.invoke(Inbox.receive, message="m1", text="hello")
        await engine.idle()
        log = engine.records(root.flow)
    error = log[1].error
    assert error is not None and error["kind"] == "invalid_output"
    # The re-ask carried the whole first answer (it was within the limit).
    assert model.requests[1].messages[-2].content == first

    def count(token: str, sql: str) -> int:
        return sum(str(text).count(token) for (text,) in query(db, sql))

    for token, in_log, in_attempts in (("FIRST-ANSWER", 0, 1), ("SECOND-ANSWER", 1, 1)):
        assert count(token, "SELECT input || COALESCE(output, '') FROM actions") == in_log
        assert count(token, "SELECT raw || errors_json || message FROM llm_attempts") == (
            in_attempts
        )
    assert error["details"]["raw"].endswith(
        f"…[truncated: {len(second):,} chars, kept the first 16,384]"
    )
    assert largest_row(db) < 40_000


async def test_a_large_valid_answer_succeeds_and_its_raw_text_is_kept_cut(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    answer = {"full_name": "Ada", "notes": "n" * 50_000}
    model = ScriptedModel([answer])
    limits = Limits(stored_raw_chars=1_000)
    async with Engine(make_app(model, limits=limits), db=str(db), deterministic=True) as engine:
        root = await engine.invoke(Inbox.receive, message="m1", text="hello")
        await engine.idle()
        log = engine.records(root.flow)
    assert log[1].output == {"output": answer}  # the value itself is whole
    [(raw,)] = query(db, "SELECT raw FROM llm_attempts")
    assert raw == json.dumps(answer)[:1_000] + (
        f"…[truncated: {len(json.dumps(answer)):,} chars, kept the first 1,000]"
    )


@pytest.mark.parametrize(
    "answer",
    [
        '{"full_name": "Zo\\ud800e"}',  # escaped in JSON, as a model writes it
        '{"full_name": "Zo\ud800e"}',  # a lone surrogate character in the text itself
        "```json\n{'full_name': 'Zo\\udc00e',}\n```",  # lenient JSON: read with a stand-in
    ],
    ids=["escaped", "character", "lenient"],
)
async def test_a_lone_surrogate_in_an_answer_is_invalid_output_naming_the_field(
    tmp_path: Path, answer: str
) -> None:
    db = tmp_path / "app.db"
    model = ScriptedModel([answer, answer, {"full_name": "Zoe"}])
    async with Engine(make_app(model), db=str(db), deterministic=True) as engine:
        root = await engine.invoke(Inbox.receive, message="m1", text="hello")
        await engine.idle()
        log = engine.records(root.flow)
        # The engine goes on: the next message is extracted as usual.
        nxt = await engine.invoke(Inbox.receive, message="m2", text="Zoe")
        await engine.idle()
        after = engine.records(nxt.flow)
    assert [f"{r.concept}/{r.action}" for r in log][-1] == "Triage/manual"
    error = log[1].error
    assert error is not None and error["kind"] == "invalid_output"
    assert "- full_name: lone surrogate" in error["message"]
    assert error["details"]["errors"][0]["loc"] == ["full_name"]
    assert "full_name: lone surrogate" in model.requests[1].messages[-1].content
    assert after[1].output == {"output": {"full_name": "Zoe", "notes": ""}}
    assert query(db, "SELECT ref FROM triage") == [("m1",)]


async def test_a_surrogate_answer_is_re_asked_and_the_corrected_answer_is_taken() -> None:
    model = ScriptedModel(['{"full_name": "Zo\\ud800e"}', {"full_name": "Zoe"}])
    result = await customer_task(model).run(text="x")
    assert result.value == Customer(full_name="Zoe")
    assert [a.outcome for a in result.attempts] == ["invalid_output", "ok"]


async def test_a_valid_surrogate_pair_is_an_ordinary_character() -> None:
    model = ScriptedModel(['{"full_name": "Zo\\ud83d\\ude00"}'])
    result = await customer_task(model).run(text="x")
    assert result.value.full_name == "Zo\U0001f600"


async def test_pathological_nesting_is_refused_before_parsing() -> None:
    deep = '{"full_name": "a", "notes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    result = await customer_task(ScriptedModel([deep]), attempts=1).run_result(text="x")
    assert isinstance(result, Failure) and result.kind == "invalid_output"
    assert result.errors[0]["reason"] == "too_deep"
    assert "deeper than 32 levels" in result.message


async def test_nesting_within_the_parser_but_past_the_log_limit_names_the_field() -> None:
    class Loose(BaseModel):
        data: Any

    value = {"data": 0}
    for _ in range(40):
        value = {"data": value}
    task = Task(
        "loose",
        output=Loose,
        prompt=Prompt("{x}", version="1"),
        models=[ScriptedModel([value])],
        budget=Budget(attempts=1),
        limits=Limits(depth=48),
    )
    result = await task.run_result(x="x")
    assert isinstance(result, Success)  # 41 levels: within Limits(depth=48)
    strict = Task(
        "loose",
        output=Loose,
        prompt=Prompt("{x}", version="1"),
        models=[ScriptedModel([value])],
        budget=Budget(attempts=1),
    )
    refused = await strict.run_result(x="x")
    assert isinstance(refused, Failure) and refused.errors[0]["reason"] == "too_deep"


async def test_many_validation_errors_are_kept_bounded_and_counted_in_the_reask() -> None:
    class Many(BaseModel):
        items: list[int]

    answer = {"items": [f"x{i}" for i in range(500)]}
    model = ScriptedModel([answer, {"items": [1]}])
    task = Task("many", output=Many, prompt=Prompt("{x}", version="1"), models=[model])
    result = await task.run(x="x")
    first = result.attempts[0]
    assert len(first.errors) == 50
    assert "- and 450 more errors" in model.requests[1].messages[-1].content


async def test_an_oversized_answer_from_a_provider_is_refused(
    keys: str, openai_server: FakeServer
) -> None:
    openai_server.play(Answer('{"full_name": "' + "y" * 5_000 + '"}'))
    model = OpenAIModel("gpt-test", provider=OpenAIProvider(base_url=openai_server.base_url))
    task = Task(
        "customer",
        output=Customer,
        prompt=Prompt("{text}", version="1"),
        models=[model],
        budget=Budget(attempts=1),
        policy=Policy(timeout=10),
        limits=Limits(answer_chars=4_000, stored_raw_chars=100),
    )
    result = await task.run_result(text="x")
    assert isinstance(result, Failure) and result.kind == "invalid_output"
    assert "5,017 characters, more than the 4,000" in result.message
    assert result.raw is not None and result.raw.endswith("kept the first 100]")


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="answer_chars must be >= 1"):
        Limits(answer_chars=0)


def test_clip_text_marks_the_cut_and_makes_text_storable() -> None:
    assert clip_text("abc", 10) == "abc"
    assert clip_text("abcdef", 2) == "ab…[truncated: 6 chars, kept the first 2]"
    assert clip_text("a\ud800b", 10) == "a\ufffdb"
    assert clip_text("\ud83d\ude00", 10) == "\U0001f600"  # a pair as two code points joins


def test_nesting_depth_ignores_brackets_inside_strings() -> None:
    assert nesting_depth('{"a": "[[[[[[[[[["}', 3) == (1, 0)
    assert nesting_depth("[[]]", 3) == (0, 0)  # too few brackets to reach 3: not scanned
    assert nesting_depth('[["[[[[", [[1]]]]', 3) == (3, 10)
    assert nesting_depth('{"a": "[[[[[[[[[[\\"[[["}', 2) == (1, 0)


def test_check_representable_names_the_path_and_the_problem() -> None:
    check_representable({"a": ["ok", "nul \x00 is fine", 1, None, 2.5]})
    with pytest.raises(
        Unrepresentable,
        match=r"^\$\.user\.names\[1\]: lone surrogate U\+D800 at character 2",
    ):
        check_representable({"user": {"names": ["ok", "Zo\ud800e"]}})
    with pytest.raises(Unrepresentable, match=r'^\$\["a b"\]: the key .* holds a lone'):
        check_representable({"a b": {"\udc00": 1}})
    nested: Any = []
    for _ in range(63):
        nested = [nested]
    check_representable(nested)  # 64 levels
    with pytest.raises(Unrepresentable, match="nested more than 64 levels"):
        check_representable({"a": nested})
    with pytest.raises(Unrepresentable) as caught:
        check_representable({"x": [0, {"y": "\ud800"}]})
    assert caught.value.parts == ("x", 1, "y") and caught.value.path == "$.x[1].y"


ODD = ["\ud800", "\udfff", "\ud83d", "\x00", "\u202e", "\u2066", "\ufffe", "\uffff", "\U0010ffff"]
text_with_odd_characters = st.text(st.one_of(st.characters(), st.sampled_from(ODD)), max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | text_with_odd_characters,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["full_name", "notes", "x", "\ud800"]), inner, max_size=3)
    ),
    max_leaves=12,
)
answers = st.one_of(
    text_with_odd_characters,
    json_values.map(json.dumps),  # surrogates escaped, as a model writes them
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False)),  # or as characters
    st.builds(lambda name: json.dumps({"full_name": name}), text_with_odd_characters),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=st.lists(answers, min_size=2, max_size=2))
def test_no_model_answer_stops_the_engine_or_leaves_an_unstorable_record(
    tmp_path_factory: pytest.TempPathFactory, script: list[str]
) -> None:
    db = tmp_path_factory.mktemp("prop") / "app.db"

    odd_answers = iter(script)

    def answer(request: Request) -> str:
        asked = next(m.content for m in request.messages if m.content.startswith("Who wrote?"))
        return next(odd_answers) if asked.endswith("odd") else '{"full_name": "Ada"}'

    async def run() -> tuple[list[Any], list[Any]]:
        async with Engine(
            make_app(FunctionModel(answer)), db=str(db), deterministic=True
        ) as engine:
            odd = await engine.invoke(Inbox.receive, message="m1", text="odd")
            await engine.idle()
            ordinary = await engine.invoke(Inbox.receive, message="m2", text="Ada")
            await engine.idle()
            return engine.records(odd.flow), engine.records(ordinary.flow)

    odd, ordinary = asyncio.run(run())
    assert all(r.completed for r in odd)
    extract = odd[1]
    assert extract.output is not None
    assert "output" in extract.output or extract.output["error"]["kind"] == "invalid_output"
    assert ordinary[1].output == {"output": {"full_name": "Ada", "notes": ""}}
    with sqlite3.connect(db) as conn:
        documents = conn.execute("SELECT input, output FROM actions").fetchall()
        attempts = conn.execute("SELECT raw, errors_json, message FROM llm_attempts").fetchall()
    for document in [*(d for pair in documents for d in pair), *(a[1] for a in attempts)]:
        check_representable(json.loads(document))
    for raw, _, message in attempts:
        check_representable([raw, message])

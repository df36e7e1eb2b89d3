"""Telemetry: spans for flows, actions and LLM attempts, with GenAI attributes; off by default."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, error, sync
from accord.concept import Error
from accord.engine import Engine
from accord.observe import configure, disable, llm_attempt


class Answered(TypedDict):
    answer: str


class Asked(TypedDict):
    question: str


class Desk(Concept):
    @action
    def ask(self, question: str) -> Asked:
        return {"question": question}


class Oracle(Concept):
    """Answers with a fake model: the first attempt fails, the second succeeds."""

    @action
    async def answer(self, question: str) -> Answered | Error:
        for attempt in (1, 2):
            with llm_attempt("openai", "gpt-test", task="answer") as report:
                report.prompt = question
                if attempt == 1:
                    report.error_type = "rate_limited"
                    continue
                report.input_tokens, report.output_tokens = 12, 3
                report.completion = "42"
                return {"answer": "42"}
        return error("unavailable", "no answer")


@sync
def ask_oracle(q: Var) -> Clauses:
    return Clauses(when=[Desk.ask().out(question=q)], then=[Oracle.answer(question=q)])


@pytest.fixture
def telemetry() -> Iterator[tuple[InMemorySpanExporter, InMemoryMetricReader]]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    configure(tracer_provider=tracer_provider, meter_provider=MeterProvider([reader]))
    yield exporter, reader
    disable()


def run_flow(db: Path) -> None:
    async def go() -> None:
        async with Engine(App([Desk(), Oracle()], [ask_oracle]), db) as engine:
            root = await engine.invoke(Desk.ask, question="meaning of life?")
            await engine.wait_for(root.flow, Oracle.answer, timeout=5)
            await engine.idle()

    asyncio.run(go())


def by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def test_spans_for_flow_actions_and_each_llm_attempt(
    tmp_path: Path, telemetry: tuple[InMemorySpanExporter, InMemoryMetricReader]
) -> None:
    exporter, _ = telemetry
    run_flow(tmp_path / "t.db")
    spans = exporter.get_finished_spans()
    (flow,) = by_name(spans, "flow Desk/ask")
    (ask,) = by_name(spans, "Desk/ask")
    (answer,) = by_name(spans, "Oracle/answer")
    attempts = by_name(spans, "chat gpt-test")
    assert len(attempts) == 2  # one span per attempt
    assert ask.parent is not None and ask.parent.span_id == flow.context.span_id
    assert answer.parent is not None and answer.parent.span_id == flow.context.span_id
    assert all(
        a.parent is not None and a.parent.span_id == answer.context.span_id for a in attempts
    )
    assert answer.attributes is not None
    assert answer.attributes["accord.concept"] == "Oracle"
    assert answer.attributes["accord.action"] == "answer"
    assert answer.attributes["accord.sync"] == "ask_oracle"
    assert answer.attributes["accord.flow"] == flow.attributes["accord.flow"]  # type: ignore[index]
    failed, succeeded = attempts
    assert failed.attributes is not None and succeeded.attributes is not None
    assert failed.attributes["error.type"] == "rate_limited"
    assert succeeded.attributes["gen_ai.operation.name"] == "chat"
    assert succeeded.attributes["gen_ai.provider.name"] == "openai"
    assert succeeded.attributes["gen_ai.request.model"] == "gpt-test"
    assert succeeded.attributes["gen_ai.usage.input_tokens"] == 12
    assert succeeded.attributes["gen_ai.usage.output_tokens"] == 3
    assert "error.type" not in succeeded.attributes
    # No message content unless opted in.
    assert "gen_ai.input.messages" not in succeeded.attributes


def test_metrics_follow_genai_conventions(
    tmp_path: Path, telemetry: tuple[InMemorySpanExporter, InMemoryMetricReader]
) -> None:
    _, reader = telemetry
    run_flow(tmp_path / "t.db")
    data = reader.get_metrics_data()
    assert data is not None
    metrics = {
        m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    usage = metrics["gen_ai.client.token.usage"]
    by_type = {p.attributes["gen_ai.token.type"]: p.sum for p in usage.data.data_points}  # type: ignore[index,union-attr]
    assert by_type == {"input": 12, "output": 3}
    duration = metrics["gen_ai.client.operation.duration"]
    points = list(duration.data.data_points)  # type: ignore[union-attr]
    assert sum(p.count for p in points) == 2  # type: ignore[attr-defined]
    assert {p.attributes.get("error.type") for p in points} == {"rate_limited", None}  # type: ignore[union-attr]


def test_content_only_when_opted_in(tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    configure(tracer_provider=provider, capture_content=True)
    try:
        run_flow(tmp_path / "t.db")
    finally:
        disable()
    (_, ok) = by_name(exporter.get_finished_spans(), "chat gpt-test")
    assert ok.attributes is not None
    assert ok.attributes["gen_ai.input.messages"] == "meaning of life?"
    assert ok.attributes["gen_ai.output.messages"] == "42"


def test_off_by_default_records_nothing(tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    TracerProvider().add_span_processor(SimpleSpanProcessor(exporter))
    run_flow(tmp_path / "t.db")
    assert exporter.get_finished_spans() == ()


def test_every_pipeline_attempt_is_a_span_under_its_action(
    tmp_path: Path, telemetry: tuple[InMemorySpanExporter, InMemoryMetricReader]
) -> None:
    from pydantic import BaseModel

    from accord.concepts.extracting import Extracting
    from accord.llm import Budget, Prompt, ScriptedModel, Task
    from accord.llm.models.test import schema_invalid

    class Person(BaseModel):
        name: str
        email: str

    @sync
    def extract_question(q: Var) -> Clauses:
        return Clauses(
            when=[Desk.ask().out(question=q)],
            then=[Extracting.extract(task="person", input={"text": q}, ref="r1")],
        )

    model = ScriptedModel([schema_invalid({"name": "Ada"}), {"name": "Ada", "email": "a@b.io"}])
    task = Task(
        "person",
        output=Person,
        prompt=Prompt("Who? {text}", version="v1"),
        models=[model],
        budget=Budget(attempts=2),
    )

    async def go() -> None:
        app = App([Desk(), Extracting([task])], [extract_question])
        async with Engine(app, tmp_path / "x.db", deterministic=True) as engine:
            await engine.invoke(Desk.ask, question="Ada <a@b.io>")
            await engine.idle()

    asyncio.run(go())
    exporter, _ = telemetry
    spans = exporter.get_finished_spans()
    (extract,) = by_name(spans, "Extracting/extract")
    attempts = [s for s in spans if s.name == "chat scripted"]
    assert len(attempts) == 2
    assert all(
        a.parent is not None and a.parent.span_id == extract.context.span_id for a in attempts
    )
    first, second = attempts
    assert first.attributes is not None and second.attributes is not None
    assert first.attributes["error.type"] == "invalid_output"
    assert first.attributes["gen_ai.provider.name"] == "test"
    assert second.attributes["accord.task"] == "person"
    assert "error.type" not in second.attributes

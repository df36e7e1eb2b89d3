"""OpenTelemetry spans and metrics for flows, actions and LLM attempts.

Off unless :func:`configure` is called: every hook first checks one module global, so an app
without telemetry pays a single ``if`` per action. Attribute names follow the OpenTelemetry
GenAI semantic conventions (``gen_ai.*``) plus ``accord.concept``, ``accord.action``,
``accord.sync`` and ``accord.flow``. Message content is recorded only with
``capture_content=True``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.metrics import Histogram, MeterProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider

from accord.records import Record

__all__ = [
    "LLMAttempt",
    "action_span",
    "captures_content",
    "configure",
    "disable",
    "enabled",
    "flow_ended",
    "llm_attempt",
]

_SCOPE = "accord"


@dataclass
class _Telemetry:
    tracer: Tracer
    token_usage: Histogram
    duration: Histogram
    capture_content: bool
    flows: dict[int, Span] = field(default_factory=dict)


_active: _Telemetry | None = None


def configure(
    *,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    capture_content: bool = False,
) -> None:
    """Turn telemetry on, with the given providers (default: the global ones)."""
    global _active
    tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer(_SCOPE)
    meter = (meter_provider or metrics.get_meter_provider()).get_meter(_SCOPE)
    _active = _Telemetry(
        tracer=tracer,
        token_usage=meter.create_histogram(
            "gen_ai.client.token.usage", unit="{token}", description="Tokens used per LLM call"
        ),
        duration=meter.create_histogram(
            "gen_ai.client.operation.duration", unit="s", description="LLM call duration"
        ),
        capture_content=capture_content,
    )


def disable() -> None:
    """Turn telemetry off (ending any open flow spans)."""
    global _active
    if _active is not None:
        for span in _active.flows.values():
            span.end()
    _active = None


def enabled() -> bool:
    return _active is not None


def captures_content() -> bool:
    """Whether message content may be recorded (opted in with ``capture_content=True``)."""
    return _active is not None and _active.capture_content


def _flow_span(t: _Telemetry, record: Record) -> Span:
    span = t.flows.get(record.flow)
    if span is None:
        span = t.tracer.start_span(
            f"flow {record.name}",
            kind=SpanKind.INTERNAL,
            attributes={"accord.flow": record.flow, "accord.root": record.name},
            context=otel_context.Context(),  # a flow is its own trace
        )
        t.flows[record.flow] = span
    return span


def flow_ended(flow: int) -> None:
    """End the flow's span (the engine calls this when the flow has nothing pending)."""
    if _active is not None:
        span = _active.flows.pop(flow, None)
        if span is not None:
            span.end()


@contextmanager
def action_span(record: Record) -> Iterator[dict[str, Any]]:
    """A span around one action run, child of its flow's span; current while it runs, so
    LLM attempt spans nest under it. Put the action's output in the yielded dict's
    ``"output"`` key so the span can carry its error type."""
    result: dict[str, Any] = {}
    t = _active
    if t is None:
        yield result
        return
    parent = trace.set_span_in_context(_flow_span(t, record))
    attributes: dict[str, Any] = {
        "accord.concept": record.concept,
        "accord.action": record.action,
        "accord.flow": record.flow,
        "accord.record": record.id,
    }
    if record.sync:
        attributes["accord.sync"] = record.sync
    with t.tracer.start_as_current_span(
        record.name, context=parent, kind=SpanKind.INTERNAL, attributes=attributes
    ) as span:
        yield result
        output = result.get("output") or {}
        error = output.get("error")
        if error is not None:
            kind = error.get("kind", "error") if isinstance(error, dict) else "error"
            span.set_attribute("error.type", kind)
            span.set_status(Status(StatusCode.ERROR, str(error)[:200]))


@dataclass
class LLMAttempt:
    """What an LLM attempt reports back to its span: usage, outcome, content."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    response_model: str | None = None
    error_type: str | None = None
    prompt: Any = None
    completion: str | None = None


@contextmanager
def llm_attempt(
    provider: str, model: str, *, operation: str = "chat", task: str | None = None
) -> Iterator[LLMAttempt]:
    """One span (and metric points) per LLM attempt, following the GenAI conventions."""
    report = LLMAttempt()
    t = _active
    if t is None:
        yield report
        return
    base = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
    }
    started = time.perf_counter()
    with t.tracer.start_as_current_span(
        f"{operation} {model}", kind=SpanKind.CLIENT, attributes=base
    ) as span:
        if task:
            span.set_attribute("accord.task", task)
        try:
            yield report
        except BaseException as exc:
            report.error_type = report.error_type or type(exc).__name__
            raise
        finally:
            _finish(t, span, base, report, time.perf_counter() - started)


def record_llm_attempt(
    model: str,
    *,
    outcome: str,
    started_at: float,
    latency_ms: float | None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    task: str | None = None,
    prompt: Any = None,
    completion: str | None = None,
    operation: str = "chat",
) -> None:
    """A span for an attempt that already happened (start time and latency known).

    ``model`` is an accord model string (``provider:model``); ``outcome`` is ``"ok"`` or the
    failure kind, which becomes ``error.type``.
    """
    t = _active
    if t is None:
        return
    provider, _, name = model.partition(":")
    name = name.rpartition("#")[2] or name  # openai-compatible:URL#model names the model last
    base = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": name,
    }
    start_ns = int(started_at * 1e9)
    seconds = (latency_ms or 0.0) / 1000
    span = t.tracer.start_span(
        f"{operation} {name}", kind=SpanKind.CLIENT, attributes=base, start_time=start_ns
    )
    if task:
        span.set_attribute("accord.task", task)
    report = LLMAttempt(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        error_type=None if outcome == "ok" else outcome,
        prompt=prompt,
        completion=completion,
    )
    _finish(t, span, base, report, seconds)
    span.end(end_time=start_ns + int(seconds * 1e9))


def _finish(
    t: _Telemetry, span: Span, base: dict[str, Any], report: LLMAttempt, seconds: float
) -> None:
    metric_attributes = dict(base)
    if report.response_model:
        span.set_attribute("gen_ai.response.model", report.response_model)
    for kind, count in (("input", report.input_tokens), ("output", report.output_tokens)):
        if count is not None:
            span.set_attribute(f"gen_ai.usage.{kind}_tokens", count)
            t.token_usage.record(count, {**metric_attributes, "gen_ai.token.type": kind})
    if report.error_type:
        span.set_attribute("error.type", report.error_type)
        span.set_status(Status(StatusCode.ERROR, report.error_type))
        metric_attributes["error.type"] = report.error_type
    if t.capture_content:
        if report.prompt is not None:
            span.set_attribute("gen_ai.input.messages", str(report.prompt))
        if report.completion is not None:
            span.set_attribute("gen_ai.output.messages", report.completion)
    t.duration.record(seconds, metric_attributes)

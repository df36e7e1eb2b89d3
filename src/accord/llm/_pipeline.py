"""The structured-output pipeline of one call: modes, parsing, re-asks, retries, fallback.

The single retry loop of the system (SDK clients are built with ``max_retries=0``). It is a
plain loop rather than tenacity because each outcome needs its own next step: a transport
failure retries the same request after a backoff, a validation error re-asks with a longer
conversation and no wait, a refusal moves to the next model, and a spent token budget stops
everything (docs/decisions/0013-llm-retry-loop-and-circuit-breaker.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, TypeAdapter

from accord.llm import _prompting
from accord.llm._answers import bounded_errors, clip, grounding_errors, read_answer
from accord.llm._guard import RealRequestForbidden, redact
from accord.llm.cache import CachedAnswer, cache_key
from accord.llm.errors import ModelError
from accord.llm.grounding import Ungrounded
from accord.llm.messages import Message, Request, Response
from accord.llm.models.base import Model
from accord.llm.parsing import OutputError, Parsed
from accord.llm.profiles import NullPath, SchemaPlan
from accord.llm.resilience import backoff_delay
from accord.llm.result import Attempt, Failure, Success
from accord.llm.spec import TaskSpec
from accord.observe import telemetry

__all__ = ["run_task"]

log = logging.getLogger("accord.llm")

T = TypeVar("T")

_TRANSPORT = frozenset({"timeout", "unavailable"})
"""Failures that say something about the model's health (the circuit breaker counts them)."""


@dataclass
class _State:
    """Mutable state of one call across its models."""

    task: TaskSpec[Any]
    inputs: Mapping[str, Any]
    attempts: list[Attempt] = field(default_factory=list)
    tokens_used: int = 0

    def failure(
        self,
        kind: Any,
        message: str,
        *,
        errors: tuple[dict[str, Any], ...] = (),
        raw: str | None = None,
    ) -> Failure:
        return Failure(
            self.task.name,
            self.task.prompt.version,
            tuple(self.attempts),
            kind=kind,
            message=message,
            errors=errors,
            raw=raw,
        )

    def record(self, attempt: Attempt) -> None:
        """Keep an attempt, and report it to telemetry (a no-op unless configured)."""
        self.attempts.append(attempt)
        if telemetry.enabled():
            telemetry.record_llm_attempt(
                attempt.model,
                outcome=attempt.outcome,
                started_at=attempt.started_at,
                latency_ms=attempt.latency_ms,
                input_tokens=attempt.input_tokens,
                output_tokens=attempt.output_tokens,
                task=self.task.name,
                prompt=self._prompt() if telemetry.captures_content() else None,
                completion=attempt.raw,
            )

    def _prompt(self) -> list[dict[str, str]]:
        opening = _prompting.opening(self.task, self.inputs, schema=None, structured=False)
        return [{"role": m.role, "content": m.content} for m in opening]

    def budget_spent(self) -> bool:
        limit = self.task.budget.tokens
        return limit is not None and self.tokens_used >= limit


async def run_task(task: TaskSpec[T], inputs: Mapping[str, Any]) -> Success[T] | Failure:
    """Run ``task`` over its fallback chain; never raises for model failures."""
    state = _State(task, inputs)
    last: Failure | None = None
    chain = task.models
    for model in chain:
        outcome = await _run_model(state, model)
        if isinstance(outcome, Success):
            return outcome
        last = outcome
        if outcome.kind == "budget_exceeded":
            break
        log.warning(
            "task %s: %s failed with %s; %s",
            task.name,
            model.name,
            outcome.kind,
            "trying the next model" if model is not chain[-1] else "giving up",
        )
    assert last is not None
    return last


async def _run_model(state: _State, model: Model) -> Success[Any] | Failure:
    task = state.task
    version = task.prompt.version
    profile = model.profile
    try:
        plan = profile.plan(task.schema)
    except ValueError as exc:
        state.record(
            Attempt(
                model.name,
                version,
                profile.mode,
                "internal",
                error_class="SchemaDialect",
                message=str(exc),
                started_at=time.time(),
            )
        )
        return state.failure("internal", str(exc))
    adapter = _adapter_for(task, plan)
    # Fields grounded only by candidates are sent as an enum of them (or null): a model that
    # decodes under the schema cannot write a value it was not shown.
    schema = (
        task.grounding.constrain(plan.schema, state.inputs)
        if task.grounding is not None
        else plan.schema
    )
    show_schema = profile.schema_in_prompt or profile.mode == "prompted"
    opening = _prompting.opening(
        task,
        state.inputs,
        schema=schema if show_schema else None,
        structured=profile.mode != "prompted",
    )
    messages = opening
    reask = False
    retries = 0
    failure: Failure | None = None
    for n in range(task.budget.attempts):
        if state.budget_spent():
            return state.failure(
                "budget_exceeded",
                f"the token budget of {task.budget.tokens} is spent "
                f"({state.tokens_used} tokens over {len(state.attempts)} attempts)",
                errors=failure.errors if failure else (),
                raw=failure.raw if failure else None,
            )
        request = Request(messages, schema, task.schema_name, profile.mode, task.settings)
        started = time.time()
        key = cache_key(model.name, version, request) if task.cache is not None else None
        if key is not None and task.cache is not None:
            hit = task.cache.get(key)
            if hit is not None:
                cached: Parsed[Any] | None
                try:
                    cached = read_answer(task, adapter, hit.text)
                except OutputError:
                    cached = None  # an entry written by an older schema, parser or limit
                if cached is not None and _ungrounded(state, cached):
                    cached = None  # grounding reads inputs the request (the key) may not show
                if cached is not None:
                    state.record(
                        Attempt(
                            model.name,
                            version,
                            profile.mode,
                            "ok",
                            raw=clip(task, hit.text),
                            repairs=cached.repairs,
                            reask=reask,
                            cached=True,
                            latency_ms=0.0,
                            started_at=started,
                            raw_chars=len(hit.text),
                        )
                    )
                    return _success(state, cached)
        if not model.breaker.allow():
            message = f"circuit open for {model.name} after repeated failures"
            state.record(
                Attempt(
                    model.name,
                    version,
                    profile.mode,
                    "unavailable",
                    error_class="CircuitOpen",
                    message=message,
                    reask=reask,
                    started_at=started,
                )
            )
            return state.failure("unavailable", message)
        try:
            response, latency = await _send(model, request, task.policy.timeout)
        except (RealRequestForbidden, asyncio.CancelledError):
            model.breaker.release()  # a claimed half-open probe must not stay claimed
            raise
        except ModelError as exc:
            if exc.kind in _TRANSPORT:
                model.breaker.record_failure()
            else:
                model.breaker.release()
            state.record(
                Attempt(
                    model.name,
                    version,
                    profile.mode,
                    exc.kind,
                    raw=clip(task, exc.raw) if exc.raw else None,
                    error_class=exc.error_class,
                    message=clip(task, exc.message),
                    reask=reask,
                    latency_ms=_ms(started),
                    started_at=started,
                    raw_chars=len(exc.raw) if exc.raw else None,
                )
            )
            failure = state.failure(exc.kind, clip(task, f"{model.name}: {exc.message}"))
            if not exc.retryable or n + 1 == task.budget.attempts:
                return failure
            if exc.retry_after is not None and exc.retry_after > task.policy.max_retry_after:
                return failure
            delay = backoff_delay(task.policy, retries, exc.retry_after)
            retries += 1
            await asyncio.sleep(delay)
            continue
        model.breaker.record_success()
        state.tokens_used += (response.input_tokens or 0) + (response.output_tokens or 0)
        text = response.text
        # The raw text is kept once per attempt, cut to the limit: the attempt and the failure
        # share this one copy, however many times the answer is re-asked or reported.
        raw = clip(task, text)
        common: dict[str, Any] = {
            "raw": raw,
            "reask": reask,
            "input_tokens": response.input_tokens,
            "output_tokens": response.output_tokens,
            "latency_ms": latency,
            "cost": model.cost(response),
            "started_at": started,
            "raw_chars": len(text),
        }
        try:
            parsed = read_answer(task, adapter, text)
        except OutputError as exc:
            errors, errors_text = bounded_errors(task, exc)
            state.record(
                Attempt(
                    model.name,
                    version,
                    profile.mode,
                    "invalid_output",
                    repairs=exc.repairs,
                    errors=errors,
                    error_class="OutputError",
                    message=_finish_note(response) + errors_text,
                    **common,
                )
            )
            failure = state.failure(
                "invalid_output",
                f"{model.name}: the answer did not validate:\n{errors_text}",
                errors=errors,
                raw=raw,
            )
            # Only the latest answer goes back: older ones would cost tokens and add nothing.
            # One past the size limit goes back cut: echoing it whole would cost as much again.
            echo = text if len(text) <= task.limits.answer_chars else raw
            messages = (
                *opening,
                Message("assistant", echo or "(empty answer)"),
                _prompting.reask(errors_text),
            )
            del text, response, exc  # an oversized answer is not kept alive by this frame
            reask = True
            continue
        found = _ungrounded(state, parsed)
        if found:
            errors, errors_text = grounding_errors(task, found)
            state.record(
                Attempt(
                    model.name,
                    version,
                    profile.mode,
                    "invalid_output",
                    repairs=parsed.repairs,
                    errors=errors,
                    error_class="Ungrounded",
                    message=errors_text,
                    **common,
                )
            )
            failure = state.failure(
                "invalid_output",
                f"{model.name}: the answer is not grounded in the input:\n{errors_text}",
                errors=errors,
                raw=raw,
            )
            messages = (*opening, Message("assistant", text), _prompting.reask(errors_text))
            del text, response
            reask = True
            continue
        state.record(
            Attempt(model.name, version, profile.mode, "ok", repairs=parsed.repairs, **common)
        )
        if key is not None and task.cache is not None:
            task.cache.put(key, CachedAnswer(text, response.input_tokens, response.output_tokens))
        return _success(state, parsed)
    assert failure is not None
    return failure


async def _send(model: Model, request: Request, timeout: float) -> tuple[Response, float]:
    """One request under the rate limit and the per-attempt timeout; latency in ms."""
    if model.limiter is not None:
        await model.limiter.acquire()
    t0 = time.perf_counter()
    try:
        model.prepare()
        async with asyncio.timeout(timeout):
            response = await model.request(request, timeout=timeout)
    except TimeoutError:
        raise ModelError(
            "timeout", f"no answer within {timeout:g} s", error_class="TimeoutError"
        ) from None
    except (ModelError, RealRequestForbidden):
        raise
    except Exception as exc:  # a bug in a provider or an SDK surprise: typed, and logged
        log.exception("model %s raised an unexpected error", model.name)
        raise ModelError(
            "internal", redact(f"{type(exc).__name__}: {exc}"), error_class=type(exc).__name__
        ) from None
    return response, (time.perf_counter() - t0) * 1000


def _success(state: _State, parsed: Parsed[Any]) -> Success[Any]:
    task = state.task
    return Success(
        task.name,
        task.prompt.version,
        tuple(state.attempts),
        value=parsed.value,
        raw=parsed.raw,
        repairs=parsed.repairs,
    )


def _ungrounded(state: _State, parsed: Parsed[Any]) -> tuple[Ungrounded, ...]:
    """The fields of a validated answer its task's grounding finds no evidence for."""
    grounding = state.task.grounding
    if grounding is None:
        return ()
    return grounding.check(state.task.dump(parsed.value), state.inputs)


def _finish_note(response: Response) -> str:
    if response.finish_reason == "length":
        return "(the answer was cut at the token limit)\n"
    return ""


def _ms(started: float) -> float:
    return (time.time() - started) * 1000


_Adapters = dict[tuple[NullPath, ...], TypeAdapter[Any]]
_adapters: weakref.WeakKeyDictionary[TaskSpec[Any], _Adapters] = weakref.WeakKeyDictionary()


def _adapter_for(task: TaskSpec[Any], plan: SchemaPlan) -> TypeAdapter[Any]:
    """The task's adapter, or one that first drops the nulls the dialect forced on optional
    fields (so their defaults apply; see ``SchemaPlan.absent_if_null``)."""
    if not plan.absent_if_null:
        return task.adapter
    known = _adapters.setdefault(task, {})
    paths = plan.absent_if_null
    if paths not in known:
        output = getattr(task.adapter, "_type", task.output)
        dropping: Any = Annotated[output, BeforeValidator(lambda v: _drop_nulls(v, paths))]
        known[paths] = TypeAdapter(dropping)
    return known[paths]


def _drop_nulls(value: Any, paths: tuple[NullPath, ...]) -> Any:
    for path in paths:
        value = _drop_at(value, path)
    return value


def _drop_at(value: Any, path: NullPath) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(value, list):
            return [_drop_at(item, rest) for item in value]
        return value
    if not isinstance(value, dict) or head not in value:
        return value
    if not rest:
        if value[head] is None:
            return {k: v for k, v in value.items() if k != head}
        return value
    return {**value, head: _drop_at(value[head], rest)}

"""Extracting: typed LLM calls as a concept action.

``extract(task, input, ref)`` runs one declared `accord.llm.Task` and completes only with a
validated output (``{"output": {...}}``) or a typed error (``{"error": {"kind": ...,
"message": ..., "details": {"attempts": [...], "errors": [...], "raw": ...}}}``). Every call
is recorded in ``llm_calls`` and each of its attempts in ``llm_attempts``, in the transaction
that records the completion. The raw answers are stored once per attempt, in ``llm_attempts``,
cut to the task's ``Limits.stored_raw_chars``; an error's ``details.raw`` is the last answer
(cut the same way) and its ``details.attempts`` carry the metadata only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from typing_extensions import TypedDict

from accord.concept import Concept, Error, action, error, query
from accord.llm import Failure, Success, Task
from accord.llm.result import Attempt

__all__ = ["LLM_ATTEMPTS_SQL", "LLM_CALLS_SQL", "CallRow", "Extracted", "Extracting"]

LLM_CALLS_SQL = """CREATE TABLE IF NOT EXISTS llm_calls (
  record_id TEXT PRIMARY KEY, flow TEXT NOT NULL, task TEXT NOT NULL, model TEXT NOT NULL,
  prompt_version TEXT NOT NULL, outcome TEXT NOT NULL, attempts INTEGER NOT NULL,
  reasked INTEGER NOT NULL, repaired INTEGER NOT NULL, fell_back INTEGER NOT NULL,
  reviewed INTEGER NOT NULL DEFAULT 0, input_tokens INTEGER, output_tokens INTEGER,
  latency_ms REAL, cost REAL, output_json TEXT, output_chars INTEGER, created_at REAL NOT NULL)"""

LLM_ATTEMPTS_SQL = """CREATE TABLE IF NOT EXISTS llm_attempts (
  record_id TEXT NOT NULL, n INTEGER NOT NULL, flow TEXT NOT NULL, task TEXT NOT NULL,
  model TEXT NOT NULL, prompt_version TEXT NOT NULL, mode TEXT NOT NULL, outcome TEXT NOT NULL,
  error_class TEXT, message TEXT, raw TEXT, repairs_json TEXT NOT NULL,
  errors_json TEXT NOT NULL, reask INTEGER NOT NULL, cached INTEGER NOT NULL,
  input_tokens INTEGER, output_tokens INTEGER, latency_ms REAL, cost REAL,
  started_at REAL NOT NULL, PRIMARY KEY (record_id, n))"""


class Extracted(TypedDict):
    output: dict[str, Any]


class CallRow(TypedDict):
    record_id: str
    task: str
    model: str
    outcome: str
    attempts: int


class Extracting(Concept):
    """Runs declared LLM tasks; its outputs are always validated or typed errors."""

    schema = (LLM_CALLS_SQL, LLM_ATTEMPTS_SQL)

    def __init__(self, tasks: Sequence[Task[Any]]) -> None:
        names = [t.name for t in tasks]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"Extracting: task names must be unique; repeated: {repeated}")
        for task in tasks:
            if task.schema.get("type") != "object":
                raise TypeError(
                    f"Extracting: task {task.name!r} must have an object output (a Pydantic "
                    "model or TypedDict), because extract completes with output: {...}"
                )
        self.tasks: dict[str, Task[Any]] = {t.name: t for t in tasks}

    @action
    async def extract(self, task: str, input: dict[str, Any], ref: str) -> Extracted | Error:
        """Run task ``task`` on ``input``; ``ref`` is the caller's id of the subject."""
        declared = self.tasks.get(task)
        if declared is None:
            return error("invalid_input", f"no task {task!r}; tasks: {', '.join(self.tasks)}")
        try:
            result = await declared.run_result(**input)
        except ValueError as exc:
            return error("invalid_input", str(exc))
        completion: Extracted | Error
        if isinstance(result, Success):
            completion = {"output": declared.dump(result.value)}
        else:
            completion = error(result.kind, result.message, **result.details())
        self._record(declared, result)
        return completion

    @query
    def calls(self, task: str) -> list[CallRow]:
        """The recorded calls of a task, oldest first."""
        rows = self.db.all(
            "SELECT record_id, task, model, outcome, attempts FROM llm_calls WHERE task = ? "
            "ORDER BY created_at",
            (task,),
        )
        return [CallRow(**row) for row in rows]  # type: ignore[typeddict-item]

    def _record(self, task: Task[Any], result: Success[Any] | Failure) -> None:
        invocation = self.invocation
        record_id, flow = str(invocation.id), str(invocation.flow)
        outcome = "ok" if isinstance(result, Success) else result.kind
        output_json = (
            json.dumps(task.dump(result.value), ensure_ascii=False)
            if isinstance(result, Success)
            else None
        )
        self.db.execute(
            "INSERT INTO llm_calls (record_id, flow, task, model, prompt_version, outcome, "
            "attempts, reasked, repaired, fell_back, input_tokens, output_tokens, latency_ms, "
            "cost, output_json, output_chars, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record_id,
                flow,
                task.name,
                result.model or "-",
                result.prompt_version,
                outcome,
                len(result.attempts),
                int(result.reasked),
                int(result.repaired),
                int(result.fell_back),
                result.input_tokens,
                result.output_tokens,
                result.latency_ms,
                result.cost,
                output_json,
                len(output_json) if output_json is not None else None,
                time.time(),
            ),
        )
        self.db.executemany(
            "INSERT INTO llm_attempts VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                _attempt_row(record_id, flow, task.name, n, a)
                for n, a in enumerate(result.attempts, 1)
            ],
        )


def _attempt_row(record_id: str, flow: str, task: str, n: int, a: Attempt) -> tuple[Any, ...]:
    data = a.to_dict()
    return (
        record_id,
        n,
        flow,
        task,
        a.model,
        a.prompt_version,
        a.mode,
        a.outcome,
        a.error_class,
        a.message,
        a.raw,
        json.dumps(data["repairs"]),
        json.dumps(data["errors"]),
        int(a.reask),
        int(a.cached),
        a.input_tokens,
        a.output_tokens,
        a.latency_ms,
        a.cost,
        a.started_at,
    )

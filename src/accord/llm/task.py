"""LLM tasks: `Task` declares a call (see `TaskSpec`) and runs it through the pipeline."""

from __future__ import annotations

from typing import Any, TypeVar

from accord.llm._pipeline import run_task
from accord.llm.result import Failure, LLMFailure, Success
from accord.llm.spec import Budget, Prompt, TaskSpec

__all__ = ["Budget", "Prompt", "Task"]

T = TypeVar("T")


class Task(TaskSpec[T]):
    """An LLM call with a typed output.

    ``await task.run(**inputs)`` returns a `Success` (the validated value and every attempt) or
    raises `LLMFailure`; ``await task.run_result(**inputs)`` returns `Success` or `Failure`.
    The declaration itself (output, prompt, inputs, models, budget, cache, settings, policy,
    limits) is `TaskSpec`'s.
    """

    async def run_result(self, **inputs: Any) -> Success[T] | Failure:
        """Run the pipeline; a failure is returned as a `Failure`, never raised.

        Raises ``ValueError`` for inputs that do not fit the task (a programming error).
        """
        return await run_task(self, self.validate_inputs(inputs))

    async def run(self, **inputs: Any) -> Success[T]:
        """Run the pipeline; returns the `Success` or raises `LLMFailure`."""
        result = await self.run_result(**inputs)
        if isinstance(result, Failure):
            raise LLMFailure(result)
        return result

"""Script a task's model chain for one test: ``scripted(task, [answer, faults.timeout()])``.

The task's fallback chain is replaced by scripted models (one per script given) until the
block ends, or until the test ends when the ``scripted`` fixture of the pytest plugin is used::

    with scripted(extract_person, [faults.timeout(), {"name": "Ada", "age": 36}]) as script:
        result = await extract_person.run(text="Ada, 36")
    assert script.calls == 2

    # a chain: the primary refuses, the fallback answers
    with scripted(extract_person, [faults.refusal()], [{"name": "Ada", "age": 36}]): ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

from pydantic import BaseModel

from accord.llm import Task
from accord.llm.cache import ResponseCache
from accord.llm.messages import Request
from accord.llm.models import Model, ScriptedModel
from accord.llm.models.test import Fault, Step
from accord.llm.resilience import Policy

__all__ = ["Scripted", "scripted"]


class Scripted:
    """A task running on scripted models; restores the task's own chain on `restore`.

    ``models`` are the scripted models, first model first; ``requests`` every request they
    received, in order; ``calls`` how many.
    """

    def __init__(
        self,
        task: Task[Any],
        scripts: Sequence[Iterable[Step]],
        *,
        backoff: bool = False,
        cache: bool = False,
    ) -> None:
        if not scripts:
            raise ValueError(
                f"scripted({task.name}): give at least one script, e.g. "
                "scripted(task, [answer, faults.timeout()])"
            )
        for script in scripts:
            if isinstance(script, str | dict | BaseModel | Fault):
                raise TypeError(
                    f"scripted({task.name}): each script is a list of steps; wrap the single "
                    "answer in a list: scripted(task, [answer])"
                )
        self.task = task
        names = ["test:scripted"] + [f"test:scripted-fallback-{i}" for i in range(1, len(scripts))]
        self.models = tuple(
            ScriptedModel(script, name=name) for script, name in zip(scripts, names, strict=True)
        )
        self._saved: tuple[tuple[str | Model, ...], ResponseCache | None, Policy] | None = (
            task.model_specs,
            task.cache,
            task.policy,
        )
        task.model_specs = self.models
        if not cache:
            # A cached answer would hide the script: every call must reach it.
            task.cache = None
        if not backoff:
            # Retries of scripted faults need no jittered wait; Retry-After still holds.
            task.policy = dataclasses.replace(task.policy, backoff_base=0.0, backoff_max=0.0)

    @property
    def model(self) -> ScriptedModel:
        """The first scripted model of the chain."""
        return self.models[0]

    @property
    def requests(self) -> list[Request]:
        return [r for m in self.models for r in m.requests]

    @property
    def calls(self) -> int:
        return sum(m.calls for m in self.models)

    def restore(self) -> None:
        """Give the task its own chain, cache and policy back (idempotent)."""
        if self._saved is not None:
            self.task.model_specs, self.task.cache, self.task.policy = self._saved
            self._saved = None

    def __enter__(self) -> Scripted:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.restore()


def scripted(
    task: Task[Any],
    script: Iterable[Step],
    *fallbacks: Iterable[Step],
    backoff: bool = False,
    cache: bool = False,
) -> Scripted:
    """Make ``task`` answer from ``script`` (then each fallback script, as its chain) now.

    Steps are answers (text, a dict or a Pydantic value, sent as JSON) or `faults`. Use it
    as a context manager, or the plugin's ``scripted`` fixture, so the task gets its own
    chain back. The task's response cache is off meanwhile unless ``cache=True``, and retry
    backoff is skipped unless ``backoff=True`` (a scripted ``Retry-After`` is still waited).
    """
    return Scripted(task, [script, *fallbacks], backoff=backoff, cache=cache)

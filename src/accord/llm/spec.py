"""What an LLM call is: a typed, versioned prompt whose answer must validate against an output
type, with its models and limits. The pipeline (``_pipeline``) runs a `TaskSpec`; `Task`
(``accord.llm.task``) is the spec with the calls that run it."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError, create_model

from accord.llm.cache import ResponseCache, default_cache
from accord.llm.grounding import Grounding
from accord.llm.limits import Limits
from accord.llm.models import Model, default_model, resolve_model
from accord.llm.resilience import Policy

__all__ = ["Budget", "Prompt", "TaskSpec"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt template (``str.format`` fields name the task's inputs) and its version.

    Bump ``version`` whenever the wording changes: it keys the cache and the records that
    drift detection compares.
    """

    template: str
    version: str
    system: str | None = None

    def __post_init__(self) -> None:
        if not self.version:
            raise ValueError("Prompt needs a non-empty version, e.g. Prompt(..., version='v1')")

    @property
    def fields(self) -> tuple[str, ...]:
        names: list[str] = []
        for source in (self.template, self.system or ""):
            for _, name, _, _ in string.Formatter().parse(source):
                if name is not None and name not in names:
                    if not name.isidentifier():
                        raise ValueError(
                            f"prompt field {{{name}}} must be a plain input name; "
                            "use {{ and }} for literal braces"
                        )
                    names.append(name)
        return tuple(names)


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits of one call: attempts per model (retries and re-asks together) and tokens.

    ``tokens`` bounds input plus output tokens over all attempts of the call; once spent, the
    call ends with ``budget_exceeded``.
    """

    attempts: int = 3
    tokens: int | None = None

    def __post_init__(self) -> None:
        if self.attempts < 1 or (self.tokens is not None and self.tokens < 1):
            raise ValueError("Budget: attempts must be >= 1 and tokens (if set) >= 1")


class TaskSpec(Generic[T]):
    """What an LLM call is: its typed output, prompt, inputs, models and limits.

    The declaration the pipeline runs; `Task` adds the calls that run it.
    ``models`` is a fallback chain (model strings or `Model` objects; default: ``ACCORD_MODEL``
    or the embedded model). ``inputs`` maps input names to types (default: every prompt field
    as ``str``). ``cache`` is off by default; ``True`` uses an in-memory cache, or pass a
    `ResponseCache` (e.g. ``SqliteCache(path)``). ``settings`` go to the model unchanged
    (``temperature``, ``max_tokens``, ``seed``, ...). ``limits`` bounds the answers (size,
    nesting) and the raw text kept of them (see `Limits`). ``grounding`` declares, per output
    field, what in the inputs counts as evidence for it (see `accord.llm.grounding`): checked
    after validation, an ungrounded field is an invalid answer, re-asked with the reasons (and
    the candidates) and failing as ``invalid_output`` when no attempt is grounded.
    """

    def __init__(
        self,
        name: str,
        *,
        output: type[T] | TypeAdapter[T],
        prompt: Prompt,
        inputs: Mapping[str, Any] | None = None,
        models: Sequence[str | Model] | None = None,
        budget: Budget | None = None,
        cache: bool | ResponseCache = False,
        settings: Mapping[str, Any] | None = None,
        policy: Policy | None = None,
        max_repair_cost: int | None = None,
        limits: Limits | None = None,
        grounding: Grounding | None = None,
    ) -> None:
        if not name.isidentifier():
            raise ValueError(f"task name {name!r} must be an identifier (letters, digits, _)")
        self.name = name
        self.output = output
        self.adapter: TypeAdapter[T] = (
            output if isinstance(output, TypeAdapter) else TypeAdapter(output)
        )
        self.prompt = prompt
        fields = prompt.fields
        declared = dict(inputs) if inputs is not None else dict.fromkeys(fields, str)
        missing = [f for f in fields if f not in declared]
        if missing:
            raise ValueError(
                f"task {name!r}: the prompt uses {', '.join(missing)} but inputs declares only "
                f"{', '.join(declared) or '(none)'}; add them to inputs="
            )
        self.inputs = declared
        self._input_model: type[BaseModel] = create_model(  # type: ignore[call-overload]
            f"{name}_input", **{k: (v, ...) for k, v in declared.items()}
        )
        self.model_specs: tuple[str | Model, ...] = tuple(models) if models else ()
        self.budget = budget or Budget()
        self.cache: ResponseCache | None
        if isinstance(cache, bool):
            self.cache = default_cache if cache else None
        else:
            self.cache = cache
        self.settings = dict(settings or {})
        self.policy = policy or Policy()
        self.max_repair_cost = max_repair_cost
        self.limits = limits or Limits()
        self.schema: dict[str, Any] = self.adapter.json_schema()
        self.schema_name = _schema_name(output, name)
        self.grounding = grounding
        if grounding is not None:
            self._check_grounding(grounding)

    def _check_grounding(self, grounding: Grounding) -> None:
        properties = self.schema.get("properties")
        if isinstance(properties, dict):
            unknown = [f for f in grounding.rules if f not in properties]
            if unknown:
                raise ValueError(
                    f"task {self.name!r}: grounding names {', '.join(unknown)}, which the "
                    f"output has no field for; its fields are {', '.join(properties)}"
                )
        sources = sorted(
            {s for rules in grounding.rules.values() for r in rules for s in r.sources}
        )
        missing = [s for s in sources if s not in self.inputs]
        if missing:
            raise ValueError(
                f"task {self.name!r}: grounding reads {', '.join(missing)}, which is not an "
                f"input; declare it in inputs= (its inputs are {', '.join(self.inputs)})"
            )

    @property
    def models(self) -> tuple[Model, ...]:
        """The fallback chain, resolved now (so ``ACCORD_MODEL`` is read at call time)."""
        specs = self.model_specs or (default_model(),)
        return tuple(resolve_model(spec) for spec in specs)

    def validate_inputs(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs checked against the declared types; raises ``ValueError`` naming the fix."""
        unknown = sorted(set(values) - set(self.inputs))
        if unknown:
            raise ValueError(
                f"task {self.name!r} has no input {', '.join(unknown)}; its inputs are "
                f"{', '.join(self.inputs) or '(none)'}"
            )
        try:
            return self._input_model.model_validate(dict(values)).model_dump()
        except ValidationError as exc:
            raise ValueError(f"task {self.name!r}: invalid inputs: {exc}") from None

    def dump(self, value: T) -> Any:
        """The JSON form of a validated value."""
        return self.adapter.dump_python(value, mode="json")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} prompt={self.prompt.version}>"


def _schema_name(output: Any, fallback: str) -> str:
    name = getattr(output, "__name__", None) or fallback
    cleaned = "".join(c if c.isalnum() or c in "_-" else "_" for c in str(name))
    return cleaned[:64] or "output"

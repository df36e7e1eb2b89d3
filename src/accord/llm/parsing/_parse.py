"""`parse`: the strict fast path, then lenient reading, validation and choice."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import SchemaValidator

from accord.llm.parsing._audit import fast_reader, generic, key_tokens
from accord.llm.parsing._extract import Candidate, Scan, scan
from accord.llm.parsing._flags import RepairLog
from accord.llm.parsing._lexer import SyntaxProblem
from accord.llm.parsing._lines import looks_like_lines, read_lines
from accord.llm.parsing._normalize import norm
from accord.llm.parsing._result import OutputError, Parsed, Repair
from accord.llm.parsing._validate import Accepted, Rejected, schema_of, validate

T = TypeVar("T")

_MAX_TARGETS = 1024


@dataclass(frozen=True, slots=True)
class _Target(Generic[T]):
    """What `parse` needs per output type, computed once."""

    adapter: TypeAdapter[T]
    # The strict fast path: valid JSON validated and audited (a key count that matches
    # the text, no placeholder), else None; raises ValidationError.
    fast: Callable[[str], Parsed[T] | None]


_targets: dict[Any, _Target[Any]] = {}


def parse(
    text: str,
    output_type: type[T] | TypeAdapter[T],
    *,
    max_cost: int | None = None,
    forbid: Collection[str] = (),
) -> Parsed[T]:
    """Parse an LLM reply into ``output_type``, repairing common damage.

    Valid JSON is validated directly. Otherwise the reply is read leniently (fences,
    prose, trailing commas, single quotes, Python literals, unquoted keys, comments,
    wrappers, missing final closers) and every repair is recorded with its cost.
    Raises `OutputError` when the value does not validate, when data may have been
    lost (a cut string, number or list), when several different answers are
    present, when the repairs cost more than ``max_cost``, or when a repair of a kind in
    ``forbid`` would be needed.
    """
    try:
        target = _targets[output_type]
    except (KeyError, TypeError):
        target = _target(output_type)
    try:
        parsed = target.fast(text)
    except ValidationError:
        parsed = None
    return _parse_leniently(text, target.adapter, max_cost, forbid) if parsed is None else parsed


def _target(output_type: type[T] | TypeAdapter[T]) -> _Target[T]:
    try:
        return _targets[output_type]
    except KeyError:
        pass
    except TypeError:  # an unhashable type expression: nothing to cache it under
        return _make_target(output_type)
    if len(_targets) >= _MAX_TARGETS:
        _targets.clear()
    target = _targets[output_type] = _make_target(output_type)
    return target


def _make_target(output_type: type[T] | TypeAdapter[T]) -> _Target[T]:
    adapter = output_type if isinstance(output_type, TypeAdapter) else TypeAdapter(output_type)
    validator = adapter.validator
    validate_json = (
        validator.validate_json if isinstance(validator, SchemaValidator) else adapter.validate_json
    )
    model = (
        output_type
        if isinstance(output_type, type) and issubclass(output_type, BaseModel)
        else _model_class(adapter)
    )
    # A model that could validate by ignoring every key it was given (extra keys
    # ignored, at least one field): a value built from no key needs one more look.
    may_ignore = (
        model is not None
        and bool(model.model_fields)
        and model.model_config.get("extra") != "allow"
    )
    if isinstance(output_type, TypeAdapter) and model is None:
        return _Target(adapter, partial(_generic_fast, validate_json))
    annotation: Any = model if isinstance(output_type, TypeAdapter) else output_type
    fast = fast_reader(
        annotation,
        validate_json,
        Parsed,
        top_model=may_ignore,
        floats=_holds_float(adapter.core_schema),
    )
    return _Target(adapter, fast)


def _holds_float(schema: Any) -> bool:
    """Whether a core schema validates a float anywhere in it."""
    if isinstance(schema, dict):
        return schema.get("type") == "float" or any(_holds_float(v) for v in schema.values())
    if isinstance(schema, list | tuple):
        return any(_holds_float(item) for item in schema)
    return False


def _generic_fast(validate_json: Callable[..., T], text: str) -> Parsed[T] | None:
    """The fast path for a type with no generated audit: it looks at the value."""
    value = validate_json(text, strict=True)
    if "NaN" in text or "Infinity" in text:
        return None  # the lenient path refuses them
    keys = generic(value)
    if keys < 0 or (keys != text.count(":") and keys != key_tokens(text)):
        return None
    return Parsed(value, (), text)


def _model_class(adapter: TypeAdapter[Any]) -> type[BaseModel] | None:
    """The model class ``adapter`` validates, if it validates a model."""
    schema: Any = adapter.core_schema
    if schema["type"] == "definitions":
        definitions = {d.get("ref"): d for d in schema["definitions"]}
        schema = schema["schema"]
        if schema["type"] == "definition-ref":
            schema = definitions.get(schema["schema_ref"], schema)
    model = schema.get("cls") if schema["type"] == "model" else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _parse_leniently(
    text: str, adapter: TypeAdapter[T], max_cost: int | None, forbid: Collection[str]
) -> Parsed[T]:
    found = scan(text)
    if found.truncated is not None:
        raise OutputError(text, [_json_error(found.truncated, "truncated")], found.log.repairs())
    accepted: list[tuple[Candidate, Accepted[T]]] = []
    # The errors worth reporting are those of the longest JSON value: the model's
    # answer rather than a bracket in its prose.
    longest: tuple[int, Rejected] | None = None
    for candidate in found.candidates:
        try:
            accepted.append((candidate, _validate_candidate(adapter, candidate)))
        except Rejected as rejected:
            size = candidate.end - candidate.start
            if longest is None or size > longest[0]:
                longest = (size, rejected)
    if not accepted:
        if looks_like_lines(text):
            return _parse_lines(text, adapter, max_cost, forbid, found, longest)
        raise OutputError(text, _no_value_errors(found, longest), found.log.repairs())
    distinct = {_key(adapter, result.value) for _, result in accepted} if len(accepted) > 1 else ()
    if len(distinct) > 1:
        raise OutputError(
            text,
            [
                {
                    "type": "json_invalid",
                    "reason": "ambiguous",
                    "loc": (),
                    "msg": f"the reply holds {len(distinct)} different valid answers; "
                    "reply with exactly one",
                }
            ],
            found.log.repairs(),
        )
    candidate, result = accepted[0]
    _refuse_broken_answer_after(text, found, accepted[-1][0])
    if len(found.candidates) > 1:
        _refuse_other_values_after(text, found, candidate, adapter)
    log = RepairLog()
    log.extend(found.log)
    log.extend(candidate.log)
    log.extend(result.log)
    if len(found.candidates) > 1:
        log.note(
            "multiple_candidates",
            f"the reply holds {len(found.candidates)} JSON values; used the only valid answer",
        )
    repairs = log.repairs()
    _check_budget(text, repairs, max_cost, forbid)
    return Parsed(result.value, repairs, text)


def _parse_lines(
    text: str,
    adapter: TypeAdapter[T],
    max_cost: int | None,
    forbid: Collection[str],
    found: Scan,
    longest: tuple[int, Rejected] | None,
) -> Parsed[T]:
    """A reply of ``field: value`` lines, read when no JSON value in it validated."""
    try:
        lines = read_lines(text, schema_of(adapter))
    except SyntaxProblem as problem:
        raise OutputError(text, [_json_error(problem, "syntax")]) from None
    if lines is None:
        raise OutputError(text, _no_value_errors(found, longest), found.log.repairs())
    data, log = lines
    try:
        result = validate(adapter, data, [])
    except Rejected as rejected:
        raise OutputError(text, rejected.errors, log.repairs()) from None
    log.extend(result.log)
    repairs = log.repairs()
    _check_budget(text, repairs, max_cost, forbid)
    return Parsed(result.value, repairs, text)


def _refuse_broken_answer_after(text: str, found: Scan, last: Candidate) -> None:
    """A broken JSON value after the last valid answer may be the model's correction
    of it: taking the earlier answer would drop whatever the correction changed."""
    for start, problem in found.broken:
        if start > last.start:
            raise OutputError(text, [_json_error(problem, "syntax")], found.log.repairs())


_ABSENT: Any = object()


def _refuse_other_values_after(
    text: str, found: Scan, answer: Candidate, adapter: TypeAdapter[T]
) -> None:
    """A JSON object after the answer that gives one of its fields another value (say
    ``Note: {"first_name": "C"}``) may be the model's correction: taking the answer would
    drop it. Objects that repeat the answer's values, or hold no field, are harmless."""
    schema = schema_of(adapter)
    fields = schema.spellings(schema.resolve(schema.root))
    given = (
        {norm(key): value for key, value in answer.value.items()}
        if isinstance(answer.value, dict)
        else {}
    )
    for later in found.candidates:
        if later.start <= answer.start or not isinstance(later.value, dict):
            continue
        for key, value in later.value.items():
            if norm(key) in fields and given.get(norm(key), _ABSENT) != value:
                raise OutputError(
                    text,
                    [
                        {
                            "type": "json_invalid",
                            "reason": "ambiguous",
                            "loc": (key,),
                            "msg": f"after the answer the reply gives {key!r} again as "
                            f"{value!r}, which may be a correction; reply with exactly one "
                            "JSON value",
                        }
                    ],
                    found.log.repairs(),
                )


def _validate_candidate(adapter: TypeAdapter[T], candidate: Candidate) -> Accepted[T]:
    try:
        return validate(adapter, candidate.value, candidate.closed)
    except Rejected as rejected:
        if not isinstance(candidate.value, str):
            raise
        inner = _json_in_string(candidate.value)
        if inner is None:
            raise rejected from None
        result = validate(adapter, inner.value, inner.closed)
        result.log.extend(inner.log)
        result.log.note("json_in_string", "decoded JSON that was sent as a JSON string")
        return result


def _json_in_string(value: str) -> Candidate | None:
    found = scan(value)
    if found.truncated is not None or len(found.candidates) != 1:
        return None
    candidate = found.candidates[0]
    if value[: candidate.start].strip() or value[candidate.end :].strip():
        return None
    return candidate


def _key(adapter: TypeAdapter[T], value: T) -> bytes:
    # Validated values may be unhashable (models with lists, dicts); their JSON
    # dump identifies them.
    return adapter.dump_json(value)


def _check_budget(
    text: str, repairs: tuple[Repair, ...], max_cost: int | None, forbid: Collection[str]
) -> None:
    banned = [repair for repair in repairs if repair.kind in forbid]
    if banned:
        raise OutputError(
            text,
            [
                {
                    "type": "repair_forbidden",
                    "loc": (),
                    "msg": "the reply needed repairs the caller forbids: "
                    + "; ".join(f"{r.kind} ({r.detail})" for r in banned)
                    + "; reply with plain JSON that matches the schema exactly",
                }
            ],
            repairs,
        )
    cost = sum(repair.cost for repair in repairs)
    if max_cost is not None and cost > max_cost:
        kinds = ", ".join(f"{r.kind} ({r.cost})" for r in repairs)
        raise OutputError(
            text,
            [
                {
                    "type": "repair_cost_exceeded",
                    "loc": (),
                    "msg": f"the reply needed repairs costing {cost}, more than the allowed "
                    f"{max_cost}: {kinds}; reply with plain JSON only",
                }
            ],
            repairs,
        )


def _no_value_errors(found: Scan, longest: tuple[int, Rejected] | None) -> list[dict[str, Any]]:
    if found.problem is not None and (longest is None or found.problem_reach > longest[0]):
        return [_json_error(found.problem, "syntax")]
    if longest is not None:
        return longest[1].errors
    return [
        {
            "type": "json_invalid",
            "reason": "not_found",
            "loc": (),
            "msg": "the reply contains no JSON value; reply with one JSON value only",
        }
    ]


def _json_error(problem: SyntaxProblem, reason: str) -> dict[str, Any]:
    if problem.kind != "syntax":
        return {"type": problem.kind, "loc": problem.loc, "pos": problem.pos, "msg": problem.msg}
    hint = "; it may have lost data, reply with the complete JSON" if reason == "truncated" else ""
    return {
        "type": "json_invalid",
        "reason": reason,
        "loc": (),
        "pos": problem.pos,
        "msg": f"invalid JSON at character {problem.pos}: {problem.msg}{hint}",
    }


__all__ = ["parse"]

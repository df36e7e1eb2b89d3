"""Validates a repaired value against the output type, unwrapping wrappers if needed.

Everything is validated from JSON text (the repaired value is re-serialized), so a
repaired answer gets exactly the same type rules as a valid one: the model's own
config (strict or lax) decides.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from accord.llm.parsing._flags import RepairLog
from accord.llm.parsing._reader import Path

T = TypeVar("T")

_MAX_UNWRAP = 2


@dataclass(slots=True)
class Accepted(Generic[T]):
    """A validated value and the repairs that validation itself needed."""

    value: T
    log: RepairLog


class Rejected(Exception):
    """The value does not validate; ``errors`` are pydantic-style error dicts."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


def validate(adapter: TypeAdapter[T], value: Any, closed: list[Path]) -> Accepted[T]:
    """Validate ``value``, else the value inside a wrapper; raise `Rejected` with the
    errors of the closest attempt."""
    best: Rejected | None = None
    for inner, prefix, log in _shapes(value, adapter):
        try:
            result = _validate_once(adapter, inner)
            _check_closed(result, closed, prefix)
        except Rejected as rejected:
            if best is None or len(rejected.errors) < len(best.errors):
                best = rejected
            continue
        return Accepted(result, log)
    assert best is not None
    raise best


def has_unknown_keys_only(value: object, data: Any) -> bool:
    """Whether a model validated only because it ignored every key it was given.

    Such a value is all defaults and the model's answer was dropped, typically
    because it sat inside a wrapper such as ``{"result": {...}}``.
    """
    if not isinstance(value, BaseModel) or value.model_fields_set:
        return False
    model = type(value)
    if not model.model_fields or model.model_config.get("extra") == "allow":
        return False
    return not isinstance(data, dict) or bool(data)


def _field_names(adapter: TypeAdapter[Any]) -> frozenset[str]:
    try:
        schema = adapter.json_schema()
    except Exception:  # a type without a JSON schema: no field names to protect
        return frozenset()
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):  # recursive models put their fields in $defs
        schema = schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
    return frozenset(schema.get("properties", {}))


def _shapes(value: Any, adapter: TypeAdapter[Any]) -> Iterator[tuple[Any, Path, RepairLog]]:
    """The value itself, then the values inside wrappers around it.

    ``prefix`` is the key path of the unwrapped value inside the original one. A one-key
    object whose key is a field of the schema is a partial answer, not a wrapper: unwrapping it
    would drop the missing fields' absence and accept an inner value in their place.
    """
    yield value, (), RepairLog()
    fields = _field_names(adapter)
    inner: Any = value
    prefix: Path = ()
    log = RepairLog()
    for _ in range(_MAX_UNWRAP):
        if isinstance(inner, dict) and len(inner) == 1:
            if next(iter(inner)) in fields:
                return
            ((key, inner),) = inner.items()
            if not isinstance(inner, dict | list):
                return
            log.note("unwrap_wrapper", f"took the value inside the wrapper key {key!r}")
            prefix = (*prefix, key)
        elif isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], dict):
            inner = inner[0]
            log.note("unwrap_wrapper", "took the only element of a one-element list")
            prefix = (*prefix, "0")
        else:
            return
        copy = RepairLog()
        copy.extend(log)
        yield inner, prefix, copy


def _validate_once(adapter: TypeAdapter[T], data: Any) -> T:
    try:
        result = adapter.validate_json(json.dumps(data, ensure_ascii=False))
    except ValidationError as exc:
        raise Rejected(_plain_errors(exc)) from None
    if has_unknown_keys_only(result, data):
        keys = ", ".join(repr(key) for key in data) if isinstance(data, dict) else ""
        fields = ", ".join(type(result).model_fields) if isinstance(result, BaseModel) else ""
        raise Rejected(
            [
                {
                    "type": "no_known_fields",
                    "loc": (),
                    "input": data,
                    "msg": f"none of the keys ({keys}) is a field of the schema ({fields})",
                }
            ]
        )
    return result


def _check_closed(result: object, closed: list[Path], prefix: Path) -> None:
    """Refuse objects closed at the end of the text unless provably nothing was cut.

    An object cut right after a complete value is only whole if every field of its
    model is present: then the lost text can only have been closing braces (or keys
    the model ignores anyway). Objects we cannot check (plain dicts, wrappers) are
    refused.
    """
    for path in closed:
        if path[: len(prefix)] != prefix:
            raise Rejected([_cut("a wrapper object", path)])
        relative = path[len(prefix) :]
        node = _walk(result, relative)
        if not isinstance(node, BaseModel):
            raise Rejected([_cut("an object whose fields cannot be checked", path)])
        missing = [name for name in type(node).model_fields if name not in node.model_fields_set]
        if missing or type(node).model_config.get("extra") == "allow":
            raise Rejected([_cut(f"an object missing {', '.join(missing) or 'extra keys'}", path)])


def _walk(node: object, path: Path) -> object:
    for key in path:
        if not isinstance(node, BaseModel):
            return None
        node = getattr(node, _field_name(type(node), key), None)
    return node


def _field_name(model: type[BaseModel], key: str) -> str:
    for name, info in model.model_fields.items():
        if key in (name, info.alias, info.validation_alias):
            return name
    return key


def _cut(what: str, path: Path) -> dict[str, Any]:
    return {
        "type": "json_invalid",
        "reason": "truncated",
        "loc": path,
        "msg": f"the reply was cut off inside {what}; it may have lost data",
    }


def _plain_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's error dicts, with context values (which may be exceptions) as text,
    so that the errors can be stored and shown as JSON."""
    errors: list[dict[str, Any]] = []
    for error in exc.errors(include_url=False):
        plain: dict[str, Any] = dict(error)
        context: dict[str, Any] | None = plain.get("ctx")
        if context is not None:
            plain["ctx"] = {
                key: value if isinstance(value, str | int | float | bool | None) else str(value)
                for key, value in context.items()
            }
        errors.append(plain)
    return errors

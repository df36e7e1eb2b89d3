"""Validates a repaired value against the output type, unwrapping wrappers if needed.

Everything is validated from JSON text (the repaired value is re-serialized), so a
repaired answer gets exactly the same type rules as a valid one: the model's own
config (strict or lax) decides.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError, SchemaValidator, to_json

from accord.llm.parsing import _normalize as fix
from accord.llm.parsing._audit import generic, placeholder
from accord.llm.parsing._flags import RepairLog
from accord.llm.parsing._normalize import Loc, Refusal
from accord.llm.parsing._reader import Path

T = TypeVar("T")

_MAX_UNWRAP = 2
_MAX_FIX_ROUNDS = 4
_NUMBER_ERRORS = frozenset({"int_parsing", "float_parsing", "decimal_parsing"})
_DATE_ERRORS = frozenset(
    {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}
)
_CONTAINER_ERRORS = frozenset(
    {"model_type", "model_attributes_type", "dict_type", "dataclass_type", "dataclass_exact_type"}
)
_LIST_ERRORS = frozenset({"list_type", "tuple_type", "set_type", "frozen_set_type"})
# Errors of a scalar field given something else (here: a list around its value).
_SCALAR_ERRORS = frozenset(
    {"string_type", "int_type", "float_type", "bool_type", "date_type", "datetime_type", "enum"}
)


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
            result = _validate_once(adapter, inner, log)
            _check_closed(result, closed, prefix)
        except Rejected as rejected:
            if best is None or _rank(rejected) < _rank(best):
                best = rejected
            continue
        return Accepted(result, log)
    assert best is not None
    raise best


def _rank(rejected: Rejected) -> tuple[int, int]:
    # A refusal of our own (ambiguous, placeholder, ...) explains more than a list of
    # Pydantic errors from a shape the model never meant.
    ours = any(error.get("type") in _OWN_ERRORS for error in rejected.errors)
    return (0 if ours else 1, len(rejected.errors))


_OWN_ERRORS = frozenset(
    {
        "ambiguous_key",
        "ambiguous_number",
        "ambiguous_date",
        "inconsistent_date",
        "ambiguous_enum",
        "ambiguous_list",
        "placeholder",
        "schema_echo",
        "date_from_datetime_inexact",
    }
)


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


def _shapes(value: Any, adapter: TypeAdapter[Any]) -> Iterator[tuple[Any, Path, RepairLog]]:
    """The value itself, then the values inside wrappers around it.

    ``prefix`` is the key path of the unwrapped value inside the original one. A one-key
    object whose key is a field of the schema is a partial answer, not a wrapper: unwrapping it
    would drop the missing fields' absence and accept an inner value in their place.
    """
    yield value, (), RepairLog()
    fields = _info(adapter).schema.fields
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


@dataclass(frozen=True, slots=True)
class _Info:
    """What validation needs per output type, computed once (a JSON schema costs far
    more than a parse)."""

    adapter: TypeAdapter[Any]
    schema: fix.Schema
    # A type configured strict converts nothing: no schema-guided fix applies to it.
    fixable: bool
    # The validator's own method: TypeAdapter.validate_json adds a Python layer per call.
    validate_json: Callable[..., Any]


_MAX_INFOS = 1024
# Keyed by id(adapter); an entry keeps its adapter alive, so an id is never reused.
_infos: dict[int, _Info] = {}


def _info(adapter: TypeAdapter[Any]) -> _Info:
    info = _infos.get(id(adapter))
    if info is not None and info.adapter is adapter:
        return info
    try:
        root: dict[str, Any] = adapter.json_schema()
    except Exception:  # a type without a JSON schema: nothing to guide the fixes
        root = {}
    validator = adapter.validator
    validate_json = (
        validator.validate_json if isinstance(validator, SchemaValidator) else adapter.validate_json
    )
    info = _Info(adapter, fix.Schema(root), bool(root) and not _is_strict(adapter), validate_json)
    if len(_infos) >= _MAX_INFOS:
        _infos.clear()
    _infos[id(adapter)] = info
    return info


def schema_of(adapter: TypeAdapter[Any]) -> fix.Schema:
    """The JSON schema of ``adapter``'s type, with its navigation remembered."""
    return _info(adapter).schema


def _validate_once(adapter: TypeAdapter[T], data: Any, log: RepairLog) -> T:
    """Validate ``data`` strictly, then laxly (each coercion a repair), then after the
    schema-guided fixes that Pydantic's errors ask for, each with exactly one reading."""
    info = _info(adapter)
    schema = info.schema
    try:
        fix.check_schema_echo(schema, data)
        if info.fixable:
            data = fix.rename_keys(schema, schema.root, data, (), log)
    except Refusal as refusal:
        raise Rejected([refusal.error]) from None
    errors: list[dict[str, Any]] = []
    copied = False
    for _ in range(_MAX_FIX_ROUNDS):
        text = _to_json(data)
        result: T
        try:
            result = info.validate_json(text, strict=True)
        except ValidationError as strict:
            try:
                result = info.validate_json(text)
            except ValidationError as exc:
                errors = _plain_errors(exc)
                if not info.fixable:
                    raise Rejected(errors) from None
                if not copied:  # the fixes edit it in place; the caller's stays whole
                    data, copied = json.loads(text), True
                data, changed = _fix_errors(schema, data, errors, log)
                if not changed:
                    raise Rejected(errors) from None
                continue
            for error in strict.errors(include_url=False):
                where = ".".join(str(part) for part in error["loc"]) or "the reply"
                log.note("coerce_type", f"{where}: {error['input']!r} converted ({error['msg']})")
        _check_result(result, data)
        return result
    raise Rejected(errors)


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _to_json(data: Any) -> bytes | str:
    try:
        return to_json(data)
    except PydanticSerializationError:  # nested deeper than its recursion limit
        return _ENCODER.encode(data)


def _is_strict(adapter: TypeAdapter[Any]) -> bool:
    """Whether the output type is configured strict: then nothing is converted for it."""
    core: Any = adapter.core_schema
    config = core.get("config") or {}
    if core.get("type") == "definitions":
        config = core.get("schema", {}).get("config") or {}
    return bool(config.get("strict"))


def _check_result(result: object, data: Any) -> None:
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
    # The generated audit answers "any placeholder?" in a few operations per field; the
    # walk that finds where runs only when it says yes.
    found = placeholder(result) if generic(result) < 0 else None
    if found is not None:
        loc, text = found
        raise Rejected([placeholder_error(loc, text)])


def placeholder_error(loc: Loc, text: str) -> dict[str, Any]:
    """The refusal of a placeholder in a required field."""
    return {
        "type": "placeholder",
        "loc": loc,
        "input": text,
        "msg": f"{text!r} is a placeholder, not a value; give the real value, or say in "
        "another field that it is unknown",
    }


def _fix_errors(
    schema: fix.Schema, data: Any, errors: list[dict[str, Any]], log: RepairLog
) -> tuple[Any, bool]:
    """``data`` with every fixable error fixed; raises `Rejected` on a refusal."""
    changed = False
    refusals: list[dict[str, Any]] = []
    for error in errors:
        path, current = _locate(data, tuple(error.get("loc", ())))
        node = schema.at(path)
        try:
            new = _fix_one(str(error.get("type")), current, path, node, schema, log)
        except Refusal as refusal:
            if refusal.error["type"] in ("number_parsing", "date_parsing"):
                continue  # not a number or date in any writing: Pydantic's error says so
            refusals.append(refusal.error)
            continue
        if new is _UNFIXED:
            continue
        data = _replace(data, path, new)
        changed = True
    if refusals:
        refused = {tuple(error["loc"]) for error in refusals}
        others = [
            error
            for error in errors
            if _locate(data, tuple(error.get("loc", ())))[0] not in refused
            and error.get("type") != "missing"
        ]
        raise Rejected(refusals + others)
    return data, changed


_UNFIXED: Any = object()


def _fix_one(
    kind: str,
    value: Any,
    loc: Loc,
    node: dict[str, Any] | None,
    schema: fix.Schema,
    log: RepairLog,
) -> Any:
    node = node or {}
    if kind in _NUMBER_ERRORS and isinstance(value, str):
        return fix.to_number(value, loc, node, kind.startswith("int"), log)
    if kind in _DATE_ERRORS and isinstance(value, str):
        return fix.to_date(value, loc, log)
    if kind in ("enum", "literal_error") and isinstance(value, str):
        members: list[Any] = []
        for option in schema.options(node):
            members.extend(option.get("enum", []))
            if "const" in option:
                members.append(option["const"])
        member = fix.to_member(value, loc, members, log)
        return _UNFIXED if member is None else member
    if kind in _CONTAINER_ERRORS | _LIST_ERRORS and isinstance(value, str):
        inner = fix.decode_json_string(value)
        if inner is not None:
            log.note("json_in_string", f"decoded JSON sent as a string at {_where(loc)}")
            return inner
    if kind in _SCALAR_ERRORS and isinstance(value, list):
        if len(value) == 1 and not isinstance(value[0], dict | list):
            where = _where(loc)
            log.note("unwrap_wrapper", f"{where}: took the only element of a one-element list")
            return value[0]
        if len(value) > 1:
            raise Refusal(
                "ambiguous_list",
                loc,
                f"{len(value)} values where one is wanted; choosing one would be a guess, "
                "give exactly one value",
                value,
            )
    if kind in _LIST_ERRORS and value is not None and not isinstance(value, list):
        return fix.to_list(value, loc, log)
    if kind in _CONTAINER_ERRORS and value is None and loc == ():
        log.note("null_to_defaults", "read a null answer as the model with all its defaults")
        return {}
    if kind == "string_type" and isinstance(value, int) and not isinstance(value, bool):
        log.note("coerce_type", f"{_where(loc)}: read the number {value} as a string")
        return str(value)
    return _UNFIXED


def _where(loc: Loc) -> str:
    return ".".join(str(part) for part in loc) or "the reply"


def _locate(data: Any, loc: tuple[Any, ...]) -> tuple[Loc, Any]:
    """The part of ``loc`` that indexes ``data`` (union tags skipped) and the value there."""
    path: list[str | int] = []
    node = data
    for part in loc:
        container: Any = node
        if (isinstance(node, dict) and isinstance(part, str) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = container[part]
            path.append(part)
    return tuple(path), node


def _replace(data: Any, path: Loc, new: Any) -> Any:
    if not path:
        return new
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return data


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

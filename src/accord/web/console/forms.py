"""HTML forms generated from a review item's Pydantic model, and their submissions parsed back.

Each leaf field becomes one input named by its dotted path (``customer.name``): enums and
literals are selects, dates and datetimes date inputs, booleans checkboxes, numbers number
inputs, nested models fieldsets, lists and other structures a JSON text area. An optional
field left blank is ``None``. The parsed value is validated by the model itself, and its
errors come back keyed by the same dotted paths, to be shown beside their inputs.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

__all__ = ["FormField", "build_form", "errors_by_field", "parse_form"]

InputKind = Literal["text", "number", "date", "datetime", "select", "checkbox", "json", "group"]

_MAX_DEPTH = 8  # a recursive model stops nesting fieldsets here and falls back to JSON


@dataclass
class FormField:
    """One input (or a fieldset of them, ``kind == "group"``) of a generated form."""

    name: str
    label: str
    kind: InputKind
    required: bool
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    step: str = ""
    description: str = ""
    children: list[FormField] = field(default_factory=list)
    error: str = ""


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        if len(args) == 1:
            return args[0], nullable
        return annotation, nullable
    return annotation, False


def _base(annotation: Any) -> Any:
    # Annotated[X, ...] reaches here already stripped by pydantic's FieldInfo; a bare one may not.
    while get_origin(annotation) is not None and hasattr(annotation, "__metadata__"):
        annotation = get_args(annotation)[0]
    return annotation


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=2)
    return str(value)


def _leaf(name: str, label: str, info: FieldInfo, annotation: Any, value: Any) -> FormField:
    inner, nullable = _unwrap_optional(_base(annotation))
    inner = _base(inner)
    required = info.is_required() and not nullable
    description = info.description or ""
    kind: InputKind = "text"
    options: list[str] = []
    step = ""
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        kind, options = "select", [str(m.value) for m in inner]
    elif get_origin(inner) is Literal:
        kind, options = "select", [str(a) for a in get_args(inner)]
    elif inner is bool:
        return FormField(
            name, label, "checkbox", False, checked=bool(value), description=description
        )
    elif inner is int:
        kind, step = "number", "1"
    elif inner is float:
        kind, step = "number", "any"
    elif inner is dt.date:
        kind = "date"
    elif inner is dt.datetime:
        kind = "datetime"
    elif inner is not str and (get_origin(inner) is not None or inner in (dict, list, Any)):
        kind = "json"
    text = _as_text(value)
    if kind == "datetime" and text:
        text = text[:19]  # datetime-local has no zone or fraction
    return FormField(
        name, label, kind, required, value=text, options=options, step=step, description=description
    )


def build_form(
    model: type[BaseModel], value: Any, prefix: str = "", depth: int = 0
) -> list[FormField]:
    """The form fields of ``model``, pre-filled from ``value`` (a dict, or anything else)."""
    data = value if isinstance(value, dict) else {}
    out: list[FormField] = []
    for key, info in model.model_fields.items():
        name = f"{prefix}{key}"
        label = info.title or key.replace("_", " ")
        inner, nullable = _unwrap_optional(_base(info.annotation))
        current = data.get(
            key, None if info.is_required() else info.get_default(call_default_factory=True)
        )
        if isinstance(inner, type) and issubclass(inner, BaseModel) and depth < _MAX_DEPTH:
            group = FormField(
                name, label, "group", not nullable, description=info.description or ""
            )
            group.children = build_form(inner, current, f"{name}.", depth + 1)
            out.append(group)
        else:
            out.append(_leaf(name, label, info, info.annotation, current))
    return out


def _leaves(fields: list[FormField]) -> list[FormField]:
    out: list[FormField] = []
    for f in fields:
        out.extend(_leaves(f.children) if f.kind == "group" else [f])
    return out


def parse_form(
    fields: list[FormField], submitted: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The value a submitted form stands for, and the fields that could not be read at all
    (JSON text that is not JSON). Blank optional fields become ``None``; everything else is
    left as text for the model to validate and coerce."""
    value: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in _leaves(fields):
        raw = submitted.get(f.name)
        parsed: Any
        if f.kind == "checkbox":
            parsed = raw is not None
        elif raw is None or (raw.strip() == "" and not f.required):
            parsed = None
        elif f.kind == "json":
            try:
                parsed = json.loads(raw)
            except ValueError as exc:
                problems[f.name] = f"not valid JSON: {exc}"
                continue
        else:
            parsed = raw
        target = value
        *parents, last = f.name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = parsed
    _drop_blank_groups(fields, value)
    return value, problems


def _blank(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    return value is None or value == "" or value is False


def _drop_blank_groups(fields: list[FormField], value: dict[str, Any]) -> None:
    """An optional nested model left entirely blank is ``None``, not a model of blanks."""
    for f in fields:
        if f.kind != "group":
            continue
        *parents, last = f.name.split(".")
        holder: Any = value
        for part in parents:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or not isinstance(holder.get(last), dict):
            continue
        if not f.required and _blank(holder[last]):
            holder[last] = None
        else:
            _drop_blank_groups(f.children, value)


def errors_by_field(exc: ValidationError) -> dict[str, str]:
    """A model's validation errors keyed by dotted field path (``""`` for the whole value)."""
    out: dict[str, str] = {}
    for e in exc.errors():
        path = ".".join(str(p) for p in e["loc"])
        message = e["msg"]
        out[path] = f"{out[path]}; {message}" if path in out else message
    return out


def attach_errors(fields: list[FormField], errors: dict[str, str]) -> list[str]:
    """Put each error on its field; returns the errors no field claimed (shown at the top)."""
    claimed: set[str] = set()
    for f in _leaves(fields):
        found = [
            msg for path, msg in errors.items() if path == f.name or path.startswith(f"{f.name}.")
        ]
        if found:
            f.error = "; ".join(found)
            claimed.update(p for p in errors if p == f.name or p.startswith(f"{f.name}."))
    return [f"{p or 'value'}: {m}" for p, m in errors.items() if p not in claimed]


def refill(fields: list[FormField], submitted: dict[str, str]) -> None:
    """Show what the reviewer typed (not the proposal) after a refused submission."""
    for f in _leaves(fields):
        if f.kind == "checkbox":
            f.checked = f.name in submitted
        else:
            f.value = submitted.get(f.name, "")

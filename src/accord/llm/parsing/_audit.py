"""Cheap checks of a validated value: how many keys it came from, and placeholders.

The fast path validates strictly valid JSON directly; these checks tell it when the text
needs a closer look (a duplicate key, a key nobody read, template residue in a field).
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from accord.llm.parsing._normalize import PLACEHOLDER_WORDS, is_placeholder

_QUICK = frozenset(
    variant for word in PLACEHOLDER_WORDS for variant in (word, word.upper(), word.title())
)

_MARKS = frozenset("<[{.\u2026 \t\n")
Plan = tuple[tuple[str, ...], tuple[str, ...]]  # (required str fields, fields that may nest)
_plans: dict[type[BaseModel], Plan] = {}


def _plan(model: type[BaseModel]) -> Plan:
    plan = _plans.get(model)
    if plan is None:
        required = tuple(
            name
            for name, info in model.model_fields.items()
            if info.is_required() and info.annotation is str
        )
        nested = tuple(
            name for name, info in model.model_fields.items() if _may_nest(info.annotation)
        )
        plan = _plans[model] = (required, nested)
    return plan


def _may_nest(annotation: Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, BaseModel | dict)
    origin = typing.get_origin(annotation)
    if origin is dict or annotation is Any:
        return True
    return any(_may_nest(arg) for arg in typing.get_args(annotation))


def key_count(value: Any) -> int:
    """The number of object keys the validated ``value`` was built from."""
    if isinstance(value, BaseModel):
        count = len(value.__pydantic_fields_set__)
        for name in _plan(type(value))[1]:
            count += key_count(getattr(value, name))
        return count
    if isinstance(value, list | tuple):
        return sum(key_count(item) for item in value) if value else 0
    if isinstance(value, dict):
        return len(value) + sum(key_count(item) for item in value.values())
    return 0


def placeholder(
    value: Any, loc: tuple[str | int, ...] = ()
) -> tuple[tuple[str | int, ...], str] | None:
    """The location and text of the first required string field holding a placeholder."""
    if isinstance(value, BaseModel):
        required, nested = _plan(type(value))
        fields = value.__dict__
        for name in required:
            text = fields[name]
            if (text[:1] in _MARKS or text in _QUICK) and is_placeholder(text):
                return (*loc, name), text
        for name in nested:
            found = placeholder(fields[name], (*loc, name))
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for n, item in enumerate(value):
            if isinstance(item, BaseModel | list | tuple | dict):
                found = placeholder(item, (*loc, n))
                if found is not None:
                    return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, BaseModel | list | tuple | dict):
                found = placeholder(item, (*loc, key))
                if found is not None:
                    return found
    return None

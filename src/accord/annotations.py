"""Reading type annotations: union members, TypedDict fields, type names and validators.

Shared by the concepts' declarations (which validate values at run time) and the static checks
(which ask, before anything runs, whether a literal can ever fit), so both read a type the same
way and agree on what fits.
"""

from __future__ import annotations

import types
import typing
from typing import Any, NotRequired, Required

import typing_extensions
from pydantic import TypeAdapter
from typing_extensions import TypedDict

__all__ = ["adapter", "for_pydantic", "type_name", "typed_dict_fields", "union_members"]


class _Probe(TypedDict):
    pass


# The metaclass of typing_extensions' TypedDict, found without reaching into its private names.
_EXTENSIONS_TYPED_DICT = type(_Probe)


def union_members(annotation: Any) -> tuple[Any, ...]:
    """The alternatives of a (possibly ``Annotated``, ``Optional``, nested) union."""
    if typing.get_origin(annotation) is typing.Annotated:
        return union_members(typing.get_args(annotation)[0])
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return tuple(m for a in typing.get_args(annotation) for m in union_members(a))
    return (annotation,)


def typed_dict_fields(td: Any, *, extras: bool = False) -> dict[str, Any]:
    """Field name -> annotation of a TypedDict (``Annotated`` kept when ``extras``)."""
    return typing.get_type_hints(td, include_extras=extras)


def for_pydantic(td: Any) -> Any:
    """Pydantic needs typing_extensions.TypedDict before Python 3.12; users may write either."""
    if isinstance(td, _EXTENSIONS_TYPED_DICT):
        return td
    hints = typed_dict_fields(td, extras=True)
    fields = {
        k: (Required[v] if k in td.__required_keys__ else NotRequired[v]) for k, v in hints.items()
    }
    return TypedDict(td.__name__, fields)  # type: ignore[operator]


_adapters: dict[Any, TypeAdapter[Any] | None] = {}


def adapter(annotation: Any) -> TypeAdapter[Any] | None:
    """A (cached) validator of ``annotation``, or None for a type Pydantic cannot validate."""
    try:
        if annotation not in _adapters:
            _adapters[annotation] = _new_adapter(annotation)
        return _adapters[annotation]
    except TypeError:  # unhashable annotation
        return _new_adapter(annotation)


def _new_adapter(annotation: Any) -> TypeAdapter[Any] | None:
    if typing_extensions.is_typeddict(annotation):
        annotation = for_pydantic(annotation)
    try:
        return TypeAdapter(annotation)
    except Exception:  # a type pydantic cannot validate: nothing to say about it
        return None


def type_name(annotation: Any) -> str:
    """An annotation as a reader would write it: ``int``, ``str | None``, ``list[int]``."""
    if annotation is type(None):
        return "None"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    members = union_members(annotation)
    if len(members) > 1:
        return " | ".join(type_name(m) for m in members)
    return str(annotation).replace("typing.", "").replace("typing_extensions.", "")

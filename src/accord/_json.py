"""JSON for values that are (almost always) JSON already: orjson, with Pydantic behind it.

orjson serializes plain dicts, lists, strings and numbers several times faster than
pydantic-core's type-inferring serializer; anything else it hands to Pydantic (dates,
models, sets, str and int subclasses such as enums), and what it refuses outright (integers
beyond 64 bits, non-string keys) goes to Pydantic whole. NaN and the infinities are not JSON:
they come out as ``null``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from pydantic_core import to_json, to_jsonable_python

__all__ = ["dumps", "plain"]

"""How deeply lists and objects may nest in a value the log stores."""

_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def dumps(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON."""
    try:
        return _orjson(value)
    except TypeError:
        return _pydantic(value)


def plain(value: Any) -> tuple[Any, str]:
    """``value`` as plain JSON data (dicts, lists, strings, numbers, booleans and None), and
    the JSON text that reads back as exactly that data."""
    try:
        text = _orjson(value)
        return orjson.loads(text), text.decode()
    except TypeError:  # the standard library keeps integers beyond 64 bits exact
        text = _pydantic(value)
        return json.loads(text), text.decode()


def _orjson(value: Any) -> bytes:
    return orjson.dumps(value, default=to_jsonable_python, option=_OPTIONS)


def _pydantic(value: Any) -> bytes:
    return to_json(value, inf_nan_mode="null")

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

__all__ = ["MAX_DEPTH", "Unrepresentable", "check_representable", "dumps", "plain"]

MAX_DEPTH = 64
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


class Unrepresentable(ValueError):
    """A value the log cannot store; the message names its JSON path and the problem.

    ``path`` is that JSON path (``$.user.name``, ``$.items[2]``), ``parts`` the same path as
    keys and indexes, ``problem`` the reason alone.
    """

    def __init__(self, parts: tuple[str | int, ...], problem: str) -> None:
        self.parts = parts
        self.path = json_path(parts)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def json_path(parts: tuple[str | int, ...]) -> str:
    """``("user", "tags", 2)`` as ``$.user.tags[2]``; keys that are not identifiers quoted."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier():
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out)


def check_representable(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise `Unrepresentable` if ``value`` cannot be stored as UTF-8 JSON: a string or key
    holding a lone surrogate (``"\\ud800"``), or lists and objects nested deeper than
    ``max_depth``. Other leaves (numbers, dates, models) are left to the serializer."""
    _walk(value, (), max_depth)


def _walk(value: Any, parts: tuple[str | int, ...], room: int) -> None:
    if isinstance(value, str):
        _check_text(value, parts, "")
    elif isinstance(value, dict):
        if room <= 0:
            raise Unrepresentable(parts, _too_deep(len(parts)))
        for key, item in value.items():
            if isinstance(key, str):
                _check_text(key, parts, f"the key {key!r} ")
            _walk(item, (*parts, key if isinstance(key, str) else str(key)), room - 1)
    elif isinstance(value, list | tuple):
        if room <= 0:
            raise Unrepresentable(parts, _too_deep(len(parts)))
        for index, item in enumerate(value):
            _walk(item, (*parts, index), room - 1)


def _too_deep(depth: int) -> str:
    return f"nested deeper than {depth} levels (lists and objects); flatten the value"


def _check_text(text: str, parts: tuple[str | int, ...], what: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise Unrepresentable(
            parts,
            f"{what}holds a lone surrogate (U+{code:04X}) at character {exc.start}, which is "
            "not valid Unicode and cannot be stored as UTF-8",
        ) from None

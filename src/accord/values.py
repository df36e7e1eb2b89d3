"""What a value must be to enter the action log: JSON data that every store can hold.

Everything that reaches the engine (an HTTP request, a line of a data file, a model's answer,
an action's output) is checked here at the edge where it arrives, so that a value the log
cannot store is refused there with a message naming it, instead of failing a whole batch
inside the engine. The walk is iterative: a value nested a million levels deep is refused, not
a ``RecursionError``.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MAX_DEPTH", "Unrepresentable", "check_representable"]

MAX_DEPTH = 64
"""How deeply values may nest (objects and arrays); real payloads stay far below it."""


class Unrepresentable(ValueError):
    """A value that cannot be stored as JSON text, with where and why."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def check_representable(value: Any, *, max_depth: int = MAX_DEPTH, path: str = "$") -> None:
    """Raise :class:`Unrepresentable` unless ``value`` is JSON data the log can store.

    JSON data is dicts with string keys, lists and tuples, strings, integers, finite floats,
    booleans and None. Refused: a lone surrogate in a string or key (not encodable as UTF-8),
    a non-string key, NaN or an infinity, anything else (bytes, sets, objects) and nesting
    deeper than ``max_depth``. ``path`` names the value in the message (``$.user.name``).
    """
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, where)
        elif isinstance(item, bool | int) or item is None:
            continue
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise Unrepresentable(where, f"{item} is not a JSON number; send a finite number")
        elif isinstance(item, dict | list | tuple):
            if depth >= max_depth:
                raise Unrepresentable(
                    where, f"nested more than {max_depth} levels deep; flatten the value"
                )
            if isinstance(item, dict):
                for key, inner in item.items():
                    if not isinstance(key, str):
                        raise Unrepresentable(
                            where, f"key {key!r} is not a string; JSON keys are strings"
                        )
                    _check_text(key, f"{where} (a key)")
                    stack.append((inner, _member(where, key), depth + 1))
            else:
                stack.extend((inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item))
        else:
            raise Unrepresentable(
                where, f"a {type(item).__name__} is not JSON data; convert it to JSON types"
            )


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise Unrepresentable(
            where,
            f"lone surrogate U+{code:04X} at character {exc.start} is not valid Unicode text; "
            "send well-formed UTF-8",
        ) from None


def _member(path: str, key: str) -> str:
    if key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{key!r}]"

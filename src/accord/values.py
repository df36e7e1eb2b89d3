"""What a value must be to enter the action log: JSON data that every store can hold.

Everything that reaches the engine (an HTTP request, a line of a data file, a model's answer,
an action's output) is checked here at the edge where it arrives, so that a value the log
cannot store is refused there with a message naming it, instead of failing a whole batch
inside the engine. The walk is iterative: a value nested a million levels deep is refused, not
a ``RecursionError``.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["MAX_DEPTH", "Unrepresentable", "check_representable", "json_path"]

MAX_DEPTH = 64
"""How deeply values may nest (objects and arrays); real payloads stay far below it."""


class Unrepresentable(ValueError):
    """A value that cannot be stored as JSON text; the message names where and why.

    ``parts`` is the place as keys and indexes (``("user", "names", 1)``), ``path`` the same
    as text (``$.user.names[1]``, or under another root such as ``body.user.names[1]``),
    ``problem`` the reason alone.
    """

    def __init__(self, parts: tuple[str | int, ...], problem: str, root: str = "$") -> None:
        self.parts = parts
        self.path = json_path(parts, root)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def json_path(parts: tuple[str | int, ...], root: str = "$") -> str:
    """``("user", "tags", 2)`` as ``$.user.tags[2]``; keys that are not identifiers quoted."""
    out = [root]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier():
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out)


def check_representable(value: Any, *, max_depth: int = MAX_DEPTH, path: str = "$") -> None:
    """Raise :class:`Unrepresentable` unless ``value`` is JSON data the log can store.

    JSON data is dicts with string keys, lists and tuples, strings, integers, finite floats,
    booleans and None. Refused: a lone surrogate in a string or key (not encodable as UTF-8),
    a non-string key, NaN or an infinity, anything else (bytes, sets, objects) and nesting
    deeper than ``max_depth``. ``path`` is the root the message names the value from.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, parts = stack.pop()
        if isinstance(item, str):
            _check_text(item, parts, "", path)
        elif isinstance(item, bool | int) or item is None:
            continue
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise Unrepresentable(
                    parts, f"{item} is not a JSON number; send a finite number", path
                )
        elif isinstance(item, dict | list | tuple):
            if len(parts) >= max_depth:
                raise Unrepresentable(
                    parts, f"nested more than {max_depth} levels deep; flatten the value", path
                )
            if isinstance(item, dict):
                for key, inner in item.items():
                    if not isinstance(key, str):
                        raise Unrepresentable(
                            parts, f"key {key!r} is not a string; JSON keys are strings", path
                        )
                    _check_text(key, parts, f"the key {key!r} holds a ", path)
                    stack.append((inner, (*parts, key)))
            else:
                stack.extend((inner, (*parts, i)) for i, inner in enumerate(item))
        else:
            raise Unrepresentable(
                parts, f"a {type(item).__name__} is not JSON data; convert it to JSON types", path
            )


def _check_text(text: str, parts: tuple[str | int, ...], what: str, root: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise Unrepresentable(
            parts,
            f"{what or ''}lone surrogate U+{code:04X} at character {exc.start} is not valid "
            "Unicode text; send well-formed UTF-8",
            root,
        ) from None

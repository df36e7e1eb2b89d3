"""Serialize values the way models write them: quote style, bare keys, literals, commas."""

from __future__ import annotations

import json
from typing import Any

_LITERALS = {
    "json": {None: "null", True: "true", False: "false"},
    "python": {None: "None", True: "True", False: "False"},
}


def render(
    value: Any,
    *,
    quote: str = '"',
    keys: str = '"',
    literals: str = "json",
    trailing: bool = False,
    indent: int = 2,
    level: int = 0,
) -> str:
    """Pretty-print ``value`` in a JSON-like dialect.

    ``quote``: string quote character; ``keys``: ``'"'``, ``"'"`` or ``"bare"``;
    ``literals``: ``"json"`` or ``"python"``; ``trailing``: add trailing commas.
    """
    pad, inner = " " * (indent * level), " " * (indent * (level + 1))

    def nested(item: Any) -> str:
        return render(
            item,
            quote=quote,
            keys=keys,
            literals=literals,
            trailing=trailing,
            indent=indent,
            level=level + 1,
        )

    if isinstance(value, dict):
        if not value:
            return "{}"
        parts = [f"{key_text(k, keys)}: {nested(v)}" for k, v in value.items()]
        tail = "," if trailing else ""
        return "{\n" + ",\n".join(inner + p for p in parts) + tail + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        tail = "," if trailing else ""
        return "[" + ", ".join(nested(v) for v in value) + tail + "]"
    if isinstance(value, str):
        return str_text(value, quote)
    if value is None or isinstance(value, bool):
        return _LITERALS[literals][value]
    return json.dumps(value)


def key_text(key: str, style: str) -> str:
    """A key, bare or quoted."""
    return key if style == "bare" else str_text(key, style)


def str_text(text: str, quote: str) -> str:
    """A string literal with ``quote`` as delimiter, escaped as a model would."""
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    if quote == "'":
        body = body.replace('\\"', '"').replace("'", "\\'")
    return quote + body + quote

"""The checks the HTTP edge makes before a request reaches the engine: nesting and
representability. Each returns a one-line message naming the field and the fix, or None."""

from __future__ import annotations

import re
from array import array
from itertools import accumulate
from typing import Any

from accord.values import Unrepresentable, check_representable

__all__ = ["nesting_exceeds", "refusal"]

# A JSON string with its escapes; possessive, so a long string is one linear pass.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
# Opening brackets step +1, closing ones -1 (0xff is -1 as a signed byte); the rest is deleted.
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the JSON text ``raw`` nests objects and arrays more than ``limit`` levels.

    A scan of the bytes, without parsing and without recursion, so that it can run before
    ``json.loads`` (which recurses, and fails with ``RecursionError`` near 1,000 levels). Text
    that is not JSON may be misjudged either way; the parser refuses it next.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:  # the common case: no scan at all
        return False
    steps = array("b", _STRING.sub(b"", raw).translate(_STEPS, _NOT_BRACKETS))
    return max(accumulate(steps), default=0) > limit


def refusal(field: str, value: Any, *, max_depth: int) -> str | None:
    """Why ``value`` (named ``field`` in the message: ``body``, ``query``...) cannot enter the
    log, or None when it can."""
    try:
        check_representable(value, max_depth=max_depth, path=field)
    except Unrepresentable as exc:
        return f"{exc.path}: {exc.problem}"
    return None

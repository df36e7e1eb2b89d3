"""Size limits of model answers: what a task accepts, and how much of an answer is stored.

A model answer is checked before it is parsed (its length and how deeply it nests) and after
(every value must be storable in the log); what fails is an ``invalid_output`` naming the
reason, never an engine failure. Stored copies of the raw text are cut to a limit with a marker
that says how long the answer was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Limits", "clip_text", "nesting_depth", "storable"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits on one task's model answers.

    ``answer_chars``: longer answers are refused (``invalid_output``, reason ``too_large``)
    before parsing; a million characters is about 1 MB of ASCII text. ``stored_raw_chars``:
    the raw answer kept in attempts, failures and the log is cut to this many characters, with
    a marker naming the full length. ``depth``: answers whose lists and objects nest deeper are
    refused (``too_deep``); it stays below the log's own limit of 64, since the log wraps the
    answer (``{"output": ...}``) and syncs may nest it further. ``errors``: at most this many
    validation errors are kept and sent back in a re-ask.
    """

    answer_chars: int = 1_000_000
    stored_raw_chars: int = 16_384
    depth: int = 32
    errors: int = 50

    def __post_init__(self) -> None:
        for name in ("answer_chars", "stored_raw_chars", "depth", "errors"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits: {name} must be >= 1, got {getattr(self, name)}")


def clip_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with a marker naming its full length, and with any
    lone surrogate replaced by U+FFFD, so that it can always be stored as UTF-8."""
    if len(text) > limit:
        text = f"{text[:limit]}…[truncated: {len(text):,} chars, kept the first {limit:,}]"
    return _valid_unicode(text)


def _valid_unicode(text: str) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # UTF-16 joins surrogate pairs written as two code points and replaces lone ones.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def storable(value: Any, limit: int) -> Any:
    """A plain-JSON copy of ``value`` (dicts, lists, tuples, strings, numbers, booleans, None) with
    every string clipped by `clip_text` and any other object as its clipped ``str``.

    For validation errors, whose ``input`` may be a whole (huge, or unstorable) answer.
    """
    if isinstance(value, str):
        return clip_text(value, limit)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {clip_text(str(k), limit): storable(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v, limit) for v in value]
    if isinstance(value, tuple):  # kept a tuple: pydantic's ``loc`` is one
        return tuple(storable(v, limit) for v in value)
    return clip_text(str(value), limit)


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def nesting_depth(text: str, stop_at: int) -> tuple[int, int]:
    """How deeply brackets nest in ``text`` outside double-quoted strings, as ``(depth,
    position)``; stops at the first position where the depth reaches ``stop_at``, and answers
    ``(0, 0)`` at once when ``text`` has too few brackets to reach it.

    Cheap (one regular-expression pass over brackets and strings) so that it can run before
    the parser, whose lenient reader is slow on pathological nesting.
    """
    if text.count("[") + text.count("{") < stop_at:
        return 0, 0
    return _deepest(_TOKENS.finditer(text), stop_at)


def _deepest(tokens: Iterable[re.Match[str]], stop_at: int) -> tuple[int, int]:
    depth = deepest = at = 0
    for token in tokens:
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, token.start()
                if depth >= stop_at:
                    break
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest, at

"""The checks a model answer passes before it becomes a value: the task's `Limits` (size,
nesting), storability in the log (no lone surrogates), then the lenient parser. A refused answer
raises `OutputError`, which the pipeline turns into an ``invalid_output`` attempt and a re-ask.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import TypeAdapter

from accord.llm.grounding import Grounding, Ungrounded
from accord.llm.limits import clip_text, nesting_depth, storable
from accord.llm.parsing import OutputError, Parsed, parse
from accord.llm.spec import TaskSpec
from accord.values import Unrepresentable, check_representable

__all__ = ["bounded_errors", "clip", "grounding_errors", "read_answer"]


def read_answer(task: TaskSpec[Any], adapter: TypeAdapter[Any], text: str) -> Parsed[Any]:
    """Parse an answer within the task's limits; raises `OutputError` for a refused one.

    Size and nesting are checked first (they bound the parser's work); an answer holding a
    lone surrogate is refused naming its field, since the log could not store the value.
    """
    limits = task.limits
    if len(text) > limits.answer_chars:
        raise _refusal(
            text,
            "too_large",
            f"the answer has {len(text):,} characters, more than the "
            f"{limits.answer_chars:,} this task accepts (Limits.answer_chars); answer with "
            "the JSON value only",
        )
    depth, at = nesting_depth(text, limits.depth + 1)
    if depth > limits.depth:
        raise _refusal(
            text,
            "too_deep",
            f"lists and objects nest deeper than {limits.depth} levels (at "
            f"character {at}; Limits.depth); answer with a flatter value",
            pos=at,
        )
    if _SURROGATE.search(text) or not _is_utf8(text):
        _refuse_surrogates(task, adapter, text)
    parsed = parse(text, adapter, max_cost=task.max_repair_cost)
    try:
        check_representable(task.dump(parsed.value), max_depth=limits.depth)
    except Unrepresentable as exc:
        raise OutputError(text, [_unstorable(exc)], parsed.repairs) from None
    return parsed


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _is_utf8(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_surrogates(task: TaskSpec[Any], adapter: TypeAdapter[Any], text: str) -> None:
    """Raise `OutputError` naming the field of the first lone surrogate in ``text``, if any
    (escaped as ``\\ud800`` or as a character)."""
    try:
        value = json.loads(text)
    except RecursionError:
        return  # the nesting check has run; the parser reports what is left
    except ValueError:  # not plain JSON: read it leniently with a stand-in for each surrogate
        position = _first_lone(text)
        if position is None:
            return
        marked = _LONE_ESCAPE.sub(lambda _: r"\udbff\udffd", _valid_or_marked(text))
        try:
            value = task.dump(parse(marked, adapter, max_cost=task.max_repair_cost).value)
        except OutputError:
            value = None
        parts = _path_of_mark(value, ())
        if parts is None:
            raise _refusal(
                text,
                "unrepresentable",
                f"the reply holds a lone surrogate at character "
                f"{position}, which is not valid Unicode; use only valid characters",
                pos=position,
            ) from None
        raise OutputError(text, [_unstorable(Unrepresentable(parts, _LONE))]) from None
    try:
        check_representable(value)
    except Unrepresentable as exc:
        raise OutputError(text, [_unstorable(exc)]) from None


_MARK = "\U0010fffd"  # a private-use character (escaped in JSON as \udbff\udffd): a stand-in
_LONE = "lone surrogate: not valid Unicode text, it cannot be stored as UTF-8"


def _first_lone(text: str) -> int | None:
    found = _LONE_ESCAPE.search(text)
    unencodable = _first_unencodable(text)
    positions = [p for p in (found.start() if found else None, unencodable) if p is not None]
    return min(positions, default=None)


def _valid_or_marked(text: str) -> str:
    if _is_utf8(text):
        return text
    joined = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return joined.replace("\ufffd", _MARK) if "\ufffd" not in text else joined


def _path_of_mark(value: Any, parts: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    if isinstance(value, str):
        return parts if _MARK in value else None
    items: Any = (
        value.items()
        if isinstance(value, dict)
        else (enumerate(value) if isinstance(value, list) else ())
    )
    for key, item in items:
        found = _path_of_mark(item, (*parts, key))
        if found is not None:
            return found
    return None


def _first_unencodable(text: str) -> int | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _unstorable(exc: Unrepresentable) -> dict[str, Any]:
    return {"type": "unrepresentable", "loc": exc.parts, "msg": exc.problem}


def _refusal(text: str, reason: str, msg: str, **extra: Any) -> OutputError:
    """A parser-style error about the reply as a whole (shown as such in a re-ask)."""
    return OutputError(
        text, [{"type": "json_invalid", "reason": reason, "loc": (), **extra, "msg": msg}]
    )


_ERROR_TEXT = 1_000
"""Characters kept of each string in a stored validation error."""
_ERROR_INPUT = 200
"""Characters kept of a failing string value: the error names the field; the raw text is kept
once, in the attempt."""


def bounded_errors(task: TaskSpec[Any], exc: OutputError) -> tuple[tuple[dict[str, Any], ...], str]:
    """The first ``Limits.errors`` validation errors, storable, and the re-ask text for them."""
    limit = task.limits.errors
    kept = exc.errors[:limit]
    text = OutputError(exc.raw, kept).field_errors_text()
    if len(exc.errors) > limit:
        text += f"\n- and {len(exc.errors) - limit:,} more errors"
    errors = tuple(storable(_short_input(e), _ERROR_TEXT) for e in kept)
    return errors, clip_text(text, task.limits.stored_raw_chars)


def grounding_errors(
    task: TaskSpec[Any], found: tuple[Ungrounded, ...]
) -> tuple[tuple[dict[str, Any], ...], str]:
    """The ungrounded fields as storable validation errors, and the re-ask text for them."""
    kept = found[: task.limits.errors]
    errors = tuple(storable(_short_input(u.error()), _ERROR_TEXT) for u in kept)
    text = Grounding.errors_text(kept)
    if len(found) > len(kept):
        text += f"\n- and {len(found) - len(kept):,} more ungrounded fields"
    return errors, clip_text(text, task.limits.stored_raw_chars)


def _short_input(error: dict[str, Any]) -> dict[str, Any]:
    """``error`` without a copy of the answer: a failing string is cut short and an object or
    list (a ``missing`` error's input is the whole enclosing object) is left out."""
    value = error.get("input")
    if isinstance(value, str):
        return {**error, "input": clip_text(value, _ERROR_INPUT)}
    if isinstance(value, dict | list | tuple):
        return {k: v for k, v in error.items() if k != "input"}
    return error


def clip(task: TaskSpec[Any], text: str) -> str:
    """``text`` as stored: cut to ``Limits.stored_raw_chars`` with a marker, valid Unicode."""
    return clip_text(text, task.limits.stored_raw_chars)

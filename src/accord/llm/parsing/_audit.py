"""Cheap checks of a validated value: how many keys it came from, and placeholders.

The fast path validates strictly valid JSON directly; these checks tell it when the text
needs a closer look (a duplicate key, a key nobody read, template residue in a field).
Each output type gets an `Audit` generated once from its annotations as straight-line
code: on a clean reply it costs a few operations per field, where a generic walk with a
call per check costs as much as validating a small model.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import re
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from accord.llm.parsing._normalize import PLACEHOLDER_WORDS, is_placeholder

Audit = Callable[[Any], int]
"""The number of object keys a validated value was built from, or -1 when the value needs
the lenient path's closer look (a placeholder in a required string field, or a model
built from no key at all)."""

_SPACES = frozenset(chr(code) for code in range(0x3001) if chr(code).isspace())
_MARKS = frozenset("<[{.\u2026")
_LETTERS = frozenset(word[0] for word in PLACEHOLDER_WORDS if word[0].isalpha())
_LETTERS |= frozenset(letter.upper() for letter in _LETTERS)
_LONGEST_WORD = max(len(word) for word in PLACEHOLDER_WORDS)
# `is_placeholder` accepts a string only if, once stripped, it starts with a mark, is all
# dots, or is a placeholder word: so its first character is a space, a mark or a word's
# first letter. Most values fail that one set lookup; a word must also be short (or end
# in spaces), and then it is exactly a word once stripped and lowered.
_CHECK = """\
first = text[:1]
if first in SUSPECT:
    if first in LETTERS:
        if (len(text) <= LONGEST or text[-1:] in SPACES) and text.rstrip().lower() in WORDS:
            {action}
    elif is_placeholder(text):
        {action}"""
_KEY_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"\s*(:?)')
_SCALARS = (enum.Enum, datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, uuid.UUID)
_INLINE_DEPTH = 3


def _scope() -> dict[str, Any]:
    return {
        "SUSPECT": _MARKS | _LETTERS | _SPACES,
        "LETTERS": _LETTERS,
        "SPACES": _SPACES,
        "LONGEST": _LONGEST_WORD,
        "WORDS": PLACEHOLDER_WORDS,
        "is_placeholder": is_placeholder,
    }


def _quick_placeholder() -> Callable[[str], bool]:
    source = "def quick(text):\n" + _indent(_CHECK.format(action="return True"), 1)
    scope = _scope()
    exec(source + "\n    return False", scope)  # our own constant source
    function: Callable[[str], bool] = scope["quick"]
    return function


def _indent(block: str, level: int) -> str:
    return "\n".join("    " * level + line for line in block.splitlines())


is_placeholder_quick = _quick_placeholder()
"""`is_placeholder` through the filter the audits use; equal to it on every string."""


def key_tokens(text: str) -> int:
    """The number of object keys written in ``text``, which must be valid JSON."""
    # Every string token is consumed in order, so a colon inside a string is never
    # mistaken for the colon after a key.
    return _KEY_TOKEN.findall(text).count(":")


# --- what a type holds ----------------------------------------------------------------


def _shape(annotation: Any) -> tuple[str, Any]:
    """How values of ``annotation`` hold keys: ``("none", None)`` (scalars), ``("model",
    cls)``, ``("optional", inner)``, ``("items", inner)`` (lists, tuples, sets),
    ``("dict", inner)`` or ``("generic", None)`` (anything else: looked at when met)."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _shape(args[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    if annotation in (str, int, float, bool, bytes, type(None)) or origin is typing.Literal:
        return "none", None
    if isinstance(annotation, type) and issubclass(annotation, _SCALARS):
        return "none", None
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in args if arg is not type(None)]
        if len(options) == 1:
            inner = _shape(options[0])
            return ("none", None) if inner[0] == "none" else ("optional", inner)
        if all(_shape(arg)[0] == "none" for arg in options):
            return "none", None
        return "generic", None
    if args and (origin in (list, set, frozenset) or (origin is tuple and args[-1:] == (...,))):
        inner = _shape(args[0])
        return ("none", None) if inner[0] == "none" else ("items", inner)
    if origin is dict and len(args) == 2:
        return "dict", _shape(args[1])
    return "generic", None


# --- generated audits ---------------------------------------------------------------------


class _Source:
    """The source of one audit function, and the names it refers to."""

    def __init__(self, refuse: str = "return -1") -> None:
        self.refuse = refuse  # the statement run when the value needs a closer look
        self.lines: list[str] = []
        self.scope = _scope()
        self._names = 0

    def name(self, prefix: str) -> str:
        self._names += 1
        return f"{prefix}{self._names}"

    def add(self, level: int, block: str) -> None:
        self.lines.append(_indent(block, level))

    def model(
        self, model: type[BaseModel], value: str, level: int, inlined: tuple[type, ...]
    ) -> None:
        """Check ``model``'s required strings and count its keys, then its fields'."""
        fields = self.name("fields")
        self.add(level, f"{fields} = {value}.__dict__")
        for name, info in model.model_fields.items():
            if info.is_required() and info.annotation is str:
                self.add(level, f"text = {fields}[{name!r}]")
                self.add(level, _CHECK.format(action=self.refuse))
        self.add(level, f"count += len({value}.__pydantic_fields_set__)")
        for name, info in model.model_fields.items():
            self.value(_shape(info.annotation), f"{fields}[{name!r}]", level, (*inlined, model))

    def value(
        self, shape: tuple[str, Any], value: str, level: int, inlined: tuple[type, ...]
    ) -> None:
        kind, inner = shape
        if kind == "none":
            return
        if kind == "model" and inner not in inlined and len(inlined) < _INLINE_DEPTH:
            self.model(inner, value, level, inlined)
            return
        if kind == "optional":
            item = self.name("item")
            self.add(level, f"{item} = {value}\nif {item} is not None:")
            self.value(inner, item, level + 1, inlined)
            return
        if kind == "items":
            item = self.name("item")
            self.add(level, f"for {item} in {value}:")
            self.value(inner, item, level + 1, inlined)
            return
        if kind == "dict":
            self.add(level, f"count += len({value})")
            if inner[0] != "none":
                item = self.name("item")
                self.add(level, f"for {item} in {value}.values():")
                self.value(inner, item, level + 1, inlined)
            return
        # A model met again (recursion) or deep down, or a type looked at when met.
        function = self.name("audit")
        self.scope[function] = _model_function(inner) if kind == "model" else generic
        self.add(level, f"found = {function}({value})\nif found < 0:\n    {self.refuse}")
        self.add(level, "count += found")

    def compile(self) -> Audit:
        source = "def audit(value):\n    count = 0\n" + "\n".join(self.lines)
        exec(source + "\n    return count", self.scope)  # field names are repr()-quoted
        audit: Audit = self.scope["audit"]
        return audit


def fast_reader(
    output_type: Any,
    validate_json: Callable[..., Any],
    result: type[tuple[Any, ...]],
    *,
    top_model: bool = False,
    floats: bool = False,
) -> Callable[[str], Any]:
    """One function that validates strictly valid JSON and audits it, generated as straight
    code for ``output_type``: ``result((value, (), text))`` (built as a tuple) when the text
    is clean, None when it needs the lenient path's closer look; raises ValidationError
    when it does not validate. With ``floats`` (the type holds a float, which Pydantic reads
    from ``NaN`` and ``Infinity``), text holding those words takes the lenient path, which
    refuses them: they say the model had no number to give.

    The same checks as `auditor`, fused with validation and the key count so that a clean
    reply costs no call beyond validation itself.
    """
    source = _Source(refuse="return None")
    source.scope.update(
        validate_json=validate_json,
        RESULT=result,
        new=tuple.__new__,
        key_tokens=key_tokens,
    )
    if top_model:
        source.add(1, "if not value.__pydantic_fields_set__:\n    return None")
    if floats:
        source.add(1, "if 'NaN' in raw or 'Infinity' in raw:\n    return None")
    source.value(_shape(output_type), "value", 1, ())
    body = "\n".join(source.lines)
    code = (
        # ``raw``, not ``text``: the placeholder checks use ``text`` for field values.
        "def fast(raw):\n    value = validate_json(raw, strict=True)\n    count = 0\n"
        f"{body}\n"
        # More keys in the text than the value was built from means a duplicate key, or
        # a key in another spelling that validation ignored. Every key is followed by a
        # colon, so when the colons match the keys there is nothing more to count.
        "    if count != raw.count(':') and count != key_tokens(raw):\n        return None\n"
        "    return new(RESULT, (value, (), raw))"
    )
    exec(code, source.scope)  # field names are repr()-quoted
    function: Callable[[str], Any] = source.scope["fast"]
    return function


def auditor(output_type: Any, *, top_model: bool = False) -> Audit:
    """The audit of values validated as ``output_type`` (a type expression).

    With ``top_model`` (``output_type`` is a model that ignores unknown keys), a value
    built from no key at all also returns -1: it may be all defaults because every key
    the model was given was ignored.
    """
    source = _Source()
    if top_model:
        source.add(1, "if not value.__pydantic_fields_set__:\n    return -1")
    source.value(_shape(output_type), "value", 1, ())
    return source.compile()


_model_functions: dict[type[BaseModel], Audit] = {}


def _model_function(model: type[BaseModel]) -> Audit:
    """The audit of one model, for models met recursively; compiled on first use."""
    function = _model_functions.get(model)
    if function is None:

        def lazy(value: Any) -> int:
            compiled = _model_functions[model] = auditor(model)
            return compiled(value)

        function = _model_functions[model] = lazy
    return function


def generic(value: Any) -> int:
    """The audit of a value of any type, by looking at what it is."""
    if isinstance(value, BaseModel):
        return _model_function(type(value))(value)
    if isinstance(value, list | tuple | set | frozenset):
        items: Any = value
    elif isinstance(value, dict):
        items = value.values()
    else:
        return 0
    count = len(value) if isinstance(value, dict) else 0
    for item in items:
        found = generic(item)
        if found < 0:
            return -1
        count += found
    return count


# --- the lenient path's check ----------------------------------------------------------------


def placeholder(
    value: Any, loc: tuple[str | int, ...] = ()
) -> tuple[tuple[str | int, ...], str] | None:
    """The location and text of the first required string field holding a placeholder."""
    if isinstance(value, BaseModel):
        fields = value.__dict__
        for name, info in type(value).model_fields.items():
            item = fields[name]
            if info.annotation is str and info.is_required():
                if is_placeholder(item):
                    return (*loc, name), item
            elif isinstance(item, _CONTAINERS):
                found = placeholder(item, (*loc, name))
                if found is not None:
                    return found
        return None
    if isinstance(value, list | tuple):
        for n, item in enumerate(value):
            if isinstance(item, _CONTAINERS):
                found = placeholder(item, (*loc, n))
                if found is not None:
                    return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, _CONTAINERS):
                found = placeholder(item, (*loc, key))
                if found is not None:
                    return found
    return None


_CONTAINERS = (BaseModel, list, tuple, dict)

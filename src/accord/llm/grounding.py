"""Grounding: what counts as evidence for each field of a model's answer.

Schema validation proves an answer has the right shape; grounding proves that what it asserts
comes from the input. Declare, per output field, the rules that ground it:

- `occurs_in` ``(source)``: the value occurs in the input text ``source`` after normalization
  (Unicode NFKC, case folding, runs of whitespace as one space), as whole words;
- `one_of` ``(source)``: the value is one of the candidates the caller found in the input
  (a list of strings, or of objects with a ``"value"``);
- `parses_as` ``(source, parser)``: the value equals one a parser reads from a span of the text
  (a date written "4 March 2021", a phone number written "(415) 555-0100").

A field is grounded when any of its rules grounds it; a null (or absent) value asserts nothing
and is grounded unless the field is listed in ``required``. `Grounding.check` runs after schema
validation and returns one `Ungrounded` per field that failed, naming the field and the reason;
`Ungrounded.error` is the same finding as a validation-error dict (``type: "ungrounded"``), so
an ungrounded answer is an ``invalid_output`` failure that syncs route like any other: re-ask
with the candidates, the next model, or a person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

__all__ = [
    "Grounding",
    "Rule",
    "Ungrounded",
    "fold",
    "occurs_in",
    "one_of",
    "parses_as",
]


def fold(text: str) -> str:
    """The normalization every rule applies: NFKC, case folding, whitespace runs as one space.

    Only differences a reviewer would not call a change of value: "JO  PARK" is "jo park", but
    "Jo Parks" is not "Jo Park" and "jo.park@acme.io" is not "jopark@acme.io".
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class Ungrounded:
    """A field whose value the input does not support, and why."""

    field: str
    value: Any
    reason: str

    def error(self) -> dict[str, Any]:
        """The finding as a validation-error dict (what re-asks and failures carry)."""
        return {"type": "ungrounded", "loc": (self.field,), "msg": self.reason, "input": self.value}

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Rule:
    """One way a value can be grounded: ``check(value, inputs)`` returns None or the reason;
    ``sources`` are the inputs it reads."""

    describe: str
    check: Callable[[str, Mapping[str, Any]], str | None]
    sources: tuple[str, ...] = ()


def _source_text(inputs: Mapping[str, Any], source: str) -> str:
    if source not in inputs:
        raise KeyError(f"grounding source {source!r} is not an input; inputs: {', '.join(inputs)}")
    value = inputs[source]
    return value if isinstance(value, str) else str(value)


def occurs_in(source: str) -> Rule:
    """Grounded when the folded value occurs in input ``source`` as whole words."""

    def check(value: str, inputs: Mapping[str, Any]) -> str | None:
        wanted = fold(value)
        if not wanted:
            return "the value is empty"
        haystack = fold(_source_text(inputs, source))
        pattern = rf"(?<![\w]){re.escape(wanted)}(?![\w])"
        if re.search(pattern, haystack):
            return None
        return f"{value!r} does not occur in the {source}"

    return Rule(f"occurs in {source}", check, (source,))


def _candidates(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    found: list[str] = []
    for item in raw if isinstance(raw, Iterable) else [raw]:
        if isinstance(item, Mapping):
            item = item.get("value")
        if item is not None:
            found.append(str(item))
    return found


def one_of(source: str) -> Rule:
    """Grounded when the folded value equals one of the candidates in input ``source``."""

    def check(value: str, inputs: Mapping[str, Any]) -> str | None:
        if source not in inputs:
            raise KeyError(
                f"grounding source {source!r} is not an input; inputs: {', '.join(inputs)}"
            )
        options = _candidates(inputs[source])
        if fold(value) in {fold(o) for o in options}:
            return None
        if not options:
            return f"{value!r} was given, but the input has no candidate {source}"
        listed = ", ".join(repr(o) for o in options[:6])
        return f"{value!r} is not among the candidates found in the input: {listed}"

    return Rule(f"one of {source}", check, (source,))


def parses_as(source: str, parser: Callable[[str], Iterable[Any]]) -> Rule:
    """Grounded when the value equals (as text) one of the values ``parser`` reads from the
    text of input ``source`` (each one read from a span of it)."""

    def check(value: str, inputs: Mapping[str, Any]) -> str | None:
        read = {fold(str(v)) for v in parser(_source_text(inputs, source))}
        if fold(value) in read:
            return None
        return f"{value!r} is not what any span of the {source} says"

    return Rule(f"parses as a span of {source}", check, (source,))


class Grounding:
    """Per-field grounding rules for a model's answer (see the module docstring)."""

    def __init__(
        self, rules: Mapping[str, Rule | Sequence[Rule]], *, required: Iterable[str] = ()
    ) -> None:
        if not rules:
            raise ValueError("Grounding needs at least one field, e.g. {'email': one_of('emails')}")
        self.rules: dict[str, tuple[Rule, ...]] = {
            name: (rule,) if isinstance(rule, Rule) else tuple(rule) for name, rule in rules.items()
        }
        for name, listed in self.rules.items():
            if not listed:
                raise ValueError(f"Grounding: field {name!r} has no rule")
        self.required = frozenset(required)

    def check(
        self, output: BaseModel | Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> tuple[Ungrounded, ...]:
        """Every field of ``output`` (a validated answer) that ``inputs`` do not ground."""
        data = output.model_dump(mode="json") if isinstance(output, BaseModel) else dict(output)
        found: list[Ungrounded] = []
        for name, rules in self.rules.items():
            value = data.get(name)
            if value is None:
                if name in self.required:
                    found.append(Ungrounded(name, None, "a value is required and none was given"))
                continue
            reasons: list[str] = []
            for item in value if isinstance(value, list) else [value]:
                text = item if isinstance(item, str) else str(item)
                failed = [r.check(text, inputs) for r in rules]
                if all(f is not None for f in failed):
                    reasons.append("; or ".join(f for f in failed if f is not None))
            if reasons:
                found.append(Ungrounded(name, value, "; ".join(reasons)))
        return tuple(found)

    @staticmethod
    def errors_text(found: Iterable[Ungrounded]) -> str:
        """One line per ungrounded field, as a re-ask shows them to the model."""
        return "\n".join(
            f"- {u.field}: {u.reason}. Use a value from the input or null." for u in found
        )

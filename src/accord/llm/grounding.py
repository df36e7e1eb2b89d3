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
and is grounded unless the field is listed in ``required``.

A rule may also know the closed set of values it accepts (`one_of` does: the candidates).
`Grounding.constrain` turns those sets into ``enum``s in the schema a model is sent, so a model
with constrained decoding (a grammar, a strict JSON schema) can only choose among the candidates
or null: it cannot write a value it was not shown. `Grounding.check` runs after schema
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
    "closed_set",
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


Options = Callable[[Mapping[str, Any]], Sequence[str] | None]
"""The closed set of values a rule accepts for these inputs, or None when the set is open."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One way a value can be grounded: ``check(value, inputs)`` returns None or the reason;
    ``sources`` are the inputs it reads; ``options``, when given, returns the only values the
    rule can accept for these inputs (None: any value may be grounded), which `Grounding.constrain`
    offers a model as its choices."""

    describe: str
    check: Callable[[str, Mapping[str, Any]], str | None]
    sources: tuple[str, ...] = ()
    options: Options | None = None


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

    def options(inputs: Mapping[str, Any]) -> list[str]:
        return _candidates(inputs.get(source))

    return Rule(f"one of {source}", check, (source,), options)


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

    def choices(self, inputs: Mapping[str, Any]) -> dict[str, list[str]]:
        """Per field whose every rule has a closed set of values for ``inputs``: the union of
        those sets (first spelling of each folded value kept). Fields with an open rule are
        absent; an empty list means no value can be grounded (only null)."""
        found: dict[str, list[str]] = {}
        for name, rules in self.rules.items():
            values: dict[str, str] = {}
            for rule in rules:
                listed = rule.options(inputs) if rule.options is not None else None
                if listed is None:
                    break
                for value in listed:
                    values.setdefault(fold(value), value)
            else:
                found[name] = list(values.values())
        return found

    def constrain(self, schema: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """``schema`` (an object schema) with each field that has `choices` narrowed to an
        ``enum`` of them, plus null where the field allows null.

        A model decoding under the schema (a llama.cpp grammar, a strict JSON schema) can then
        only pick a grounded value or say "not given". A field with no choices that cannot be
        null is left open: its answer fails the check as before. The input schema is not
        modified."""
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return schema
        narrowed = dict(properties)
        for name, values in self.choices(inputs).items():
            prop = properties.get(name)
            if isinstance(prop, dict):
                new = closed_set(prop, values)
                if new is not None:
                    narrowed[name] = new
        return {**schema, "properties": narrowed}

    @staticmethod
    def errors_text(found: Iterable[Ungrounded]) -> str:
        """One line per ungrounded field, as a re-ask shows them to the model."""
        return "\n".join(
            f"- {u.field}: {u.reason}. Use a value from the input or null." for u in found
        )


def _allows_null(prop: Mapping[str, Any]) -> bool:
    kind = prop.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    options = prop.get("anyOf") or prop.get("oneOf") or ()
    return any(isinstance(o, Mapping) and _allows_null(o) for o in options)


def closed_set(prop: Mapping[str, Any], values: Sequence[str]) -> dict[str, Any] | None:
    """The JSON schema of a string field (or a list of strings) that takes only ``values``
    (or null, when ``prop`` allows null); None when nothing could be chosen.

    Title, description and default are kept; the enum is a string schema so that every
    structured-output dialect (a grammar, a strict schema) reads it the same way."""
    kept = {k: prop[k] for k in ("title", "description", "default") if k in prop}
    if prop.get("type") == "array":
        return {**prop, "items": {"type": "string", "enum": list(values)}} if values else None
    nullable = _allows_null(prop)
    if not values:
        return {**kept, "type": "null"} if nullable else None
    choice = {"type": "string", "enum": list(values)}
    if nullable:
        return {**kept, "anyOf": [choice, {"type": "null"}]}
    return {**kept, **choice}

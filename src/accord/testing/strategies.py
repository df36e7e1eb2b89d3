"""Hypothesis strategies for a task's output type: valid values, and replies damaged as models
damage them.

::

    @given(valid_instances(Invoice))
    def test_totals_are_consistent(invoice): ...

    @given(malformed_variants(Invoice))
    def test_the_parser_recovers_or_refuses(variant):
        variant.check()   # parses back to variant.expected, or is refused if data was lost

Values are generated from the type's JSON schema (lengths, patterns, bounds, enums, literals,
dates and times, optional and nested models), then validated by the type itself, so custom
validators hold too (values they reject are discarded).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

try:
    from hypothesis import assume
    from hypothesis import strategies as st
    from hypothesis.provisional import urls
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "accord.testing.strategies needs Hypothesis: pip install 'accord[test]' (or hypothesis)"
    ) from exc
from pydantic import BaseModel, TypeAdapter, ValidationError

from accord.llm import Task
from accord.llm.parsing import OutputError, Parsed, is_placeholder, parse

__all__ = [
    "LOSSY",
    "RECOVERABLE",
    "Variant",
    "json_values",
    "malformed_variants",
    "render",
    "valid_instances",
]

T = TypeVar("T")
Schema = dict[str, Any]

_TEXT_MAX = 20
_LIST_MAX = 4
_NESTING = 2  # how many times a recursive model nests in itself before it is made to stop


def _adapter(output: type[T] | TypeAdapter[T] | Task[T]) -> TypeAdapter[T]:
    if isinstance(output, Task):
        return output.adapter
    return output if isinstance(output, TypeAdapter) else TypeAdapter(output)


# --- values from a JSON schema ----------------------------------------------------------------


def json_values(schema: Schema) -> st.SearchStrategy[Any]:
    """JSON values satisfying ``schema`` (the subset Pydantic emits; ``$defs`` references)."""
    return _Builder(schema.get("$defs", {})).build(schema, ())


@dataclass
class _Builder:
    """Builds strategies; ``seen`` is the chain of ``$ref`` names being expanded, so that a
    recursive model stops (empty lists, absent optionals) once it has nested in itself
    ``_NESTING`` times."""

    defs: dict[str, Schema]

    def build(self, schema: Schema | bool, seen: tuple[str, ...]) -> st.SearchStrategy[Any]:
        if schema is True or schema == {}:
            return _any_json()
        if schema is False:
            raise ValueError("valid_instances: the schema allows no value at all (false)")
        assert isinstance(schema, dict)
        deep = any(seen.count(name) > _NESTING for name in seen)
        if "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            if name not in self.defs:
                raise ValueError(f"valid_instances: unresolvable reference {schema['$ref']}")
            return st.deferred(lambda: self.build(self.defs[name], (*seen, name)))
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options: list[Schema] = schema[key]
                if deep and {"type": "null"} in options:
                    return st.none()
                return st.one_of([self.build(option, seen) for option in options])
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.build(schema["allOf"][0], seen)
        kind = schema.get("type")
        if isinstance(kind, list):
            return st.one_of([self.build({**schema, "type": k}, seen) for k in kind])
        if kind == "object" or (kind is None and "properties" in schema):
            return self._object(schema, seen, deep)
        if kind == "array":
            return self._array(schema, seen, deep)
        scalar = _SCALARS.get(str(kind))
        if scalar is None:
            raise ValueError(
                f"valid_instances: cannot generate values for the schema {schema}; "
                "pass your own strategy for this type"
            )
        return scalar(schema)

    def _object(
        self, schema: Schema, seen: tuple[str, ...], deep: bool
    ) -> st.SearchStrategy[dict[str, Any]]:
        properties: dict[str, Schema] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        if not properties:
            extra = schema.get("additionalProperties", True)
            low = int(schema.get("minProperties", 0))
            high = low if deep else int(schema.get("maxProperties", max(low, _LIST_MAX)))
            if high == 0:
                return st.just({})
            values = _any_json() if extra in (True, {}) else self.build(extra, seen)
            return st.dictionaries(st.text(max_size=_TEXT_MAX), values, min_size=low, max_size=high)
        must = {k: self.build(v, seen) for k, v in properties.items() if k in required}
        if deep:  # optional fields stay absent: their defaults end the recursion
            return st.fixed_dictionaries(must)
        may = {k: self.build(v, seen) for k, v in properties.items() if k not in required}
        return st.fixed_dictionaries(must, optional=may)

    def _array(
        self, schema: Schema, seen: tuple[str, ...], deep: bool
    ) -> st.SearchStrategy[list[Any]]:
        low = int(schema.get("minItems", 0))
        high = low if deep else int(schema.get("maxItems", low + _LIST_MAX))
        prefix: list[Schema] = schema.get("prefixItems", [])
        if prefix:
            fixed = st.tuples(*(self.build(s, seen) for s in prefix)).map(list)
            rest = schema.get("items")
            if rest in (None, False) or high <= len(prefix):
                return fixed
            tail = st.lists(self.build(rest, seen), max_size=high - len(prefix))
            return st.tuples(fixed, tail).map(lambda pair: pair[0] + pair[1])
        if high == 0:
            return st.just([])
        items = self.build(schema.get("items", True), seen)
        if schema.get("uniqueItems"):
            return st.lists(items, min_size=low, max_size=high, unique_by=_canonical)
        return st.lists(items, min_size=low, max_size=high)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _any_json() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=_TEXT_MAX)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _string(schema: Schema) -> st.SearchStrategy[str]:
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, _TEXT_MAX)))
    fmt = schema.get("format")
    formatted = _FORMATS.get(str(fmt)) if fmt else None
    if formatted is not None:
        base = formatted
    elif "pattern" in schema:
        base = st.from_regex(str(schema["pattern"]))
    else:
        # A placeholder ("N/A", "TBD", "...") is not a value a model should answer: the parser
        # refuses it in a required field, so a valid reply never holds one.
        return st.text(min_size=low, max_size=high).filter(lambda s: not is_placeholder(s))
    return base.filter(lambda s: low <= len(s) <= high and not is_placeholder(s))


def _integer(schema: Schema) -> st.SearchStrategy[int]:
    low, high = _bounds(schema, integral=True)
    step = schema.get("multipleOf")
    if isinstance(step, int) and step > 0:
        first = math.ceil(low / step) if low is not None else None
        last = math.floor(high / step) if high is not None else None
        return st.integers(first, last).map(lambda n: n * step)
    return st.integers(
        int(low) if low is not None else None, int(high) if high is not None else None
    )


def _number(schema: Schema) -> st.SearchStrategy[float]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    return st.floats(
        min_value=low,
        max_value=high,
        exclude_min="exclusiveMinimum" in schema and "minimum" not in schema,
        exclude_max="exclusiveMaximum" in schema and "maximum" not in schema,
        allow_nan=False,
        allow_infinity=False,
    )


def _bounds(schema: Schema, *, integral: bool) -> tuple[float | None, float | None]:
    low: float | None = schema.get("minimum")
    high: float | None = schema.get("maximum")
    if "exclusiveMinimum" in schema:
        bound = float(schema["exclusiveMinimum"])
        low = math.floor(bound) + 1 if integral else bound
    if "exclusiveMaximum" in schema:
        bound = float(schema["exclusiveMaximum"])
        high = math.ceil(bound) - 1 if integral else bound
    return (
        math.ceil(low) if low is not None else None,
        math.floor(high) if high is not None else None,
    )


_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date": st.dates().map(dt.date.isoformat),
    "date-time": st.datetimes(timezones=st.none() | st.just(dt.UTC)).map(lambda d: d.isoformat()),
    "time": st.times().map(dt.time.isoformat),
    "uuid": st.uuids().map(str),
    "email": st.emails(),
    "duration": st.integers(0, 10**6).map(lambda s: f"PT{s}S"),
    "uri": urls(),
}

_SCALARS: dict[str, Callable[[Schema], st.SearchStrategy[Any]]] = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": lambda _: st.booleans(),
    "null": lambda _: st.none(),
}


def valid_instances(output: type[T] | TypeAdapter[T] | Task[T]) -> st.SearchStrategy[T]:
    """Valid values of ``output`` (a type, a ``TypeAdapter`` or a task's output type)."""
    adapter = _adapter(output)
    data = json_values(adapter.json_schema())

    def validated(value: Any) -> T:
        try:
            return adapter.validate_json(json.dumps(value))
        except ValidationError:
            assume(False)  # a custom validator refused it; try another value
            raise  # unreachable: assume(False) raises

    return data.map(validated)


# --- damaged replies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant(Generic[T]):
    """A reply damaged by ``damage``; ``expected`` is the value it must parse back to, or
    None when data was lost and the reply must be refused (``refused`` is True)."""

    text: str
    damage: tuple[str, ...]
    expected: T | None
    refused: bool
    adapter: TypeAdapter[T] = field(repr=False, compare=False)

    def check(self, *, max_cost: int | None = None) -> Parsed[T] | OutputError:
        """Parse the reply and assert the verdict (the value, or a refusal)."""
        try:
            parsed = parse(self.text, self.adapter, max_cost=max_cost)
        except OutputError as exc:
            if not self.refused:
                raise AssertionError(
                    f"damage {', '.join(self.damage)} should be repaired, but parse refused "
                    f"it:\n{exc.field_errors_text()}\nreply: {self.text!r}"
                ) from exc
            return exc
        if self.refused:
            raise AssertionError(
                f"damage {', '.join(self.damage)} lost data, but parse accepted "
                f"{parsed.value!r}\nreply: {self.text!r}"
            )
        if parsed.value != self.expected:
            raise AssertionError(
                f"damage {', '.join(self.damage)}: parsed {parsed.value!r}, expected "
                f"{self.expected!r}\nreply: {self.text!r}"
            )
        return parsed


_LITERALS = {
    "json": {None: "null", True: "true", False: "false"},
    "python": {None: "None", True: "True", False: "False"},
}
_WORDS = frozenset({"true", "false", "null", "True", "False", "None"})


def render(
    value: Any,
    *,
    quote: Literal['"', "'"] = '"',
    keys: Literal['"', "'", "bare"] = '"',
    literals: Literal["json", "python"] = "json",
    trailing: bool = False,
    indent: int = 2,
    level: int = 0,
) -> str:
    """``value`` (JSON data) pretty-printed in the JSON-like dialect models write.

    ``quote``: the string delimiter; ``keys``: quoted like strings, or ``"bare"`` (only keys
    that are identifiers and not literals; others stay quoted); ``literals``: ``json``
    (``true``/``null``) or ``python`` (``True``/``None``); ``trailing``: a comma after the last
    member of every non-empty object and list.
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

    tail = "," if trailing else ""
    if isinstance(value, dict):
        if not value:
            return "{}"
        parts = [f"{_key_text(str(k), keys)}: {nested(v)}" for k, v in value.items()]
        return "{\n" + ",\n".join(inner + p for p in parts) + tail + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + ", ".join(nested(v) for v in value) + tail + "]"
    if isinstance(value, str):
        return _str_text(value, quote)
    if value is None or isinstance(value, bool):
        return _LITERALS[literals][value]
    return json.dumps(value)


def _key_text(key: str, style: str) -> str:
    if style == "bare":
        if key.isidentifier() and key not in _WORDS:
            return key
        return _str_text(key, '"')
    return _str_text(key, style)


def _str_text(text: str, quote: str) -> str:
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    if quote == "'":
        body = body.replace('\\"', '"').replace("'", "\\'")
    return quote + body + quote


RECOVERABLE = (
    "fence",
    "prose",
    "single_quotes",
    "bare_keys",
    "python_literals",
    "trailing_commas",
    "missing_closers",
)
"""Damage the parser repairs without losing data."""

LOSSY = ("cut_off", "required_key_removed")
"""Damage that loses data: the reply must be refused."""

_PREAMBLES = ("Here is the JSON:\n", "Sure! ", "Result:\n\n")
_POSTSCRIPTS = ("\n\nLet me know if you need anything else.", " (done)")


def malformed_variants(
    output: type[T] | TypeAdapter[T] | Task[T], *, lossy: bool = True
) -> st.SearchStrategy[Variant[T]]:
    """Replies holding a valid value of ``output`` (an object type) as models damage them.

    Recoverable damage (`RECOVERABLE`, combined) comes with the value it must parse back to;
    with ``lossy`` (the default) a share of variants lose data (`LOSSY`: cut before the last
    value ends, a required key removed) and must be refused.
    """
    adapter = _adapter(output)
    if _resolved(adapter.json_schema()).get("type") != "object":
        raise TypeError(
            "malformed_variants needs an object output type (a Pydantic model, TypedDict or "
            f"dataclass), not {output!r}"
        )
    values = valid_instances(adapter)
    closable = _closable(adapter)

    @st.composite
    def variants(draw: st.DrawFn) -> Variant[T]:
        value = draw(values)
        data = adapter.dump_python(value, mode="json", by_alias=True)
        expected = adapter.validate_json(json.dumps(data))
        if lossy and draw(st.booleans()):
            return _lossy(draw, adapter, data)
        chosen = draw(st.sets(st.sampled_from(RECOVERABLE), min_size=1, max_size=4))
        if "missing_closers" in chosen and not closable:
            chosen.discard("missing_closers")
            chosen.add("fence")
        if "missing_closers" in chosen:
            # A comma right before the cut could be followed by lost keys: rightly refused.
            chosen.discard("trailing_commas")
        text = render(
            data,
            quote="'" if "single_quotes" in chosen else '"',
            keys="bare" if "bare_keys" in chosen else "'" if "single_quotes" in chosen else '"',
            literals="python" if "python_literals" in chosen else "json",
            trailing="trailing_commas" in chosen,
        )
        if "missing_closers" in chosen:
            # Only the outermost brace: the parser closes a model it can check field by field.
            cut = text.rstrip()[:-1].rstrip()
            if cut[-1:].isdigit():
                # A number at the end may have lost digits: the parser rightly refuses it.
                chosen.discard("missing_closers")
                chosen.add("fence")
            else:
                text = cut
        if "fence" in chosen and "missing_closers" not in chosen:
            text = "```json\n" + text + "\n```"
        if "prose" in chosen:
            text = draw(st.sampled_from(_PREAMBLES)) + text
            if "missing_closers" not in chosen:
                text += draw(st.sampled_from(_POSTSCRIPTS))
        damage = tuple(d for d in RECOVERABLE if d in chosen)
        return Variant(text, damage, expected, False, adapter)

    return variants()


def _resolved(schema: Schema) -> Schema:
    """The schema itself, or the definition its top-level ``$ref`` names."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        found: Schema = schema.get("$defs", {}).get(ref.rsplit("/", 1)[-1], schema)
        return found
    return schema


def _wrapper_left(data: dict[str, Any], removed: str) -> bool:
    rest = [v for k, v in data.items() if k != removed]
    return len(rest) == 1 and isinstance(rest[0], dict | list)


def _closable(adapter: TypeAdapter[Any]) -> bool:
    """Whether a reply missing its final brace can be completed without guessing: a Pydantic
    model whose fields are all checked (no extra keys allowed)."""
    schema: Any = adapter.core_schema
    while schema.get("type") == "definitions":
        schema = schema["schema"]
    cls = schema.get("cls") if schema.get("type") == "model" else None
    return (
        isinstance(cls, type)
        and issubclass(cls, BaseModel)
        and bool(cls.model_fields)
        and cls.model_config.get("extra") != "allow"
    )


def _lossy(draw: st.DrawFn, adapter: TypeAdapter[T], data: dict[str, Any]) -> Variant[T]:
    # Removing a key must not leave a one-key object around a container: the parser may
    # read that as a wrapper ({"result": {...}}) and take the inner value.
    required = [
        k
        for k in _resolved(adapter.json_schema()).get("required", [])
        if k in data and not _wrapper_left(data, k)
    ]
    kinds = ["cut_off", *(["required_key_removed"] if required else [])]
    kind = draw(st.sampled_from(kinds))
    if kind == "required_key_removed":
        key = draw(st.sampled_from(required))
        text = json.dumps({k: v for k, v in data.items() if k != key})
        return Variant(text, (kind,), None, True, adapter)
    full = json.dumps(data, indent=2, ensure_ascii=False)
    # Cutting only closing braces loses nothing (the parser may close them); any cut before
    # the end of the last value loses data.
    last = len(full.rstrip("} \n"))
    assume(last > 1)
    cut = draw(st.integers(min_value=1, max_value=last - 1))
    return Variant(full[:cut], (kind,), None, True, adapter)

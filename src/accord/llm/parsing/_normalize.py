"""Schema-guided fixes of decoded values: key spellings, numbers, dates, enums, lists.

Each fix has exactly one reading or raises `Refusal`: the parser never picks between two
readings. Fixes are driven by the JSON schema of the output type and by Pydantic's errors.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from accord.llm.parsing._flags import RepairLog

Loc = tuple[str | int, ...]


class Refusal(Exception):
    """A value that cannot be repaired without a guess; ``error`` is a pydantic-style dict."""

    def __init__(self, kind: str, loc: Loc, msg: str, value: Any = None) -> None:
        super().__init__(msg)
        self.error: dict[str, Any] = {"type": kind, "loc": loc, "msg": msg, "input": value}


# --- JSON schema navigation ------------------------------------------------------------

_EMPTY: dict[str, Any] = {}


class Schema:
    """A JSON schema with its navigation remembered per node: built once per output type,
    so a repair walks the schema at the cost of dictionary lookups."""

    __slots__ = ("_options", "_properties", "_spellings", "fields", "root")

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        # Keyed by id(node); each entry keeps its node alive, so an id is never reused.
        self._options: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
        self._properties: dict[int, tuple[Any, dict[str, Any]]] = {}
        self._spellings: dict[int, tuple[Any, dict[str, list[str]]]] = {}
        self.fields = frozenset(self.properties(root))

    def resolve(self, node: Any) -> dict[str, Any]:
        """``node`` with its ``$ref`` followed."""
        while isinstance(node, dict) and "$ref" in node:
            ref = str(node["$ref"]).removeprefix("#/$defs/")
            node = self.root.get("$defs", _EMPTY).get(ref, _EMPTY)
        return node if isinstance(node, dict) else _EMPTY

    def options(self, node: Any) -> list[dict[str, Any]]:
        """The non-null alternatives of ``node`` (``anyOf``/``oneOf`` flattened)."""
        known = self._options.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        resolved = self.resolve(node)
        alternatives = resolved.get("anyOf") or resolved.get("oneOf")
        if not alternatives:
            found = [resolved] if resolved.get("type") != "null" else []
        else:
            found = [option for item in alternatives for option in self.options(item)]
        self._options[id(node)] = (node, found)
        return found

    def properties(self, node: Any) -> dict[str, Any]:
        """The properties of every alternative of ``node``, merged."""
        known = self._properties.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        merged: dict[str, Any] = {}
        for option in self.options(node):
            merged.update(option.get("properties", _EMPTY))
        self._properties[id(node)] = (node, merged)
        return merged

    def spellings(self, node: Any) -> dict[str, list[str]]:
        """The properties of ``node`` by their normalised spelling."""
        known = self._spellings.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        by_norm: dict[str, list[str]] = {}
        for name in self.properties(node):
            by_norm.setdefault(norm(name), []).append(name)
        self._spellings[id(node)] = (node, by_norm)
        return by_norm

    def child(self, node: Any, part: str | int) -> dict[str, Any] | None:
        """The schema of ``part`` (a key or an index) inside values of ``node``."""
        for option in self.options(node):
            if isinstance(part, str) and part in option.get("properties", _EMPTY):
                return self.resolve(option["properties"][part])
            if isinstance(part, str) and isinstance(option.get("additionalProperties"), dict):
                return self.resolve(option["additionalProperties"])
            if isinstance(part, int):
                prefix = option.get("prefixItems")
                if isinstance(prefix, list) and part < len(prefix):
                    return self.resolve(prefix[part])
                if isinstance(option.get("items"), dict):
                    return self.resolve(option["items"])
        return None

    def at(self, path: Loc) -> dict[str, Any] | None:
        """The schema of the value at ``path``."""
        node: dict[str, Any] | None = self.resolve(self.root)
        for part in path:
            if node is None:
                return None
            node = self.child(node, part)
        return node


_SEPARATORS = re.compile(r"[\W_]+")


def norm(key: str) -> str:
    """``key`` without case, spaces, ``-`` and ``_``: the spelling rule for keys and enums."""
    return _SEPARATORS.sub("", key).lower()


# --- key spellings -----------------------------------------------------------------------


def rename_keys(schema: Schema, node: Any, data: Any, loc: Loc, log: RepairLog) -> Any:
    """``data`` with keys written in another case style renamed to the one field they
    match; ``data`` itself when nothing was renamed."""
    if isinstance(data, list):
        changed = False
        items = []
        for n, item in enumerate(data):
            if isinstance(item, dict | list):
                new = rename_keys(schema, schema.child(node, n) or _EMPTY, item, (*loc, n), log)
                changed = changed or new is not item
                item = new
            items.append(item)
        return items if changed else data
    if not isinstance(data, dict):
        return data
    properties = schema.properties(node)
    if not properties:
        return data
    result: dict[str, Any] = data
    if not all(key in properties for key in data):
        result = _renamed(schema.spellings(node), properties, data, loc, log)
    changed = result is not data
    values: dict[str, Any] = {}
    for key, value in result.items():
        if isinstance(value, dict | list):
            new = rename_keys(schema, schema.child(node, key) or _EMPTY, value, (*loc, key), log)
            changed = changed or new is not value
            value = new
        values[key] = value
    return values if changed else result


def _renamed(
    by_norm: dict[str, list[str]],
    properties: dict[str, Any],
    data: dict[str, Any],
    loc: Loc,
    log: RepairLog,
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    for key, value in data.items():
        target = key
        if key not in properties:
            matches = by_norm.get(norm(key), [])
            if len(matches) > 1:
                raise Refusal(
                    "ambiguous_key",
                    (*loc, key),
                    f"key {key!r} could mean any of {', '.join(matches)}; use the exact field name",
                    key,
                )
            if matches:
                target = matches[0]
        if target in result and result[target] != value:
            other = renamed.get(target, target)
            raise Refusal(
                "ambiguous_key",
                (*loc, target),
                f"keys {other!r} and {key!r} both give {target!r}, with different values; "
                f"give {target!r} once",
                value,
            )
        if target != key:
            renamed[target] = key
            log.note("key_case", f"read key {key!r} as field {target!r}")
        result[target] = value
    return result


# --- schema echo and placeholders ----------------------------------------------------------

_SCHEMA_KEYS = frozenset({"$schema", "properties", "required", "additionalProperties", "$defs"})


def check_schema_echo(schema: Schema, data: Any) -> None:
    """Refuse a reply that is a JSON schema (or the model's schema) rather than data."""
    if not isinstance(data, dict):
        return
    fields = schema.fields
    hits = (_SCHEMA_KEYS & data.keys()) - fields
    typed = data.get("type") in ("object", "array") and "type" not in fields
    if hits and (typed or len(hits) > 1 or isinstance(data.get("properties"), dict)):
        raise Refusal(
            "schema_echo",
            (),
            "the reply is a JSON schema, not data; reply with the values themselves",
            sorted(hits),
        )


PLACEHOLDER_WORDS = frozenset(
    word.lower()
    for word in (
        "...",
        "\u2026",
        "TBD",
        "TBA",
        "TODO",
        "N/A",
        "NA",
        "n.a.",
        "unknown",
        "none",
        "null",
        "string",
        "str",
        "text",
        "value",
        "placeholder",
        "lorem ipsum",
        "your name here",
        "not provided",
        "not specified",
        "not available",
        "not mentioned",
    )
)
_BRACKETED = re.compile(r"\A\s*(?:<[^<>]*>|\[[^\[\]]*\]|\{\{?[^{}]*\}?\})\s*\Z")


def is_placeholder(text: str) -> bool:
    """Whether ``text`` is template residue or "I don't know", not a value."""
    stripped = text.strip()
    if stripped.lower() in PLACEHOLDER_WORDS or not stripped.strip(".\u2026"):
        return bool(stripped)
    return _BRACKETED.match(stripped) is not None


# --- value fixes, driven by one validation error ---------------------------------------------

_CURRENCY_SYMBOLS = "$€£¥₹₩₽₺₪₫฿"
_CURRENCY_CODES = frozenset(
    [
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CHF",
        "CAD",
        "AUD",
        "NZD",
        "CNY",
        "RMB",
        "INR",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "BRL",
        "MXN",
        "ZAR",
        "SGD",
        "HKD",
        "KRW",
        "TRY",
        "RUB",
        "ILS",
        "AED",
        "SAR",
    ]
)
_NUMBER_TEXT = re.compile(
    r"\A(?P<sign>[-+\u2212]?)\s*(?P<body>[0-9][0-9.,'\u00a0\u202f _]*?)\s*"
    r"(?P<tail>%|[^\W\d]+(?:\s*/\s*[^\W\d]+)?\.?)?\Z"
)
_UNITS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "kg kgs kilo kilos kilogram kilograms",
        "g gr gram grams",
        "mg milligram milligrams",
        "lb lbs pound pounds",
        "km kilometer kilometers kilometre kilometres",
        "m meter meters metre metres",
        "cm centimeter centimeters centimetre centimetres",
        "mm millimeter millimeters",
        "mi mile miles",
        "ms millisecond milliseconds",
        "s sec secs second seconds",
        "min mins minute minutes",
        "h hr hrs hour hours",
        "d day days",
        "wk week weeks",
        "mo month months",
        "y yr yrs year years",
        "b byte bytes",
        "kb kilobyte kilobytes",
        "mb megabyte megabytes",
        "gb gigabyte gigabytes",
        "tb terabyte terabytes",
        "l liter liters litre litres",
        "ml milliliter milliliters millilitre millilitres",
        "c celsius",
        "f fahrenheit",
        "px pixel pixels",
        "pt point points",
        "item items",
        "unit units",
        "piece pieces pcs pc",
        "person people persons",
        "usd dollar dollars",
        "eur euro euros",
        "gbp",
    )
)


def _field_words(loc: Loc) -> set[str]:
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return set()
    return {word for word in _SEPARATORS.split(names[-1].lower()) if word}


def _unit_named(unit: str, loc: Loc) -> bool:
    unit = unit.lower().rstrip(".")
    words = _field_words(loc)
    if unit in words:
        return True
    return any(unit in group and group & words for group in _UNITS)


def to_number(text: str, loc: Loc, node: dict[str, Any], want_int: bool, log: RepairLog) -> Any:
    """The number ``text`` writes, or `Refusal` when it has no single reading."""
    raw = text
    stripped = text.strip()
    kinds: list[str] = []
    for code in _CURRENCY_CODES:
        if stripped.upper().startswith(code) or stripped.upper().endswith(code):
            if stripped.upper().startswith(code):
                stripped = stripped[len(code) :].strip()
            else:
                stripped = stripped[: -len(code)].strip()
            kinds.append("number_format")
            break
    sign = ""
    if stripped[:1] in "-+\u2212":
        sign, stripped = stripped[0], stripped[1:].strip()
    if stripped[:1] and stripped[0] in _CURRENCY_SYMBOLS:
        stripped = stripped[1:].strip()
        kinds.append("number_format")
    elif stripped[-1:] and stripped[-1] in _CURRENCY_SYMBOLS:
        stripped = stripped[:-1].strip()
        kinds.append("number_format")
    match = _NUMBER_TEXT.match(sign + stripped)
    if match is None:
        raise Refusal(
            "number_parsing",
            loc,
            f"{raw!r} is not a number; give a plain number",
            raw,
        )
    body, tail = match.group("body"), match.group("tail")
    value = _digits(body, loc, raw, want_int, kinds)
    if match.group("sign") in ("-", "\u2212"):
        value = -value
    if tail == "%":
        value = _percent(value, loc, node, raw)
        kinds.append("percent")
    elif tail:
        if not _unit_named(tail, loc):
            raise Refusal(
                "ambiguous_number",
                loc,
                f"{raw!r} has the unit {tail!r}, which the field does not name; "
                "give a plain number in the field's unit",
                raw,
            )
        kinds.append("unit")
    for kind in dict.fromkeys(kinds):
        log.note(kind, f"{_where(loc)}: read {raw!r} as {_plain(value)}")
    if not kinds:
        log.note("coerce_type", f"{_where(loc)}: read {raw!r} as {_plain(value)}")
    if want_int and value == value.to_integral_value():
        return int(value)
    return float(value)


def _digits(body: str, loc: Loc, raw: str, want_int: bool, kinds: list[str]) -> Decimal:
    body = body.replace("\u00a0", " ").replace("\u202f", " ")
    separators = [char for char in body if not char.isdigit()]
    decimal_mark: str | None = None
    group_mark: str | None = None
    if separators:
        last = separators[-1]
        marks = set(separators)
        if len(marks) == 2 and last in ",." and separators.count(last) == 1:
            decimal_mark, group_mark = last, (marks - {last}).pop()
        elif len(marks) == 1 and separators.count(last) > 1:
            group_mark = last
        elif len(marks) == 1 and last in ",.":
            after = body.rsplit(last, 1)[1]
            if len(after) != 3 or body.startswith("0" + last):
                decimal_mark = last
            elif last == "." and not want_int:
                decimal_mark = last  # "1.234" is a decimal number in every JSON reader
            elif want_int:
                group_mark = last
            else:
                raise Refusal(
                    "ambiguous_number",
                    loc,
                    f"{raw!r} could be thousands or a decimal fraction; give a plain number "
                    "with '.' as the decimal mark and no separators",
                    raw,
                )
        elif len(marks) == 1 and last in " '_":
            group_mark = last
        else:
            raise Refusal(
                "number_parsing", loc, f"{raw!r} is not a number; give a plain number", raw
            )
    whole, fraction = body, ""
    if decimal_mark is not None:
        whole, fraction = body.rsplit(decimal_mark, 1)
        if decimal_mark == ",":
            kinds.append("decimal_comma")
    if group_mark is not None:
        groups = whole.split(group_mark)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise Refusal(
                "number_parsing",
                loc,
                f"{raw!r} has misplaced digit separators; give a plain number",
                raw,
            )
        whole = "".join(groups)
        kinds.append("number_format")
    if not fraction.isdigit() and fraction:
        raise Refusal("number_parsing", loc, f"{raw!r} is not a number", raw)
    try:
        return Decimal(f"{whole}.{fraction}" if fraction else whole)
    except InvalidOperation:
        raise Refusal("number_parsing", loc, f"{raw!r} is not a number", raw) from None


def _percent(value: Decimal, loc: Loc, node: dict[str, Any], raw: str) -> Decimal:
    maximum = node.get("maximum", node.get("exclusiveMaximum"))
    if isinstance(maximum, int | float) and maximum <= 1:
        return value / 100
    if _field_words(loc) & {"percent", "percentage", "pct"}:
        return value
    raise Refusal(
        "ambiguous_number",
        loc,
        f"{raw!r} is a percentage, and the field does not say whether it wants a fraction "
        "or a number of percent; give a plain number",
        raw,
    )


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_WORD = r"(?P<month>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_DATE_FORMS = [
    re.compile(rf"\A{_MONTH_WORD}\s+{_DAY},?\s+{_YEAR}\Z", re.I),
    re.compile(rf"\A{_DAY}\s+(?:of\s+)?{_MONTH_WORD},?\s+{_YEAR}\Z", re.I),
    re.compile(
        rf"\A{_YEAR}(?P<sep>[/.-])\s*(?P<month_number>\d{{1,2}})(?P=sep)\s*(?P<day>\d{{1,2}})\Z"
    ),
    re.compile(
        rf"\A{_YEAR}-(?P<month_number>\d{{2}})-(?P<day>\d{{2}})"
        r"[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<zone>Z|[+-]\d{2}:?\d{2}|UTC)?\Z"
    ),
]
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY = re.compile(
    r"\A(?P<weekday>(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?)\.?,?\s+"
    r"(?P<rest>\S.*)\Z",
    re.I,
)
_NUMERIC_DATE = re.compile(r"\A(?P<a>\d{1,2})([/.-])(?P<b>\d{1,2})\2(?P<year>\d{4})\Z")


def to_date(text: str, loc: Loc, log: RepairLog) -> str:
    """``text`` as an ISO date, or `Refusal` when the date is ambiguous or would lose a time."""
    stripped = text.strip()
    named = _WEEKDAY.match(stripped)
    if named is not None:
        # "Tuesday, March 5, 2024": the weekday must be the date's, else the reply
        # contradicts itself and either part may be the wrong one.
        iso = to_date(named.group("rest"), loc, log)
        weekday = _WEEKDAYS[datetime.date.fromisoformat(iso).weekday()]
        if not named.group("weekday").lower().startswith(weekday):
            raise Refusal(
                "inconsistent_date",
                loc,
                f"{text!r} names a weekday that is not the date's ({iso} is a "
                f"{datetime.date.fromisoformat(iso).strftime('%A')}); give the date as YYYY-MM-DD",
                text,
            )
        return iso
    for form in _DATE_FORMS:
        match = form.match(stripped)
        if match is None:
            continue
        fields = match.groupdict()
        zone = fields.get("zone")
        if fields.get("time") is not None and (
            fields["time"].strip("0:.") or (zone not in (None, "Z", "UTC") and zone.strip("+-0:"))
        ):
            raise Refusal(
                "date_from_datetime_inexact",
                loc,
                f"{text!r} has a time of day, which a date would lose; give a date only",
                text,
            )
        if fields.get("month") is not None:
            month = _MONTHS.get(fields["month"].lower())
            if month is None:
                break
        else:
            month = int(fields["month_number"])
        return _iso(int(fields["year"]), month, int(fields["day"]), text, loc, log)
    match = _NUMERIC_DATE.match(stripped)
    if match is not None:
        first, second = int(match.group("a")), int(match.group("b"))
        readings = {
            (m, d) for m, d in ((first, second), (second, first)) if 1 <= m <= 12 and d <= 31
        }
        if len(readings) > 1:
            raise Refusal(
                "ambiguous_date",
                loc,
                f"{text!r} reads as two different dates (day and month order); "
                "give the date as YYYY-MM-DD",
                text,
            )
        if readings:
            ((month, day),) = readings
            return _iso(int(match.group("year")), month, day, text, loc, log)
    raise Refusal("date_parsing", loc, f"{text!r} is not a date; give the date as YYYY-MM-DD", text)


def _iso(year: int, month: int, day: int, text: str, loc: Loc, log: RepairLog) -> str:
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        raise Refusal(
            "date_parsing", loc, f"{text!r} is not a valid date; give YYYY-MM-DD", text
        ) from None
    log.note("date_format", f"{_where(loc)}: read {text!r} as {value.isoformat()}")
    return value.isoformat()


def to_member(text: str, loc: Loc, members: list[Any], log: RepairLog) -> Any:
    """The one enum member ``text`` spells differently, else `Refusal`."""
    wanted = norm(text)
    matches = [m for m in members if isinstance(m, str) and norm(m) == wanted]
    if len(matches) == 1:
        log.note("enum_case", f"{_where(loc)}: read {text!r} as {matches[0]!r}")
        return matches[0]
    if matches:
        raise Refusal(
            "ambiguous_enum",
            loc,
            f"{text!r} matches several allowed values ({', '.join(map(repr, matches))}); "
            "give one exactly",
            text,
        )
    return None


_LIST_SEPARATORS = re.compile(r"[,;\n]")


def to_list(value: Any, loc: Loc, log: RepairLog) -> list[Any]:
    """A single value where a list of that value is wanted, as a one-element list."""
    if isinstance(value, str) and _LIST_SEPARATORS.search(value):
        raise Refusal(
            "ambiguous_list",
            loc,
            f"{value!r} is one string where a list is wanted, and it may hold several "
            "items; give a JSON list",
            value,
        )
    log.note("wrap_in_list", f"{_where(loc)}: a single value where a list is wanted")
    return [value]


def decode_json_string(value: str) -> Any:
    """The JSON value a string holds, or None."""
    stripped = value.strip()
    if stripped[:1] not in ("{", "[") or stripped[-1:] not in ("}", "]"):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def _where(loc: Loc) -> str:
    return ".".join(str(part) for part in loc) or "the reply"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value else str(value)

"""Reads a reply written as ``field: value`` lines (YAML-style) instead of a JSON object.

Only a reply that is entirely field lines is read, and each value is read against the
field's JSON schema type, never YAML's: YAML would turn ``no`` into false and ``1.10``
into 1.1, which for a string field changes what the model said.
"""

from __future__ import annotations

import json
import re
from typing import Any

from accord.llm.parsing._flags import RepairLog
from accord.llm.parsing._lexer import SyntaxProblem
from accord.llm.parsing._normalize import Schema, norm
from accord.llm.parsing._reader import read_value

_FENCED = re.compile(r"\A\s*```(?:ya?ml|text|txt)?[ \t]*\n(.*?)\n[ \t]*```\s*\Z", re.DOTALL | re.I)
_FIELD = re.compile(r"(?P<key>[^\s:#\-\[{\"'][^:]*?)[ \t]*:(?:[ \t]+(?P<value>.*?))?[ \t]*\Z")
_ITEM = re.compile(r"[ \t]*-[ \t]+(?P<value>.*?)[ \t]*\Z")
# Markdown around a key: `**Name:** Ann` or `**Name**: Ann`, maybe as a bullet.
_BOLD_KEY = re.compile(
    r"[ \t]*(?:(?:[-*]|\d{1,2}[.)])[ \t]+)?"
    r"\*\*(?P<key>[^*:\n]+?)(?::\*\*|\*\*[ \t]*:)(?P<rest>.*)\Z"
)
_BULLET = re.compile(r"[ \t]*(?:[-*]|\d{1,2}[.)])[ \t]+(?P<line>.*)\Z")
# A JSON scalar followed by a comma: `name: "Ann",` (JSON members written without braces).
_JSON_SCALAR_COMMA = re.compile(
    r'(?P<value>"(?:[^"\\]|\\.)*"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?'
    r"|true|false|null)[ \t]*,\Z"
)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
_NULLS = frozenset({"", "null", "~"})
_BLOCK_SCALARS = frozenset({"|", ">", "|-", ">-", "|+", ">+"})


def looks_like_lines(text: str) -> bool:
    """Whether ``text`` may be field lines: cheap, so refused replies pay little for it."""
    start = text.lstrip()[:1]
    return (start.isalnum() or start in ("`", "-", "#", "_", "*")) and ":" in text


def read_lines(text: str, schema: Schema) -> tuple[dict[str, Any], RepairLog] | None:
    """The object that ``field: value`` lines in ``text`` write, or None when ``text`` is not
    entirely such lines. Raises `SyntaxProblem` for a key given twice with different values."""
    root = schema.resolve(schema.root)
    fields = schema.properties(root)
    if not fields:
        return None
    spellings = schema.spellings(root)
    log = RepairLog()
    fenced = _FENCED.match(text)
    if fenced is not None:
        log.note("strip_fences", "removed a ``` code fence around the lines")
        text = fenced.group(1)
    data: dict[str, Any] = {}
    named: dict[str, str] = {}  # field name -> the key as written
    listing: str | None = None  # the key whose `- item` lines may follow
    lines = text.strip().splitlines()
    if lines and lines[0].strip() == "---":
        lines = lines[1:]
    offset = 0
    preamble = True  # prose before the first field line, such as "Here is the data:"
    for line in lines:
        offset += len(line) + 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        bold = _BOLD_KEY.match(line)
        if bold is not None:
            line = f"{bold.group('key')}:{bold.group('rest')}"
        bullet = _BULLET.match(line) if listing is None else None
        if bullet is not None:
            # `- name: Ann`: a bulleted field line, when the bullet holds a field.
            inner = _FIELD.match(bullet.group("line"))
            if inner is not None and _field(inner.group("key"), fields, spellings) is not None:
                line = bullet.group("line")
        item = _ITEM.match(line)
        if item is not None:
            if listing is None:
                return None
            items = data[listing] if data[listing] is not None else []
            items.append(_scalar(item.group("value"), schema, _items(schema, named[listing])))
            data[listing] = items
            continue
        listing = None
        if line[:1].isspace():
            return None  # a nested mapping or a continued value: more than one reading
        match = _FIELD.match(line)
        if match is None:
            return None
        found = _field(match.group("key"), fields, spellings)
        if found is None:
            if preamble and not data and not match.group("value"):
                preamble = False
                skipped = line.strip()
                log.note("extract_from_prose", f"skipped the line {skipped!r} before the fields")
                continue
            return None
        preamble = False
        key, name = found
        raw = match.group("value") or ""
        if raw in _BLOCK_SCALARS:
            return None
        comma = _JSON_SCALAR_COMMA.match(raw)
        if comma is not None:
            log.add("trailing_comma", text, offset - 1)
            raw = comma.group("value")
        if raw[:1] == '"' and not _is_json_string(raw):
            return None  # a quote that opens no whole string: where the value ends is a guess
        opens_list = not raw and "array" in _accepts(schema, fields[name])
        # A list's `- item` lines follow; if none does, the empty value is null, as in YAML.
        value = None if opens_list else _scalar(raw, schema, fields[name])
        if key in data and data[key] != value:
            raise SyntaxProblem(
                f"key {key!r} appears twice with different values ({data[key]!r} and "
                f"{value!r}); give each key once",
                offset,
                kind="duplicate_key",
                loc=(key,),
            )
        data[key] = value
        named[key] = fields[name]
        if opens_list:
            listing = key
    if not data:
        return None
    log.note(
        "key_value_lines",
        f"read {len(data)} 'field: value' lines as a JSON object, each value by its field's type",
    )
    return data, log


def _is_json_string(raw: str) -> bool:
    try:
        return isinstance(json.loads(raw), str)
    except ValueError:
        return False


def _field(
    key: str, fields: dict[str, Any], spellings: dict[str, list[str]]
) -> tuple[str, str] | None:
    """The key as written and the field it names; renaming another spelling is left to
    validation, which records it (or refuses a key that could name two fields)."""
    key = key.strip()
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        key = key[1:-1]
    if key in fields:
        return key, key
    matches = spellings.get(norm(key), [])
    return (key, matches[0]) if matches else None


def _items(schema: Schema, node: Any) -> dict[str, Any]:
    for option in schema.options(node):
        items = option.get("items")
        if isinstance(items, dict):
            return schema.resolve(items)
    return {}


def _accepts(schema: Schema, node: Any) -> set[str]:
    """The JSON types ``node`` accepts (``"null"`` included when it allows null)."""
    node = schema.resolve(node)
    kinds: set[str] = set()
    for option in node.get("anyOf") or node.get("oneOf") or [node]:
        option = schema.resolve(option)
        kind = option.get("type")
        if isinstance(kind, str):
            kinds.add(kind)
        elif isinstance(kind, list):
            kinds.update(k for k in kind if isinstance(k, str))
        elif "enum" in option or "const" in option:
            kinds.add("string")
    return kinds


def _scalar(raw: str, schema: Schema, node: Any) -> Any:
    """One value, read by what its field accepts rather than by how YAML would type it."""
    kinds = _accepts(schema, node)
    if raw[:1] in "[{" and kinds & {"array", "object"}:
        log = RepairLog()
        try:
            return read_value(raw, 0, log).value
        except SyntaxProblem:
            return raw
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        try:
            text: str = json.loads(raw)
        except ValueError:
            return raw
        return text
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    if raw in _NULLS and "null" in kinds:
        return None
    if raw in ("true", "false") and "boolean" in kinds:
        return raw == "true"
    if _NUMBER.match(raw) and kinds & {"integer", "number"}:
        return json.loads(raw)
    return raw

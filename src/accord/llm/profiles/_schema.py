"""JSON schema rewrites for provider dialects. Pure functions over plain dicts."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

__all__ = ["NullPath", "SchemaPlan", "cap_lengths", "inline_refs", "openai_strict"]

NullPath = tuple[str, ...]
"""A path of property names to a field; ``"*"`` stands for every item of an array."""

# Keywords OpenAI's strict mode rejects or ignores; they are kept as text in the description so
# the model still sees them, and Pydantic enforces them on the answer anyway.
_STRICT_UNSUPPORTED = (
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "patternProperties",
    "propertyNames",
    "contentEncoding",
)


@dataclass(frozen=True, slots=True)
class SchemaPlan:
    """A schema in a provider's dialect, and how to read an answer back.

    ``absent_if_null`` lists optional fields the dialect forced to be present and nullable: a
    ``null`` there means "not given" and is removed before validation so the field's default
    applies (the original type does not accept ``null``).
    """

    schema: dict[str, Any]
    absent_if_null: tuple[NullPath, ...] = ()


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace every ``$ref`` to ``#/$defs/...`` by the definition itself.

    Raises ``ValueError`` on recursive definitions, which cannot be inlined.
    """
    defs: dict[str, Any] = schema.get("$defs", {})

    def walk(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.removeprefix("#/$defs/")
            if name == ref or name not in defs:
                raise ValueError(f"cannot resolve $ref {ref!r}; only '#/$defs/<name>' is supported")
            if name in stack:
                raise ValueError(
                    f"the output schema is recursive ({' -> '.join((*stack, name))}); this "
                    "provider needs inline definitions, so use a non-recursive output type"
                )
            merged = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}
            return walk(merged, (*stack, name))
        return {k: walk(v, stack) for k, v in node.items() if k != "$defs"}

    result: dict[str, Any] = walk(copy.deepcopy(schema), ())
    return result


def openai_strict(schema: dict[str, Any]) -> SchemaPlan:
    """OpenAI's strict structured-output dialect.

    Every object lists all its properties as required and sets ``additionalProperties: false``;
    an optional property becomes nullable (``anyOf [..., {"type": "null"}]``) and its path is
    recorded in ``absent_if_null``; ``default`` and unsupported keywords are removed.
    """
    nulls: list[NullPath] = []

    def walk(node: Any, path: NullPath) -> Any:
        if isinstance(node, list):
            return [walk(item, path) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        notes: list[str] = []
        for key, value in node.items():
            if key == "default" or key == "title":
                continue
            if key in _STRICT_UNSUPPORTED:
                notes.append(f"{key}={value}")
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {name: walk(sub, (*path, name)) for name, sub in value.items()}
            elif key == "items":
                out[key] = walk(value, (*path, "*"))
            elif key in ("anyOf", "oneOf", "allOf"):
                out["anyOf" if key == "oneOf" else key] = walk(value, path)
            else:
                out[key] = walk(value, path)
        if notes:
            description = out.get("description", "")
            out["description"] = (f"{description} " if description else "") + (
                f"({', '.join(notes)})"
            )
        if out.get("type") == "object" and "properties" in out:
            required = set(node.get("required", []))
            for name, sub in out["properties"].items():
                if name not in required and not _accepts_null(sub):
                    out["properties"][name] = {"anyOf": [sub, {"type": "null"}]}
                    nulls.append((*path, name))
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        return out

    strict = walk(inline_refs(schema), ())
    return SchemaPlan(strict, tuple(nulls))


def _accepts_null(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(isinstance(alt, dict) and _accepts_null(alt) for alt in node.get("anyOf", []))


def cap_lengths(
    schema: dict[str, Any], *, max_string: int = 400, max_items: int = 32
) -> dict[str, Any]:
    """Bound every string and array, so constrained decoding cannot run away.

    Existing bounds are kept when they are tighter than the caps.
    """

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) for k, v in node.items()}
        types = out.get("type")
        kinds = types if isinstance(types, list) else [types]
        if "string" in kinds and "enum" not in out and "const" not in out:
            out["maxLength"] = min(int(out.get("maxLength", max_string)), max_string)
        if "array" in kinds:
            out["maxItems"] = min(int(out.get("maxItems", max_items)), max_items)
        return out

    result: dict[str, Any] = walk(schema)
    return result

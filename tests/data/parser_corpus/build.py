"""Regenerates corpus.jsonl: realistic malformed LLM replies and what to make of them.

Run ``python tests/data/parser_corpus/build.py``. The expected values are the ground
truth records below, never parser output: each reply is produced by damaging a
record the way small models do (chatty preambles, fences, Python reprs, cut-off
output...), and the damage decides whether the record is still recoverable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from accord.testing.strategies import render

OUT = Path(__file__).with_name("corpus.jsonl")

CUSTOMERS: list[dict[str, Any]] = [
    {
        "name": "Alice Martin",
        "email": "alice.martin@example.com",
        "age": 34,
        "vip": True,
        "tags": ["newsletter", "early-adopter"],
    },
    {
        "name": "José Müller",
        "email": "jose.mueller@example.de",
        "age": None,
        "vip": False,
        "tags": [],
    },
    {
        "name": "Dana O'Brien",
        "email": "dana@obrien.ie",
        "age": 51,
        "vip": False,
        "tags": ["b2b", "{legacy}"],
    },
    {"name": "李雷", "email": "li.lei@example.cn", "age": 28, "vip": True, "tags": ["apac"]},
    {
        "name": 'Sam "Sammy" Kowalski',
        "email": "sam.k@example.pl",
        "age": 42,
        "vip": False,
        "tags": ["support: priority", "churn-risk"],
    },
    {
        "name": "Priya Raman",
        "email": "priya@raman.in",
        "age": 23,
        "vip": False,
        "tags": ["student"],
    },
]

INVOICES: list[dict[str, Any]] = [
    {
        "invoice_number": "INV-2024-0042",
        "customer": "Acme GmbH",
        "currency": "EUR",
        "items": [
            {"sku": "WID-1", "description": "Widget, blue", "quantity": 3, "unit_price": 19.99},
            {
                "sku": "SRV-H",
                "description": "Installation (hours)",
                "quantity": 2,
                "unit_price": 85.0,
            },
        ],
        "total": 229.97,
        "notes": None,
    },
    {
        "invoice_number": "2291",
        "customer": "Bob's Bikes",
        "currency": "USD",
        "items": [{"sku": "TYR-29", "description": '29" tyre', "quantity": 4, "unit_price": 32.5}],
        "total": 130.0,
        "notes": "Paid by card; receipt #88 attached",
    },
    {
        "invoice_number": "UK/77/A",
        "customer": "Thames & Co",
        "currency": "GBP",
        "items": [
            {
                "sku": "TEA-1",
                "description": "Earl Grey {loose leaf}",
                "quantity": 10,
                "unit_price": 4.2,
            },
            {"sku": "MUG-2", "description": "Mug \u2013 white", "quantity": 6, "unit_price": 7.0},
            {"sku": "DLV", "description": "Delivery", "quantity": 1, "unit_price": 5.0},
        ],
        "total": 89.0,
        "notes": "Deliver before 10:00",
    },
    {
        "invoice_number": "F-0007",
        "customer": "Café Zoë",
        "currency": "EUR",
        "items": [
            {
                "sku": "CF-BEANS",
                "description": "Espresso beans 1kg",
                "quantity": 12,
                "unit_price": 21.75,
            }
        ],
        "total": 261.0,
        "notes": None,
    },
]

CLASSIFICATIONS: list[dict[str, Any]] = [
    {
        "label": "billing",
        "confidence": 0.92,
        "reason": "The customer says they were charged twice for the same order.",
    },
    {
        "label": "technical",
        "confidence": 0.81,
        "reason": "User reports the app crashes with error {code: 500} on login.",
    },
    {
        "label": "account",
        "confidence": 0.67,
        "reason": 'Wants to change the account\'s e-mail; mentions "old address".',
    },
    {
        "label": "other",
        "confidence": 0.4,
        "reason": "Message is a thank-you note, no request.\nNo action needed.",
    },
    {"label": "billing", "confidence": 1.0, "reason": "Asks for a refund: «remboursement»."},
]

ROSTERS: list[dict[str, Any]] = [
    {
        "team": "Support EU",
        "week": 14,
        "shifts": [["ana", "ben"], ["carla"], [], ["dev", "ana", "eli"]],
        "leads": ["ana"],
    },
    {
        "team": "Night ops",
        "week": 3,
        "shifts": [["zed"], ["zed", "yuki"]],
        "leads": ["yuki", "zed"],
    },
    {"team": "On-call [core]", "week": 52, "shifts": [["o'neil"], ["kim"], ["kim"]], "leads": []},
]

PREAMBLES = [
    "Sure! Here's the extracted record:\n\n",
    "Certainly. Below is the JSON you asked for.\n",
    "Here is the result in JSON format:\n",
    "Based on the text, I extracted the following information:\n\n",
    "I've analysed the input. Output:\n",
    "Okay, here you go:",
]
POSTSCRIPTS = [
    "\n\nLet me know if you need anything else!",
    "\n\nNote: I left fields that were not mentioned at their usual values.",
    "\nHope this helps {name} with the next step.",
    "\n\n(All amounts were taken verbatim from the document.)",
    "",
]


# --- serializers -------------------------------------------------------------------


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


# --- damage that a parser can and must undo -----------------------------------------


def fenced(v: Any, i: int) -> str:
    return "```json\n" + pretty(v) + "\n```"


def fenced_no_lang(v: Any, i: int) -> str:
    return "```\n" + pretty(v) + "\n```\n"


def chatty_fenced(v: Any, i: int) -> str:
    return (
        PREAMBLES[i % len(PREAMBLES)]
        + "```json\n"
        + pretty(v)
        + "\n```"
        + POSTSCRIPTS[i % len(POSTSCRIPTS)]
    )


def inline_prose(v: Any, i: int) -> str:
    return PREAMBLES[(i + 2) % len(PREAMBLES)] + compact(v) + POSTSCRIPTS[(i + 1) % 5]


def trailing_commas(v: Any, i: int) -> str:
    return render(v, trailing=True)


def python_repr(v: Any, i: int) -> str:
    return repr(v)


def python_literals_json_quotes(v: Any, i: int) -> str:
    return render(v, literals="python")


def single_quoted(v: Any, i: int) -> str:
    return render(v, quote="'", keys="'")


def js_object(v: Any, i: int) -> str:
    return "```javascript\n" + render(v, keys="bare", trailing=True) + "\n```"


def commented(v: Any, i: int) -> str:
    text = pretty(v)
    first_key = next(iter(v))
    return (
        text.replace(f'"{first_key}"', f'// extracted from the message\n  "{first_key}"', 1).rstrip(
            "}"
        )
        + "  /* end of record */\n}"
    )


def wrapped(v: Any, i: int) -> str:
    key = ["response", "data", "result", "output", "answer"][i % 5]
    return pretty({key: v})


def one_element_list(v: Any, i: int) -> str:
    return "Here are the results:\n" + pretty([v])


def missing_final_closer(v: Any, i: int) -> str:
    return pretty(v)[:-1]


def raw_newlines(v: Any, i: int) -> str:
    # Models often put real line breaks inside long strings.
    return pretty(v).replace("\\n", "\n")


def reasoning_block(v: Any, i: int) -> str:
    return (
        '<think>\nThe user wants a JSON object like {"field": value}. Let me check '
        "each field... [done]\n</think>\n\n" + pretty(v)
    )


def repeated(v: Any, i: int) -> str:
    return compact(v) + "\n\nFinal answer:\n" + compact(v)


def double_encoded(v: Any, i: int) -> str:
    return json.dumps(compact(v))


def missing_comma_at_line_end(v: Any, i: int) -> str:
    lines = pretty(v).split("\n")
    for n, line in enumerate(lines[1:-1], start=1):
        if line.startswith('  "') and line.endswith(","):
            lines[n] = line[:-1]
            break
    return "\n".join(lines)


def ascii_escaped(v: Any, i: int) -> str:
    return "```json\n" + json.dumps(v, indent=4) + "\n```"


def kitchen_sink(v: Any, i: int) -> str:
    return (
        "Sure thing! 😊\n```json\n"
        + render(v, quote="'", keys="bare", literals="python", trailing=True)
        + "\n```\nAnything else?"
    )


# --- damage from the categories of issue 13 ---------------------------------------------


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest) if rest else key.title()


def _rekey(value: Any, style: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {style(k): _rekey(v, style) for k, v in value.items()}
    if isinstance(value, list):
        return [_rekey(v, style) for v in value]
    return value


def other_key_case(v: Any, i: int) -> str:
    styles: list[Callable[[str], str]] = [
        _camel,
        lambda k: k.replace("_", " "),
        lambda k: "-".join(part.title() for part in k.split("_")),
    ]
    return pretty(_rekey(v, styles[i % 3]))


def _curly(value: Any, level: int = 0) -> str:
    pad = "  " * (level + 1)
    if isinstance(value, dict):
        members = [f"{pad}\u201c{k}\u201d: {_curly(x, level + 1)}" for k, x in value.items()]
        return "{\n" + ",\n".join(members) + "\n" + "  " * level + "}" if value else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_curly(x, level + 1) for x in value) + "]"
    if isinstance(value, str):
        return "\u201c" + value.replace("\\", "\\\\").replace("\n", "\\n") + "\u201d"
    return compact(value)


def typographic_quotes(v: Any, i: int) -> str:
    return _curly(v)


def one_curly_closer(v: Any, i: int) -> str:
    text = pretty(v)
    at = text.index('": "') + 4
    end = text.index('"', at)
    while text[end - 1] == "\\":
        end = text.index('"', end + 1)
    return text[:end] + "\u201d" + text[end + 1 :]


def unescaped_inner_quotes(v: Any, i: int) -> str:
    return pretty(v).replace('\\"', '"')


def _numbers_as_text(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _numbers_as_text(x, k) for k, x in value.items()}
    if isinstance(value, list):
        return [_numbers_as_text(x, key) for x in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if key in ("unit_price", "total"):
        return f"${value:,.2f}"
    if key == "confidence":
        return f"{value * 100:g}%"
    return str(value)


def numbers_as_text(v: Any, i: int) -> str:
    return pretty(_numbers_as_text(v))


def enum_other_case(v: Any, i: int) -> str | None:
    changed = dict(v)
    for key in ("label", "currency"):
        if key in changed:
            word = changed[key]
            changed[key] = [word.title(), word.upper(), f" {word.lower()} "][i % 3]
    return pretty(changed) if changed != v else None


def single_value_for_list(v: Any, i: int) -> str | None:
    changed = {
        k: x[0] if isinstance(x, list) and len(x) == 1 and isinstance(x[0], str) else x
        for k, x in v.items()
    }
    return pretty(changed) if changed != v else None


def nested_double_encoding(v: Any, i: int) -> str | None:
    key = next((k for k, x in v.items() if isinstance(x, list) and x), None)
    if key is None:
        return None
    return pretty({**v, key: compact(v[key])})


def duplicate_key(v: Any, i: int) -> str:
    key = next(k for k, x in v.items() if isinstance(x, str))
    text = pretty(v)
    return text.replace(
        f'  "{key}": ', f'  "{key}": {json.dumps(v[key] + " (draft)")},\n  "{key}": ', 1
    )


def placeholder_value(v: Any, i: int) -> str:
    key = next(k for k, x in v.items() if isinstance(x, str) and k not in ("label", "currency"))
    residue = ["<string>", "...", "N/A", "TBD", "[name]", "unknown", "{{value}}"][i % 7]
    return pretty({**v, key: residue})


def data_under_properties(v: Any, i: int) -> str:
    return pretty({"type": "object", "properties": v, "required": list(v)})


def mixed_key_spellings(v: Any, i: int) -> str:
    key = next(k for k, x in v.items() if isinstance(x, str) and k not in ("label", "currency"))
    return pretty({**v, _camel(key) if "_" in key else key.title(): v[key] + " (alt)"})


def ambiguous_inner_quote(v: Any, i: int) -> str:
    key = next(k for k, x in v.items() if isinstance(x, str) and k not in ("label", "currency"))
    text = pretty(v)
    old = f'"{key}": {json.dumps(v[key], ensure_ascii=False)}'
    return text.replace(old, f'"{key}": "ask about "{v[key]}", then"', 1)


def joined_list(v: Any, i: int) -> str | None:
    key = next((k for k, x in v.items() if isinstance(x, list) and len(x) > 1), None)
    if key is None or not all(isinstance(x, str) for x in v[key]):
        return None
    return pretty({**v, key: ", ".join(v[key])})


Damage = Callable[[Any, int], str | None]

RECOVERABLE: list[tuple[str, Damage]] = [
    ("valid pretty JSON", lambda v, i: pretty(v)),
    ("json fence", fenced),
    ("fence without language", fenced_no_lang),
    ("chatty preamble and postscript around a fence", chatty_fenced),
    ("JSON inline in prose", inline_prose),
    ("trailing commas", trailing_commas),
    ("python repr (single quotes, True/None)", python_repr),
    ("Python literals in otherwise valid JSON", python_literals_json_quotes),
    ("single-quoted keys and strings", single_quoted),
    ("JavaScript object literal in a fence", js_object),
    ("line and block comments", commented),
    ("wrapper object", wrapped),
    ("one-element list", one_element_list),
    ("only the final brace missing, every field present", missing_final_closer),
    ("real line breaks inside strings", raw_newlines),
    ("reasoning block with braces before the answer", reasoning_block),
    ("same answer twice", repeated),
    ("JSON sent as a JSON string", double_encoded),
    ("missing comma at a line end", missing_comma_at_line_end),
    ("\\u escapes in a fence", ascii_escaped),
    ("fence, bare keys, single quotes, Python literals and trailing commas", kitchen_sink),
    ("keys in another case style, one field each", other_key_case),
    ("typographic quotes as JSON quotes", typographic_quotes),
    ("one string closed by a typographic quote", one_curly_closer),
    ("numbers as text: currency, percent, digits in quotes", numbers_as_text),
    ("enum value in another case or padded", enum_other_case),
    ("single value where a list of one is wanted", single_value_for_list),
    ("a list field sent as a JSON string", nested_double_encoding),
]


# --- damage that loses or invents data: must be refused -----------------------------


def cut_mid_string(v: Any, i: int) -> str:
    text = pretty(v)
    last_string = text.rfind('": "')
    return text[: last_string + 4 + 3]


def cut_at_fraction(fraction: float) -> Callable[[Any, int], str]:
    def cut(v: Any, i: int) -> str:
        text = "```json\n" + pretty(v)
        return text[: int(len(text) * fraction)]

    return cut


def cut_after_comma(v: Any, i: int) -> str:
    text = pretty(v)
    return text[: text.rfind(",") + 1]


def drop_key(key: str) -> Callable[[Any, int], str]:
    def drop(v: Any, i: int) -> str:
        return "Here you go:\n" + pretty({k: x for k, x in v.items() if k != key})

    return drop


def two_answers(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Any, int], str]:
    def both(v: Any, i: int) -> str:
        return (
            f"Option A:\n{pretty(v)}\n\nOption B (if you meant the other record):\n"
            f"{pretty(change(dict(v)))}"
        )

    return both


def replaced(key: str, value: Any) -> Callable[[Any, int], str]:
    def replace(v: Any, i: int) -> str:
        return pretty({**v, key: value})

    return replace


def wrapper_with_metadata(v: Any, i: int) -> str:
    return pretty({"status": "ok", "data": v})


def python_list_cut(v: Any, i: int) -> str:
    text = repr(v)
    return text[: text.rfind("]") - 2]


REFUSALS_COMMON: list[tuple[str, Damage]] = [
    ("cut off in the middle of the last string", cut_mid_string),
    ("cut off at max tokens, 60% through", cut_at_fraction(0.6)),
    ("cut off at max tokens, 90% through", cut_at_fraction(0.9)),
    ("cut off right after a comma", cut_after_comma),
    ("wrapper with another key: unwrapping would drop data", wrapper_with_metadata),
    ("the same key twice with different values", duplicate_key),
    ("template residue or 'I don't know' in a required string", placeholder_value),
    ("the data under a JSON schema's properties: schema echo", data_under_properties),
    ("two spellings of one field with different values", mixed_key_spellings),
    ("an inner quote followed by a comma: two endings parse", ambiguous_inner_quote),
    ("several items joined in one string where a list is wanted", joined_list),
]

REFUSALS_BY_SCHEMA: dict[str, list[tuple[str, Damage]]] = {
    "customer": [
        ("required email missing", drop_key("email")),
        ("age as words", replaced("age", "thirty-four")),
        ("two different records", two_answers(lambda d: {**d, "name": d["name"] + " Jr."})),
        ("tags list cut off", python_list_cut),
        (
            "unquoted enum-like value",
            lambda v, i: pretty(v).replace(f'"{v["email"]}"', v["email"].split("@")[0]),
        ),
    ],
    "invoice": [
        ("required items missing", drop_key("items")),
        ("unknown currency", replaced("currency", "CHF")),
        (
            "fractional quantity would be truncated",
            lambda v, i: pretty(
                {**v, "items": [{**v["items"][0], "quantity": 2.5}, *v["items"][1:]]}
            ),
        ),
        ("two different totals", two_answers(lambda d: {**d, "total": d["total"] + 1})),
        (
            "line items list cut after a complete item",
            lambda v, i: pretty(v)[: pretty(v).index("}", pretty(v).index('"items"')) + 1],
        ),
    ],
    "classification": [
        ("label outside the enum", replaced("label", "sales")),
        ("confidence above 1", replaced("confidence", 1.5)),
        ("reason missing", drop_key("reason")),
        (
            "two different labels",
            two_answers(lambda d: {**d, "label": "other" if d["label"] != "other" else "billing"}),
        ),
    ],
    "roster": [
        ("nested list cut off", lambda v, i: compact(v)[: compact(v).index("]]") - 1]),
        ("week as text", replaced("week", "fourteen")),
        ("leads missing", drop_key("leads")),
    ],
}


_FIRST_NEW_RECOVERABLE = 21
_FIRST_NEW_REFUSAL = 5

# Where each kind of damage was reported in public. A case is modelled on the report: the
# reply text is ours (the records above), the damage is the one the report shows.
SOURCES: dict[str, str] = {
    "json fence": "https://github.com/langchain-ai/langchain/issues/23297",
    "fence without language": "https://github.com/langchain-ai/langchain/issues/23297",
    "chatty preamble and postscript around a fence": (
        "https://github.com/langchain-ai/langchain/pull/5334"
    ),
    "JSON inline in prose": "https://github.com/langchain-ai/langchain/pull/5334",
    "python repr (single quotes, True/None)": "https://github.com/dottxt-ai/outlines/issues/677",
    "single-quoted keys and strings": "https://github.com/dottxt-ai/outlines/issues/677",
    "JavaScript object literal in a fence": "https://github.com/BoundaryML/baml/pull/2769",
    "fence, bare keys, single quotes, Python literals and trailing commas": (
        "https://github.com/BoundaryML/baml/pull/2769"
    ),
    "wrapper object": "https://github.com/coze-dev/coze-studio/issues/573",
    "only the final brace missing, every field present": (
        "https://github.com/Qarj/fix-busted-json/issues/5"
    ),
    "JSON sent as a JSON string": "https://github.com/modelscope/ms-agent/pull/652",
    "keys in another case style, one field each": "https://github.com/jaseci-labs/jac/issues/7442",
    "typographic quotes as JSON quotes": "https://github.com/BoundaryML/baml/pull/1249",
    "one string closed by a typographic quote": "https://github.com/BoundaryML/baml/issues/1074",
    "numbers as text: currency, percent, digits in quotes": (
        "https://github.com/BoundaryML/baml/issues/150"
    ),
    "enum value in another case or padded": "https://github.com/langchain4j/langchain4j/issues/4045",
    "single value where a list of one is wanted": (
        "https://github.com/vectorize-io/hindsight/pull/2240"
    ),
    "a list field sent as a JSON string": "https://github.com/langchain-ai/langchain/pull/9916",
    "cut off in the middle of the last string": "https://github.com/vllm-project/vllm/issues/8350",
    "cut off at max tokens, 60% through": "https://github.com/langchain-ai/langchain-ibm/issues/63",
    "cut off at max tokens, 90% through": "https://github.com/vllm-project/vllm/issues/8350",
    "the same key twice with different values": (
        "https://github.com/w3c-ccg/traceability-interop/issues/539"
    ),
    "the data under a JSON schema's properties: schema echo": (
        "https://github.com/leonbreukelman/smactorio/issues/165"
    ),
    "two spellings of one field with different values": (
        "https://github.com/guardrails-ai/guardrails-api/issues/120"
    ),
    "an inner quote followed by a comma: two endings parse": (
        "https://github.com/josdejong/jsonrepair/issues/161"
    ),
    "unescaped quotes inside a string": "https://github.com/josdejong/jsonrepair/pull/116",
    "refusal in prose, no JSON": "https://github.com/huggingface/smolagents/issues/1732",
    "typographic quotes": "https://github.com/BoundaryML/baml/issues/1074",
    "template-style double braces": "https://github.com/run-llama/llama_index/issues/7886",
    "YAML instead of JSON": "https://github.com/langchain-ai/langchain/pull/14674",
    "YAML with a block list": "https://github.com/langchain-ai/langchain/pull/14674",
    "YAML in a yaml fence with a document marker": (
        "https://github.com/tanchongmin/strictjson/issues/20"
    ),
    "an unquoted colon inside a YAML value": (
        "https://github.com/The-Pocket/PocketFlow-Tutorial-Codebase-Knowledge/issues/87"
    ),
    "YAML words a YAML loader would retype (no, on, 1.10)": (
        "https://github.com/mrseanryan/gpt-summarizer/issues/13"
    ),
    "YAML with quoted values and keys in another case": (
        "https://github.com/chain-ml/council/pull/126"
    ),
    "YAML with a flow list of lists": "https://github.com/chain-ml/council/pull/127",
    "YAML with the same key twice, different values": (
        "https://github.com/langchain-ai/langchain/pull/14674"
    ),
    "YAML with a key that is no field": "https://github.com/tanchongmin/strictjson/issues/20",
    "prose line before YAML lines": ("https://github.com/run-llama/llama_index/issues/16390"),
    "YAML block scalar for a string": (
        "https://github.com/The-Pocket/PocketFlow-Tutorial-Codebase-Knowledge/issues/87"
    ),
    "YAML with nested mappings for a list of objects": (
        "https://github.com/tanchongmin/strictjson/issues/20"
    ),
    "YAML with template residue": "https://github.com/mrseanryan/gpt-summarizer/issues/13",
}

# One line on why a kind is accepted or refused; the rest follow the two defaults below.
REASONS: dict[str, str] = {
    "keys in another case style, one field each": "each key names exactly one field",
    "typographic quotes as JSON quotes": "curly pairs delimit strings with one reading",
    "one string closed by a typographic quote": "the only quote a delimiter follows ends it",
    "numbers as text: currency, percent, digits in quotes": (
        "currency and digit grouping have one reading; percent of a [0, 1] field is a fraction"
    ),
    "enum value in another case or padded": "exactly one member matches ignoring case",
    "single value where a list of one is wanted": "wrapping keeps the one value",
    "a list field sent as a JSON string": "decoding a JSON string is lossless",
    "the same key twice with different values": "last-wins would drop one answer",
    "template residue or 'I don't know' in a required string": "the value would be invented",
    "the data under a JSON schema's properties: schema echo": "a schema is not an answer",
    "two spellings of one field with different values": "choosing a spelling is a guess",
    "an inner quote followed by a comma: two endings parse": "two readings: ambiguous",
    "several items joined in one string where a list is wanted": "splitting is a guess",
    "YAML instead of JSON": "every line names one field; each value read by its field's type",
    "YAML with a block list": "the `- item` lines under a list field are its items",
    "YAML in a yaml fence with a document marker": "fence and `---` carry no data",
    "an unquoted colon inside a YAML value": "the key before the first colon is a field",
    "YAML words a YAML loader would retype (no, on, 1.10)": (
        "read as the field's type: text stays text, `no` for a bool is Pydantic's lax false"
    ),
    "YAML with quoted values and keys in another case": "quotes delimit; each key names one field",
    "YAML with a flow list of lists": "a JSON list for a list field has one reading",
    "YAML with the same key twice, different values": "last-wins would drop one answer",
    "YAML with a key that is no field": "the line's data would be dropped",
    "prose line before YAML lines": (
        "a heading line ending in ':' that names no field carries no data"
    ),
    "YAML block scalar for a string": "block text has several readings (folding, chomping)",
    "YAML with nested mappings for a list of objects": "nesting is not read: refused, not guessed",
    "YAML with template residue": "the value would be invented",
}


def build() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    groups = [
        ("customer", CUSTOMERS),
        ("invoice", INVOICES),
        ("classification", CLASSIFICATIONS),
        ("roster", ROSTERS),
    ]
    for schema, records in groups:
        refusals = REFUSALS_COMMON + REFUSALS_BY_SCHEMA[schema]
        for r, record in enumerate(records):
            # Every record gets a rotating share of the damage kinds, so each kind is
            # exercised on every schema without a full cross product.
            spread = 3 if len(records) > 4 else 2
            for d in range(len(RECOVERABLE)):
                if (d + r) % spread and d < _FIRST_NEW_RECOVERABLE:
                    continue
                why, damage = RECOVERABLE[d]
                raw = damage(record, r + d)
                if raw is not None:
                    cases.append(case(schema, record, raw, "value", why))
            for d, (why, damage) in enumerate(refusals):
                if (d + r) % 2 and len(records) > 3 and d < _FIRST_NEW_REFUSAL:
                    continue
                raw = damage(record, r + d)
                if raw is not None:
                    cases.append(case(schema, None, raw, "refuse", why))
    cases.extend(special_cases())
    cases.extend(key_value_cases())
    cases.extend(shipment_cases())
    for n, item in enumerate(cases, start=1):
        item["id"] = f"{item['schema']}-{n:03d}"
    return cases


def case(schema: str, value: Any, raw: str, expect: str, why: str) -> dict[str, Any]:
    default = (
        "accept: one reading, nothing lost or invented"
        if expect == "value"
        else "refuse: data lost, invented or ambiguous"
    )
    reason = REASONS.get(why, default)
    source = SOURCES.get(why, f"modelled on {why} (no public report cited)")
    return {
        "id": "",
        "schema": schema,
        "raw": raw,
        "expect": expect,
        "value": value,
        "why": f"{why}: {reason}",
        "source": source,
    }


def _lines(record: dict[str, Any], *, quoted: bool = False) -> str:
    """``record`` as YAML-style ``field: value`` lines, lists as ``- item`` lines."""
    out: list[str] = []
    for key, value in record.items():
        if isinstance(value, list) and all(isinstance(item, str) for item in value) and value:
            out.append(f"{key}:")
            out.extend(f"  - {item}" for item in value)
        elif isinstance(value, list):
            out.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
        elif value is None:
            out.append(f"{key}: null")
        elif isinstance(value, bool):
            out.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, str) and quoted:
            out.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
        else:
            out.append(f"{key}: {value}")
    return "\n".join(out)


def key_value_cases() -> list[dict[str, Any]]:
    """Replies written as YAML-style ``field: value`` lines instead of JSON."""
    alice, jose = CUSTOMERS[0], CUSTOMERS[1]
    found: list[dict[str, Any]] = []
    for record in CUSTOMERS[:4]:
        found.append(case("customer", record, _lines(record), "value", "YAML with a block list"))
    for record in CLASSIFICATIONS[:3]:
        raw = "```yaml\n---\n" + _lines(record) + "\n```"
        found.append(
            case(
                "classification",
                record,
                raw,
                "value",
                "YAML in a yaml fence with a document marker",
            )
        )
    for record in ROSTERS[:3]:
        found.append(
            case("roster", record, _lines(record), "value", "YAML with a flow list of lists")
        )
    colon = {"label": "billing", "confidence": 0.92, "reason": "Charged twice: May 3 and May 4."}
    found.append(
        case(
            "classification", colon, _lines(colon), "value", "an unquoted colon inside a YAML value"
        )
    )
    retyped = {"team": "on", "week": 7, "shifts": [["no", "yes"]], "leads": ["off"]}
    found.append(
        case(
            "roster",
            retyped,
            'team: on\nweek: 7\nshifts: [["no", "yes"]]\nleads:\n  - off',
            "value",
            "YAML words a YAML loader would retype (no, on, 1.10)",
        )
    )
    version = {"label": "technical", "confidence": 0.5, "reason": "1.10"}
    found.append(
        case(
            "classification",
            version,
            "label: technical\nconfidence: 0.5\nreason: 1.10",
            "value",
            "YAML words a YAML loader would retype (no, on, 1.10)",
        )
    )
    no_vip = {**jose, "vip": False}
    found.append(
        case(
            "customer",
            no_vip,
            _lines({**jose, "vip": True}).replace("vip: true", "vip: no"),
            "value",
            "YAML words a YAML loader would retype (no, on, 1.10)",
        )
    )
    quoted = _lines(alice, quoted=True).replace("name:", "Name:").replace("email:", "E-mail:")
    found.append(
        case("customer", alice, quoted, "value", "YAML with quoted values and keys in another case")
    )
    twice = _lines(alice) + f"\nname: {jose['name']}"
    found.append(
        case("customer", None, twice, "refuse", "YAML with the same key twice, different values")
    )
    unknown = _lines(alice).replace("email:", "mail:")
    found.append(case("customer", None, unknown, "refuse", "YAML with a key that is no field"))
    prose = "Sure! Here is the customer:\n" + _lines(alice)
    found.append(case("customer", alice, prose, "value", "prose line before YAML lines"))
    block = "label: billing\nconfidence: 0.9\nreason: |\n  Charged twice.\n  Wants a refund."
    found.append(case("classification", None, block, "refuse", "YAML block scalar for a string"))
    invoice = INVOICES[0]
    nested = "\n".join(
        [f"{key}: {invoice[key]}" for key in ("invoice_number", "customer", "currency", "total")]
        + ["items:"]
        + [
            f"  - sku: {item['sku']}\n    description: {item['description']}\n"
            f"    quantity: {item['quantity']}\n    unit_price: {item['unit_price']}"
            for item in invoice["items"]
        ]
    )
    found.append(
        case("invoice", None, nested, "refuse", "YAML with nested mappings for a list of objects")
    )
    residue = "name: <customer name>\nemail: TBD"
    found.append(case("customer", None, residue, "refuse", "YAML with template residue"))
    return found


def special_cases() -> list[dict[str, Any]]:
    """Hand-written replies that the generated damage does not cover."""
    alice, jose = CUSTOMERS[0], CUSTOMERS[1]
    minimal = {"name": "Ann Lee", "email": "ann@lee.org"}
    minimal_full: dict[str, Any] = {**minimal, "age": None, "vip": False, "tags": []}
    specials = [
        case(
            "customer",
            minimal_full,
            json.dumps(minimal),
            "value",
            "only required fields; defaults fill the rest",
        ),
        case(
            "customer",
            None,
            "I'm sorry, but I can't share personal data.",
            "refuse",
            "refusal in prose, no JSON",
        ),
        case(
            "customer",
            None,
            '<think>\nThe customer is {"name": "Ann',
            "refuse",
            "cut off inside the reasoning block",
        ),
        case(
            "customer",
            None,
            "{'name': 'Dana O'Brien', 'email': 'dana@obrien.ie'}",
            "refuse",
            "apostrophe inside a single-quoted string is ambiguous",
        ),
        case(
            "customer",
            None,
            '{"name": "Ann Lee", "email": "ann@lee.org"',
            "refuse",
            "object cut after a complete value but optional fields may be missing",
        ),
        case(
            "customer",
            alice,
            "Use the format {name, email}. Result:\n" + compact(alice),
            "value",
            "prose with braces before the JSON",
        ),
        case(
            "customer",
            None,
            '{"result": {"name": "Ann Lee", "email": "ann@lee.org"}, "confidence": 0.',
            "refuse",
            "wrapper cut off after the inner object",
        ),
        case(
            "customer",
            jose,
            '{"name": "Jos\\u00e9 M\\u00fcller", "email": '
            '"jose.mueller@example.de", "age": null, "vip": false, "tags": []}',
            "value",
            "unicode escapes",
        ),
        case(
            "customer",
            minimal_full,
            '{"customer": {"name": "Ann Lee", "email": "ann@lee.org", "note": "said "hi" twice"}}',
            "value",
            "unescaped quotes inside a string",
        ),
        case(
            "customer",
            None,
            '{"name": "Ann Lee", "email": "ann@lee.org", "age": 3',
            "refuse",
            "cut right after a number that may have lost digits",
        ),
        case(
            "customer",
            None,
            '{"name": "Ann Lee", "email": "ann@lee.org", "vip": tru',
            "refuse",
            "literal cut off",
        ),
        case("customer", None, "{}", "refuse", "empty object"),
        case("customer", None, '{"data": {}}', "refuse", "empty wrapper"),
        case(
            "customer",
            None,
            '{"full_name": "Ann Lee", "mail": "ann@lee.org"}',
            "refuse",
            "wrong field names",
        ),
        case(
            "customer",
            None,
            "{'name': 'Ann Lee', 'email': 'ann@lee.org', 'age': 30, 'age': 31}",
            "refuse",
            "duplicate key with different values",
        ),
        case(
            "customer_list",
            [alice, jose],
            "```json\n" + pretty([alice, jose]) + "\n```",
            "value",
            "list of records in a fence",
        ),
        case(
            "customer_list",
            [alice, jose],
            pretty({"customers": [alice, jose]}),
            "value",
            "list inside a wrapper object",
        ),
        case(
            "customer_list", None, pretty([alice, jose])[:-30], "refuse", "list of records cut off"
        ),
        case(
            "customer_list",
            [alice],
            "[" + render(alice, trailing=True) + ",\n]",
            "value",
            "trailing commas in a list of one record",
        ),
        case(
            "classification",
            {"label": "technical", "confidence": 0.7, "reason": "Crash on start."},
            'Classification: {"label": "technical", "confidence": 0.7, '
            '"reason": "Crash on start."} (I am fairly, not fully, sure.)',
            "value",
            "inline JSON followed by a parenthetical",
        ),
        case(
            "classification",
            {"label": "technical", "confidence": 0.7, "reason": "crash"},
            "label: technical\nconfidence: 0.7\nreason: crash",
            "value",
            "YAML instead of JSON",
        ),
        case(
            "classification",
            {"label": "billing", "confidence": 0.9, "reason": "Double charge."},
            '{\n  "label": "billing",\n  "confidence": 0.9,\n  "reason": "Double charge."\n',
            "value",
            "final brace missing after a complete string, all fields present",
        ),
        case(
            "invoice",
            {
                "invoice_number": "9",
                "customer": "X",
                "currency": "EUR",
                "items": [],
                "total": 0.0,
                "notes": "see attached",
            },
            '{"invoice_number": "9", "customer": "X", "currency": "EUR", "items": [], '
            '"total": 0.0, "notes": "see attached"} {"invoice_number": "9"}',
            "value",
            "an incomplete second object after the only valid answer",
        ),
        case(
            "customer",
            None,
            compact(alice)
            + "\nWait, the age is wrong, corrected:\n"
            + compact(alice).replace('"age": 34', '"age": 35').replace(', "vip"', ' "vip"'),
            "refuse",
            "a broken correction after a valid answer",
        ),
        case(
            "customer",
            alice,
            compact(alice).replace('"age": 34', '"age": thirty-four')
            + "\nSorry, age must be a number:\n"
            + compact(alice),
            "value",
            "a broken first attempt, then a valid correction",
        ),
        case(
            "customer",
            alice,
            compact(alice) + "<|im_end|>",
            "value",
            "chat template stop token after the JSON",
        ),
        case("customer", alice, pretty(alice) + "\n</s>", "value", "end-of-sequence token"),
        case(
            "customer", None, "{" + compact(alice) + "}", "refuse", "template-style double braces"
        ),
        case(
            "customer",
            None,
            pretty({"name": "record_customer", "arguments": alice}),
            "refuse",
            "tool-call shape with name and arguments",
        ),
        case(
            "customer",
            alice,
            "```json\n" + compact(alice) + "\n```\n\nSame again for "
            "clarity:\n```json\n" + pretty(alice) + "\n```",
            "value",
            "the same answer in two fenced blocks",
        ),
        case(
            "customer",
            minimal_full,
            "{\u201cname\u201d: \u201cAnn Lee\u201d, \u201cemail\u201d: \u201cann@lee.org\u201d}",
            "value",
            "typographic quotes",
        ),
        case(
            "customer",
            {**minimal_full, "age": 34},
            '{"name": "Ann Lee", "email": "ann@lee.org", "age": "34"}',
            "value",
            "number as a string: the model's lax config converts it",
        ),
        case(
            "customer",
            alice,
            pretty(alice) + '\n\nMetadata: {"source": "email", "confidence": "high"}',
            "value",
            "a second JSON object of another shape after the answer",
        ),
        case(
            "customer",
            alice,
            "Here's what I found [see notes]:\n" + pretty(alice),
            "value",
            "apostrophe and brackets in the preamble",
        ),
        case(
            "customer",
            None,
            compact(minimal).replace('"', '\\"'),
            "refuse",
            "escaped quotes without an enclosing string",
        ),
        case(
            "customer",
            None,
            pretty(alice).replace('"early-adopter"\n  ]', '"early-adopter"\n  '),
            "refuse",
            "list never closed, object closed",
        ),
        case(
            "customer",
            alice,
            "```json\n" + pretty(alice) + "\n",
            "value",
            "closing fence missing after a complete object",
        ),
    ]
    quoted = [CUSTOMERS[4], INVOICES[1], CLASSIFICATIONS[2]]
    for schema, record in zip(("customer", "invoice", "classification"), quoted, strict=True):
        specials.append(
            case(
                schema,
                record,
                unescaped_inner_quotes(record, 0),
                "value",
                "unescaped quotes inside a string",
            )
        )
    big = {**INVOICES[0], "total": 1234.5}
    for raw, expect, why in [
        (pretty({**big, "total": "1,234.50"}), "value", "thousands separator in an amount"),
        (pretty({**big, "total": "EUR 1.234,50"}), "value", "currency code and decimal comma"),
        (pretty({**big, "total": "1,234"}), "refuse", "1,234 for a float: thousands or decimal"),
        (
            pretty({**big, "items": [{**big["items"][0], "quantity": "3 kg"}, big["items"][1]]}),
            "refuse",
            "a unit the field does not name",
        ),
        (
            pretty({**big, "items": [{**big["items"][0], "unit_price": "15%"}, big["items"][1]]}),
            "refuse",
            "a percent for a field that is not a fraction or a percent",
        ),
    ]:
        specials.append(case("invoice", big if expect == "value" else None, raw, expect, why))
    return specials


SHIPMENT = {
    "reference": "SHP-2024-117",
    "weight_kg": 5.5,
    "declared_value": 1234.5,
    "pieces": 3,
    "ship_date": "2024-03-05",
}
INSTRUCTOR_1314 = "https://github.com/567-labs/instructor/issues/1314"
FINDAJOB_638 = "https://github.com/brockamer/findajob/issues/638"
HINDSIGHT_2029 = "https://github.com/vectorize-io/hindsight/pull/2029"
LORAX_392 = "https://github.com/predibase/lorax/issues/392"
PPLACER_331 = "https://github.com/matsen/pplacer/issues/331"
VW_2253 = "https://github.com/VowpalWabbit/vowpal_wabbit/issues/2253"
RAGAS_805 = "https://github.com/vibrantlabsai/ragas/issues/805"
ELIZA_148 = "https://github.com/elizaOS/eliza/issues/148"
EASY_DATASET_507 = "https://github.com/ConardLi/easy-dataset/pull/507"
MIDSCENE_1576 = "https://github.com/web-infra-dev/midscene/pull/1576"
LANGCHAIN_38996 = "https://github.com/langchain-ai/langchain/pull/38996"
ONTOCAST_50 = "https://github.com/growgraph/ontocast/issues/50"


def shipment_cases() -> list[dict[str, Any]]:
    """Shipments: units, amounts and dates as the public reports show models writing them.

    Each entry: changed fields, expect, why (one line), source.
    """
    s = SHIPMENT
    rows: list[tuple[dict[str, Any], str, str, str]] = [
        ({"weight_kg": "5.5 kg"}, "value", "a unit the field names (kg)", INSTRUCTOR_1314),
        (
            {"weight_kg": "5.5kg"},
            "value",
            "the field's unit written without a space",
            INSTRUCTOR_1314,
        ),
        (
            {"weight_kg": "12 lb"},
            "refuse",
            "a unit the field does not name (lb for kg)",
            INSTRUCTOR_1314,
        ),
        (
            {"weight_kg": "5,5 kg"},
            "value",
            "a decimal comma with the field's unit",
            INSTRUCTOR_1314,
        ),
        (
            {"declared_value": "€1,234.50"},
            "value",
            "a currency symbol and thousands separator",
            INSTRUCTOR_1314,
        ),
        (
            {"declared_value": "1.234,50 EUR"},
            "value",
            "a currency code after a decimal-comma amount",
            INSTRUCTOR_1314,
        ),
        (
            {"declared_value": "USD 1,234.50"},
            "value",
            "a currency code before the amount",
            INSTRUCTOR_1314,
        ),
        (
            {"declared_value": "1,234"},
            "refuse",
            "1,234 for a float: thousands or a decimal comma",
            INSTRUCTOR_1314,
        ),
        (
            {"declared_value": "about 1200"},
            "refuse",
            "an approximate amount in words",
            INSTRUCTOR_1314,
        ),
        (
            {"pieces": "3 pieces"},
            "value",
            "a count in the unit the field is named for",
            INSTRUCTOR_1314,
        ),
        (
            {"pieces": "3 boxes"},
            "refuse",
            "a count with a unit the field does not name",
            INSTRUCTOR_1314,
        ),
        ({"pieces": "three"}, "refuse", "a number in words", INSTRUCTOR_1314),
        ({"ship_date": "5 March 2024"}, "value", "a day-month-year date in words", INSTRUCTOR_1314),
        (
            {"ship_date": "March 5, 2024"},
            "value",
            "a month-day-year date in words",
            INSTRUCTOR_1314,
        ),
        (
            {"ship_date": "Tuesday, March 5, 2024"},
            "value",
            "a date with its (right) weekday",
            INSTRUCTOR_1314,
        ),
        (
            {"ship_date": "Monday, March 5, 2024"},
            "refuse",
            "a date whose weekday contradicts it",
            INSTRUCTOR_1314,
        ),
        ({"ship_date": "2024-3-5"}, "value", "an ISO date without zero padding", LORAX_392),
        (
            {"ship_date": "2024-03-05T00:00:00Z"},
            "value",
            "a midnight timestamp for a date",
            LORAX_392,
        ),
        (
            {"ship_date": "2024-03-05T14:35:00"},
            "refuse",
            "a timestamp with a time of day for a date",
            INSTRUCTOR_1314,
        ),
        (
            {"ship_date": "03/05/2024"},
            "refuse",
            "a numeric date with two day-month readings",
            INSTRUCTOR_1314,
        ),
        (
            {"ship_date": "20/01/2025"},
            "value",
            "a numeric date with one day-month reading",
            INSTRUCTOR_1314,
        ),
        ({"ship_date": "next Tuesday"}, "refuse", "a relative date", INSTRUCTOR_1314),
    ]
    found: list[dict[str, Any]] = []
    for changes, expect, why, source in rows:
        raw = pretty({**s, **changes})
        value = None if expect == "refuse" else s
        if expect == "value" and "ship_date" in changes and changes["ship_date"] == "20/01/2025":
            value = {**s, "ship_date": "2025-01-20"}
        found.append(_sourced("shipment", value, raw, expect, why, source))
    body = "\n".join(f"{k}: {v}" for k, v in s.items())
    bold = "\n".join(f"**{k}**: {json.dumps(v)}," for k, v in s.items())
    numbered = "\n".join(f"{n}. **{k}**: {v}" for n, (k, v) in enumerate(s.items(), 1))
    nan = pretty(s).replace("5.5", "NaN")
    minus_nan = pretty(s).replace("5.5", "-nan")
    infinity = pretty(s).replace("1234.5", "Infinity")
    unquoted_date = pretty(s).replace('"2024-03-05"', "2024-03-05")
    unquoted_word = pretty({**s, "reference": "SHP"}).replace('"SHP"', "NONE")
    ragas = (
        '{\n  "reference": "SHP-2024-117",\n  "weight_kg": 5.5\n  "declared_value": 1234.5,\n'
        '  "pieces": 3,\n  "ship_date": "2024-03-05",\n}'
    )
    one_element = pretty({**s, "pieces": [3], "reference": ["SHP-2024-117"]})
    several = pretty({**s, "reference": ["SHP-2024-117", "SHP-2024-118"]})
    fence = "```json\n" + pretty(s) + "\n```"
    correction = pretty(s) + '\n\nCorrection: {"weight_kg": 6.5}'
    repeat = pretty(s) + '\n\nTo confirm: {"weight_kg": 5.5}'
    for value, raw, expect, why, source in [
        (s, one_element, "value", "one-element lists around single values", LANGCHAIN_38996),
        (None, several, "refuse", "several values where the field wants one", ONTOCAST_50),
        (s, fence + "\n\n" + fence, "value", "the same answer in two fences", EASY_DATASET_507),
        (None, correction, "refuse", "a later object giving a field another value", MIDSCENE_1576),
        (s, repeat, "value", "a later object repeating a value of the answer", MIDSCENE_1576),
        (
            s,
            bold,
            "value",
            "markdown-bold keys with JSON values and commas, no braces",
            FINDAJOB_638,
        ),
        (s, numbered, "value", "a numbered list of bold field labels", HINDSIGHT_2029),
        (
            s,
            "Here is the shipment:\n\n" + body,
            "value",
            "a heading line, then field lines",
            HINDSIGHT_2029,
        ),
        (
            None,
            body + "\nNote: weight estimated",
            "refuse",
            "a prose line after the fields",
            HINDSIGHT_2029,
        ),
        (None, nan, "refuse", "NaN where a number is wanted: no value given", VW_2253),
        (None, minus_nan, "refuse", "-nan where a number is wanted", PPLACER_331),
        (None, infinity, "refuse", "Infinity where an amount is wanted", VW_2253),
        (None, unquoted_date, "refuse", "an unquoted date value", LORAX_392),
        (None, unquoted_word, "refuse", "an unquoted word as a string value", ELIZA_148),
        (s, ragas, "value", "a missing comma at a line break and a trailing comma", RAGAS_805),
    ]:
        found.append(_sourced("shipment", value, raw, expect, why, source))
    return found


def _sourced(
    schema: str, value: Any, raw: str, expect: str, why: str, source: str
) -> dict[str, Any]:
    verdict = "one reading, nothing lost" if expect == "value" else "a guess or lost data"
    return {
        "id": "",
        "schema": schema,
        "raw": raw,
        "expect": expect,
        "value": value,
        "why": f"{why}: {verdict}",
        "source": source,
    }


if __name__ == "__main__":
    items = build()
    with OUT.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    counts = {e: sum(1 for c in items if c["expect"] == e) for e in ("value", "refuse")}
    print(f"wrote {len(items)} cases to {OUT}: {counts}")

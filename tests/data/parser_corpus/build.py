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


RECOVERABLE: list[tuple[str, Callable[[Any, int], str]]] = [
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


REFUSALS_COMMON: list[tuple[str, Callable[[Any, int], str]]] = [
    ("cut off in the middle of the last string", cut_mid_string),
    ("cut off at max tokens, 60% through", cut_at_fraction(0.6)),
    ("cut off at max tokens, 90% through", cut_at_fraction(0.9)),
    ("cut off right after a comma", cut_after_comma),
    ("wrapper with another key: unwrapping would drop data", wrapper_with_metadata),
]

REFUSALS_BY_SCHEMA: dict[str, list[tuple[str, Callable[[Any, int], str]]]] = {
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
                if (d + r) % spread:
                    continue
                why, damage = RECOVERABLE[d]
                cases.append(case(schema, record, damage(record, r + d), "value", why))
            for d, (why, damage) in enumerate(refusals):
                if (d + r) % 2 and len(records) > 3:
                    continue
                cases.append(case(schema, None, damage(record, r + d), "refuse", why))
    cases.extend(special_cases())
    for n, item in enumerate(cases, start=1):
        item["id"] = f"{item['schema']}-{n:03d}"
    return cases


def case(schema: str, value: Any, raw: str, expect: str, why: str) -> dict[str, Any]:
    return {"id": "", "schema": schema, "raw": raw, "expect": expect, "value": value, "why": why}


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
            None,
            '{"customer": {"name": "Ann Lee", "email": "ann@lee.org", "note": "said "hi" twice"}}',
            "refuse",
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
            None,
            "label: technical\nconfidence: 0.7\nreason: crash",
            "refuse",
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
            None,
            "{\u201cname\u201d: \u201cAnn Lee\u201d, \u201cemail\u201d: \u201cann@lee.org\u201d}",
            "refuse",
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
    return specials


if __name__ == "__main__":
    items = build()
    with OUT.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    counts = {e: sum(1 for c in items if c["expect"] == e) for e in ("value", "refuse")}
    print(f"wrote {len(items)} cases to {OUT}: {counts}")

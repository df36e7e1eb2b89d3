"""The bundled intake data set is well formed, self-consistent and as varied as promised."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
from examples.intake.schema import CustomerRecord

Pair = tuple[dict[str, Any], dict[str, Any]]

OUTCOMES = {"stored", "review", "rejected"}
REASONS = {"missing_field", "two_customers", "injection", "junk", "invalid_value"}

MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS_NATIVE = {
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pl": "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października "
    "listopada grudnia",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
}
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def received_date(message: dict[str, Any]) -> date:
    return datetime.fromisoformat(message["received_at"]).date()


def ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def absolute_forms(value: date) -> dict[str, set[str]]:
    """Every way the data set may write an absolute date, by format name."""
    d, m, y = value.day, value.month, value.year
    month = MONTHS_EN[m - 1]
    forms = {
        "iso": {value.isoformat()},
        "month_first_slash": {f"{m}/{d}/{y}", f"{m:02d}/{d:02d}/{y}"},
        "day_first_slash": {f"{d:02d}/{m:02d}/{y}"},
        "dotted": {f"{d:02d}.{m:02d}.{y}"},
        "dashed_dmy": {f"{d}-{m}-{y}"},
        "english_long": {
            f"{month} {ordinal(d)}, {y}",
            f"{month} {d}, {y}",
            f"{month[:3]} {d}, {y}",
            f"{d} {month} {y}",
        },
        "native_long": set(),
    }
    for names in MONTHS_NATIVE.values():
        native = names.split()[m - 1]
        forms["native_long"] |= {
            f"{d} de {native} de {y}",
            f"{d} {native} {y}",
            f"{d}. {native} {y}",
            f"1er {native} {y}",
        }
    return forms


def relative_meaning(body: str, received: date) -> set[date]:
    """The dates that the relative phrases in `body` can mean, counted from the day received."""
    meanings: set[date] = set()
    if re.search(r"\byesterday\b", body):
        meanings.add(received - timedelta(days=1))
    for word in re.findall(r"\b(two|three|four|five|six) days\b", body):
        meanings.add(received - timedelta(days=NUMBER_WORDS[word]))
    for name in re.findall(r"\blast (" + "|".join(WEEKDAYS_EN) + r")\b", body):
        back = (received.weekday() - WEEKDAYS_EN.index(name)) % 7 or 7
        meanings.add(received - timedelta(days=back))
    return meanings


def date_format_in(message: dict[str, Any], signup: date) -> str | None:
    """Name of the format in which the message states `signup`, or None if it does not."""
    body = message["body"]
    for name, forms in absolute_forms(signup).items():
        if any(
            re.search(r"(?<![\d/.-])" + re.escape(form) + r"(?![\d/-])", body) for form in forms
        ):
            return name
    if signup in relative_meaning(body, received_date(message)):
        return "relative"
    return None


def stored(pairs: list[Pair]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(message, row["record"]) for message, row in pairs if row["outcome"] == "stored"]


def test_data_set_has_at_least_220_messages(messages: list[dict[str, Any]]) -> None:
    assert len(messages) >= 220


def test_ids_are_unique_and_the_same_in_both_files(
    messages: list[dict[str, Any]], expected: list[dict[str, Any]]
) -> None:
    message_ids = [m["id"] for m in messages]
    expected_ids = [e["id"] for e in expected]
    assert len(set(message_ids)) == len(message_ids), "duplicate id in messages.jsonl"
    assert len(set(expected_ids)) == len(expected_ids), "duplicate id in expected.jsonl"
    assert set(message_ids) == set(expected_ids)


def test_every_message_has_the_documented_fields(messages: list[dict[str, Any]]) -> None:
    for message in messages:
        assert set(message) == {"id", "sender", "subject", "body", "received_at"}, message["id"]
        assert all(isinstance(message[key], str) for key in message), message["id"]
        assert message["body"].strip(), message["id"]


def test_every_received_at_is_an_aware_iso_timestamp_in_the_past(
    messages: list[dict[str, Any]],
) -> None:
    for message in messages:
        received = datetime.fromisoformat(message["received_at"])
        assert received.tzinfo is not None, f"{message['id']}: received_at has no time zone"
        assert date(2020, 1, 1) <= received.date() <= date(2026, 11, 26), message["id"]


def test_outcomes_and_reasons_are_consistent(expected: list[dict[str, Any]]) -> None:
    for row in expected:
        assert row["outcome"] in OUTCOMES, row["id"]
        if row["outcome"] == "stored":
            assert row["record"] is not None and row["reason"] is None, row["id"]
        else:
            assert row["record"] is None and row["reason"] in REASONS, row["id"]
        if row["outcome"] == "rejected":
            assert row["reason"] == "junk", row["id"]


def test_about_sixty_percent_of_messages_are_stored(expected: list[dict[str, Any]]) -> None:
    share = sum(row["outcome"] == "stored" for row in expected) / len(expected)
    assert 0.55 <= share <= 0.65, share


def test_every_expected_record_validates_unchanged(pairs: list[Pair]) -> None:
    for message, record in stored(pairs):
        context = {"today": received_date(message)}
        validated = CustomerRecord.model_validate(record, context=context)
        # Expected records are already normalized: validation must not rewrite them.
        assert validated.model_dump(mode="json") == record, message["id"]


def test_expected_values_are_written_in_the_message(pairs: list[Pair]) -> None:
    for message, record in stored(pairs):
        text = f"{message['sender']}\n{message['subject']}\n{message['body']}"
        folded = text.casefold()
        assert record["full_name"] in text, message["id"]
        assert record["email"] in folded, message["id"]
        assert record["plan"] in folded, message["id"]
        if record["company"] is not None:
            assert record["company"].casefold() in folded, message["id"]
        if record["phone"] is not None:
            national = str(phonenumbers.parse(record["phone"]).national_number)
            assert national in re.sub(r"\D", "", text), message["id"]


def test_expected_signup_date_is_stated_in_the_message(pairs: list[Pair]) -> None:
    for message, record in stored(pairs):
        signup = date.fromisoformat(record["signup_date"])
        assert date_format_in(message, signup) is not None, (
            f"{message['id']}: signup date {signup} is not written in the message"
        )


def test_relative_dates_are_counted_from_the_day_received(pairs: list[Pair]) -> None:
    relative = 0
    for message, record in stored(pairs):
        signup = date.fromisoformat(record["signup_date"])
        if date_format_in(message, signup) != "relative":
            continue
        relative += 1
        received = received_date(message)
        assert timedelta(days=1) <= received - signup <= timedelta(days=7), message["id"]
        match = re.search(r"\blast (\w+day)\b", message["body"])
        if match:
            assert WEEKDAYS_EN[signup.weekday()] == match.group(1), message["id"]
    assert relative >= 5


def test_dates_appear_in_many_formats(pairs: list[Pair]) -> None:
    formats = Counter(
        date_format_in(message, date.fromisoformat(record["signup_date"]))
        for message, record in stored(pairs)
    )
    for name in (
        "iso",
        "month_first_slash",
        "day_first_slash",
        "dotted",
        "english_long",
        "native_long",
        "relative",
    ):
        assert formats[name] >= 3, (name, formats)


def test_non_english_messages_record_their_language(pairs: list[Pair]) -> None:
    languages = Counter(record["language"] for _, record in stored(pairs))
    non_english = sum(n for code, n in languages.items() if code != "en")
    assert non_english >= 15, languages
    assert len([code for code in languages if code != "en"]) >= 6, languages
    for message, row in pairs:
        tagged = "non_english" in row.get("tags", [])
        if row["record"] is not None:
            assert tagged == (row["record"]["language"] != "en"), message["id"]


def test_review_and_rejection_categories_are_well_populated(expected: list[dict[str, Any]]) -> None:
    reasons = Counter(row["reason"] for row in expected)
    assert reasons["injection"] >= 10, reasons
    assert reasons["junk"] >= 10, reasons
    assert reasons["two_customers"] >= 5, reasons
    assert reasons["missing_field"] >= 10, reasons
    assert reasons["invalid_value"] >= 10, reasons


def test_forwarded_and_two_customer_messages_are_well_populated(pairs: list[Pair]) -> None:
    forwarded_stored = [
        (message, record)
        for message, record in stored(pairs)
        if re.search(r"Forwarded message|Original Message", message["body"])
    ]
    # In a forward, the customer is in the quoted part, not the sender.
    for message, record in forwarded_stored:
        assert record["email"] not in message["sender"].casefold(), message["id"]
    two_customers = [row for _, row in pairs if row["reason"] == "two_customers"]
    assert len(forwarded_stored) + len(two_customers) >= 10
    assert len(forwarded_stored) >= 5


def test_many_stored_records_lack_optional_fields(pairs: list[Pair]) -> None:
    records = [record for _, record in stored(pairs)]
    assert sum(r["phone"] is None or r["company"] is None for r in records) >= 20
    assert sum(r["phone"] is None for r in records) >= 10
    assert sum(r["company"] is None for r in records) >= 10
    assert sum(r["phone"] is None and r["company"] is None for r in records) >= 5


def test_injection_messages_carry_instructions_aimed_at_the_model(pairs: list[Pair]) -> None:
    pattern = re.compile(
        r"ignor|disregard|forget|system|assistant|language model|\bAI\b|automated", re.IGNORECASE
    )
    for message, row in pairs:
        if row["reason"] == "injection":
            assert pattern.search(message["body"]), message["id"]


def test_phones_come_from_many_countries(pairs: list[Pair]) -> None:
    regions = {
        phonenumbers.region_code_for_number(phonenumbers.parse(record["phone"]))
        for _, record in stored(pairs)
        if record["phone"] is not None
    }
    assert len(regions) >= 8, regions


def test_names_are_not_repeated_across_stored_records(pairs: list[Pair]) -> None:
    names = Counter(record["full_name"] for _, record in stored(pairs))
    assert names.most_common(1)[0][1] == 1, names.most_common(3)

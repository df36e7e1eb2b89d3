"""The evidence, field by field, over the bundled messages: every email, phone and date the
expectations hold is among the candidates, and what nothing decides is reported as such."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from examples.intake.app import OWN_DOMAINS
from examples.intake.evidence import EvidenceSet, gather

from .conftest import EXPECTED, MESSAGES

STORED = sorted(m for m, row in EXPECTED.items() if row["outcome"] == "stored")


def _evidence(message: str, **options: Any) -> EvidenceSet:
    m = MESSAGES[message]
    day = datetime.fromisoformat(m["received_at"]).date()
    return gather(m["sender"], m["subject"], m["body"], day, own_domains=OWN_DOMAINS, **options)


@pytest.mark.parametrize("field", ["email", "phone", "signup_date", "plan", "language"])
def test_every_expected_value_is_among_the_candidates(field: str) -> None:
    missing = []
    for message in STORED:
        wanted = EXPECTED[message]["record"][field]
        found = _evidence(message).findings[field]
        values = {c.value for c in found.candidates} | {found.value}
        if wanted is not None and wanted not in values:
            missing.append((message, wanted, sorted(v for v in values if v)))
    assert missing == []


def test_each_candidate_keeps_the_span_it_came_from() -> None:
    for message in STORED[:40]:
        found = _evidence(message)
        for finding in found.findings.values():
            for c in finding.candidates:
                assert found.text[c.start : c.end] == c.text


def test_a_message_with_an_invalid_email_has_no_decided_email() -> None:
    invalid = [m for m, row in EXPECTED.items() if "invalid:email" in row["tags"]]
    assert invalid
    for message in invalid:
        assert _evidence(message).findings["email"].value is None, message


def test_a_phone_that_is_not_valid_is_reported_invalid() -> None:
    invalid = [m for m, row in EXPECTED.items() if "invalid:phone" in row["tags"]]
    assert invalid
    for message in invalid:
        assert _evidence(message).findings["phone"].problem == "invalid", message


@pytest.mark.parametrize("tag", ["invalid:date_future", "invalid:date_past"])
def test_a_signup_date_out_of_range_is_reported_invalid(tag: str) -> None:
    for message in (m for m, row in EXPECTED.items() if tag in row["tags"]):
        assert _evidence(message).findings["signup_date"].problem == "invalid", message


def test_a_numeric_date_nothing_disambiguates_stays_ambiguous() -> None:
    found = gather(
        "Jo Park <jo@example.org>",
        "Invoice",
        "Hi, we signed up on 04/03/2021 and we are on the Pro plan.\n\nJo Park",
        date(2024, 1, 10),
        default_region=None,
    )
    signup = found.findings["signup_date"]
    assert signup.problem == "ambiguous"
    assert "2021-03-04" in signup.reason and "2021-04-03" in signup.reason


def test_the_locale_decides_a_numeric_date() -> None:
    body = "Hola, nos registramos el 04/03/2021 y tenemos el plan Pro.\n\nSaludos,\nAna Ruiz"
    found = gather("Ana Ruiz <ana@example.es>", "Factura", body, date(2024, 1, 10))
    assert found.findings["signup_date"].value == "2021-03-04"
    assert found.findings["language"].value == "es"


def test_a_relative_date_counts_from_the_arrival_day() -> None:
    found = gather(
        "Jo Park <jo@example.org>",
        "Hello",
        "We signed up three days ago and we're on the Starter plan.\n\nJo Park",
        date(2024, 8, 14),
    )
    assert found.findings["signup_date"].value == "2024-08-11"
    assert found.findings["plan"].value == "starter"


def test_a_plan_asked_about_is_not_the_plan_the_customer_is_on() -> None:
    found = gather(
        "Jo Park <jo@example.org>",
        "Upgrade",
        "We're on the Starter plan since 2021-03-04 and want to upgrade to Pro.\n\nJo Park",
        date(2024, 8, 14),
    )
    assert found.findings["plan"].value == "starter"


def test_a_name_keeps_its_apostrophe_and_a_word_inside_another_is_no_introduction() -> None:
    # "import contacts from" once read as the introduction "I'm port contacts from".
    assert _evidence("msg-0217").values("full_name") == ["Daniel O'Connor"]
    assert "Tara O'Connor" in _evidence("msg-0186").values("full_name")


def test_summary_options_are_the_request_sentences_then_the_subject() -> None:
    found = gather(
        "jo@acme.io",
        "Re: [Pro] Adding seats",
        "Hi,\n\nWe're on Pro since 2020. In case you need it: we pay yearly.\n"
        "Could you add three seats for our new hires?\n\nThanks,\nJo Park",
        date(2026, 1, 5),
    )
    options = found.findings["summary"].candidates
    assert [c.value for c in options] == [
        "Could you add three seats for our new hires?",
        "Adding seats",
    ]
    for c in options:  # each keeps the span it came from
        assert found.text[c.start : c.end] == c.text

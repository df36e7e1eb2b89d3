"""`CustomerRecord` normalizes what is unambiguous and refuses what is wrong, saying why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from examples.intake.schema import (
    LANGUAGE_CODES,
    PLAN_VALUES,
    SUMMARY_OVERLAP_THRESHOLD,
    CustomerRecord,
    Plan,
    compare_records,
    summary_overlap,
)
from pydantic import ValidationError


def valid(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "full_name": "Amara Okafor",
        "email": "amara.okafor@saffronkitchen.co.uk",
        "phone": "+44 20 7946 0123",
        "company": "Saffron Kitchen",
        "plan": "pro",
        "signup_date": "2021-03-04",
        "language": "en",
        "summary": "Update the credit card on file.",
    }
    data.update(changes)
    return data


def refusal(field: str, **changes: Any) -> str:
    """The error message for `field` when validating a record with `changes`."""
    with pytest.raises(ValidationError) as caught:
        CustomerRecord.model_validate(valid(**changes))
    errors = [e for e in caught.value.errors() if e["loc"] == (field,)]
    assert errors, caught.value.errors()
    return str(errors[0]["msg"])


def test_a_clean_record_validates_and_round_trips_through_json() -> None:
    record = CustomerRecord.model_validate(valid())
    again = CustomerRecord.model_validate_json(record.model_dump_json())
    assert again == record
    assert record.plan is Plan.PRO
    assert record.signup_date == date(2021, 3, 4)


def test_values_are_normalized() -> None:
    record = CustomerRecord.model_validate(
        valid(
            full_name="  Amara   Okafor ",
            email="Amara.Okafor@SaffronKitchen.CO.UK",
            phone="(415) 555-0132",
            company="  Saffron Kitchen ",
            plan=" Enterprise ",
            language="FR",
            summary="  Wants a refund.  ",
        )
    )
    assert record.full_name == "Amara Okafor"
    assert record.email == "amara.okafor@saffronkitchen.co.uk"
    assert record.phone == "+14155550132"
    assert record.company == "Saffron Kitchen"
    assert record.plan is Plan.ENTERPRISE
    assert record.language == "fr"
    assert record.summary == "Wants a refund."


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("415.555.0132", "+14155550132"),
        ("+1-415-555-0132", "+14155550132"),
        ("(415) 555-0132 ext. 12", "+14155550132"),
        ("+49 30 901820", "+4930901820"),
        ("+55 11 91234-5678", "+5511912345678"),
    ],
)
def test_phones_become_e164_with_us_as_the_default_region(written: str, e164: str) -> None:
    assert CustomerRecord.model_validate(valid(phone=written)).phone == e164


@pytest.mark.parametrize("blank", [None, "", "   ", "null", "N/A"])
def test_absent_optional_values_become_none(blank: str | None) -> None:
    record = CustomerRecord.model_validate(valid(phone=blank, company=blank))
    assert record.phone is None
    assert record.company is None


def test_optional_fields_default_to_none() -> None:
    data = valid()
    del data["phone"], data["company"]
    record = CustomerRecord.model_validate(data)
    assert (record.phone, record.company) == (None, None)


def test_future_signup_date_is_refused() -> None:
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    message = refusal("signup_date", signup_date=tomorrow.isoformat())
    assert "in the future" in message and tomorrow.isoformat() in message


def test_signup_after_the_message_arrived_is_refused_when_given_that_day() -> None:
    data = valid(signup_date="2024-05-10")
    CustomerRecord.model_validate(data, context={"today": date(2024, 5, 10)})
    with pytest.raises(ValidationError, match="the day the message arrived is 2024-05-09"):
        CustomerRecord.model_validate(data, context={"today": date(2024, 5, 9)})


def test_signup_before_2000_is_refused() -> None:
    assert "before 2000-01-01" in refusal("signup_date", signup_date="1999-12-31")
    CustomerRecord.model_validate(valid(signup_date="2000-01-01"))


@pytest.mark.parametrize("bad", ["04/03/2021", "March 4th, 2021", "2021-02-30", "yesterday"])
def test_signup_date_must_be_a_real_iso_date(bad: str) -> None:
    assert "YYYY-MM-DD" in refusal("signup_date", signup_date=bad)


@pytest.mark.parametrize("bad", [1614816000, datetime(2021, 3, 4, 12, 0)])
def test_signup_date_refuses_timestamps_and_datetimes(bad: object) -> None:
    assert "date" in refusal("signup_date", signup_date=bad)


@pytest.mark.parametrize(
    "bad",
    [
        "amara.okafor@saffronkitchen",
        "amara@@saffron.co.uk",
        "amara okafor@x.com",
        "amara at saffron dot com",
        "",
    ],
)
def test_bad_email_is_refused(bad: str) -> None:
    assert "email" in refusal("email", email=bad).lower()


@pytest.mark.parametrize("bad", ["12345", "555-01", "+1 (000) 000-0000", "call me", "+44 12"])
def test_bad_phone_is_refused_not_dropped(bad: str) -> None:
    message = refusal("phone", phone=bad)
    assert repr(bad) in message and "country code" in message


@pytest.mark.parametrize("bad", ["gold", "Premium", "pro plan", ""])
def test_unknown_plan_is_refused_with_the_allowed_values(bad: str) -> None:
    message = refusal("plan", plan=bad)
    assert "free, starter, pro, enterprise" in message


@pytest.mark.parametrize("bad", ["xx", "eng", "en-US", "English", ""])
def test_unknown_language_is_refused(bad: str) -> None:
    assert "ISO 639-1" in refusal("language", language=bad)


def test_text_fields_refuse_empty_overlong_and_non_text_values() -> None:
    assert "at least 1" in refusal("full_name", full_name="   ")
    assert "at most 100" in refusal("full_name", full_name="x" * 101)
    assert "at most 300" in refusal("summary", summary="y" * 301)
    assert "at least 1" in refusal("summary", summary="")
    assert "expected text" in refusal("full_name", full_name=42)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        CustomerRecord.model_validate(valid(vip=True))


def test_plan_values_and_language_codes_are_the_published_sets() -> None:
    assert PLAN_VALUES == ("free", "starter", "pro", "enterprise")
    assert len(LANGUAGE_CODES) == 183
    assert {"en", "es", "fr", "de", "pt", "it", "nl", "pl", "sv"} <= LANGUAGE_CODES


def test_compare_records_marks_every_field_of_an_identical_record_correct() -> None:
    record = CustomerRecord.model_validate(valid())
    assert compare_records(record, record) == dict.fromkeys(
        ["full_name", "email", "phone", "company", "plan", "signup_date", "language", "summary"],
        True,
    )


def test_compare_records_ignores_case_and_spacing_of_name_and_company_only() -> None:
    expected = CustomerRecord.model_validate(valid())
    got = CustomerRecord.model_validate(
        valid(
            full_name="AMARA  okafor",
            company="SAFFRON KITCHEN",
            phone="+44 20 7946 0999",
            plan="starter",
            signup_date="2021-03-05",
            language="de",
        )
    )
    result = compare_records(expected, got)
    assert result["full_name"] and result["company"] and result["email"]
    assert not any(result[f] for f in ("phone", "plan", "signup_date", "language"))


def test_compare_records_tells_a_missing_optional_value_from_a_present_one() -> None:
    expected = CustomerRecord.model_validate(valid(phone=None, company=None))
    got = CustomerRecord.model_validate(valid())
    result = compare_records(expected, got)
    assert not result["phone"] and not result["company"]
    assert compare_records(expected, expected)["phone"]


def test_summary_paraphrase_counts_as_correct_and_an_unrelated_one_does_not() -> None:
    expected = CustomerRecord.model_validate(valid(summary="Refund a duplicate charge this month."))
    paraphrase = CustomerRecord.model_validate(
        valid(summary="Customer was charged twice and wants the duplicate charges refunded")
    )
    unrelated = CustomerRecord.model_validate(valid(summary="Asks about EU data hosting."))
    assert compare_records(expected, paraphrase)["summary"]
    assert not compare_records(expected, unrelated)["summary"]


def test_summary_overlap_is_the_share_of_expected_content_words_found() -> None:
    assert summary_overlap("Update the credit card", "credit card update please") == 1.0
    assert summary_overlap("Update the credit card", "new card") == pytest.approx(1 / 3)
    assert summary_overlap("Exported invoices", "export of the invoice") == 1.0
    assert summary_overlap("the", "") == 1.0
    assert summary_overlap("the", "refund") == 0.0
    assert 0 < SUMMARY_OVERLAP_THRESHOLD <= 1

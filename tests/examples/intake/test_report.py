"""The summary: outcome counts, field accuracy with compare_records, refusals per field."""

from __future__ import annotations

from typing import Any

from examples.intake.outcomes import MessageOutcome
from examples.intake.report import summarize

from .conftest import EXPECTED


def _record(message: str, **changes: Any) -> dict[str, Any]:
    record = EXPECTED[message]["record"]
    assert record is not None
    return {**record, **changes}


def test_wrong_but_valid_fields_are_counted_and_refusals_are_counted_per_field() -> None:
    refused_date = {
        "outcome": "invalid_output",
        "reask": False,
        "cached": False,
        "output_tokens": 40,
        "latency_ms": 2000.0,
        "repairs": [],
        "errors": [{"loc": ["signup_date"], "msg": "in the future"}],
    }
    accepted = {
        **refused_date,
        "outcome": "ok",
        "reask": True,
        "errors": [],
        "repairs": [{"kind": "trailing_comma"}],
    }
    results = [
        MessageOutcome(
            "msg-0003", 1, "stored", record=_record("msg-0003"), attempts=(refused_date, accepted)
        ),
        MessageOutcome("msg-0002", 2, "stored", record=_record("msg-0002", full_name="Agnes W")),
        MessageOutcome("msg-0001", 3, "stored", record=_record("msg-0003")),  # expected review
        MessageOutcome("msg-0010", 4, "rejected", reason="junk"),
        MessageOutcome(
            "msg-0011",
            5,
            "review",
            reviewed=True,
            refusals=({"message": "invalid_value: record refused: signup_date: x"},),
        ),
    ]
    s = summarize(results, EXPECTED, seconds=10.0, settled_this_run=5)
    assert (s.counts["stored"], s.counts["rejected"], s.counts["review"]) == (3, 1, 1)
    assert (s.counts["reasked"], s.counts["repaired"], s.counts["sent to review"]) == (1, 1, 1)
    assert s.scored == 2  # msg-0001 was stored although a person should have seen it
    assert s.confusion[("review", "stored")] == 1
    assert s.field_correct["full_name"] == 1 and s.wrong_stored["full_name"] == 1
    assert s.field_correct["email"] == 2
    assert s.caught["signup_date"] == 2  # one answer re-asked, one record refused by Customers
    assert s.tokens_per_second == 20.0

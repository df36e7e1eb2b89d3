"""The run summary: counts, throughput and field-level accuracy against expected records."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from examples.intake.outcomes import MessageOutcome
from examples.intake.schema import CustomerRecord, compare_records

__all__ = ["BadExpectations", "Summary", "load_expected", "render", "summarize"]

FIELDS = tuple(CustomerRecord.model_fields)


@dataclass
class Summary:
    """Everything the demo prints at the end of a run."""

    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    settled_this_run: int = 0
    output_tokens: int = 0
    generation_ms: float = 0.0
    model_calls: int = 0
    field_correct: Counter[str] = field(default_factory=Counter)
    scored: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)  # field -> answers refused
    wrong_stored: Counter[str] = field(default_factory=Counter)  # field -> stored but wrong

    @property
    def tokens_per_second(self) -> float | None:
        return self.output_tokens / (self.generation_ms / 1000) if self.generation_ms else None


class BadExpectations(ValueError):
    """An expectations file that cannot be used; the message names the line and the fix."""


_OUTCOMES = ("stored", "review", "rejected")
_LAYOUT = (
    'each line must be a JSON object with "id", "outcome" (stored, review or rejected) and, '
    'for stored, a "record" with the fields ' + ", ".join(FIELDS)
)


def _expected_row(raw: str) -> tuple[str, dict[str, Any]]:
    try:
        row = json.loads(raw)
    except json.JSONDecodeError:
        raise BadExpectations("not valid JSON") from None
    if not isinstance(row, dict):
        raise BadExpectations("not a JSON object")
    if not isinstance(row.get("id"), str) or not row["id"]:
        raise BadExpectations('no "id" (a non-empty string)')
    if row.get("outcome") not in _OUTCOMES:
        raise BadExpectations(f'"outcome" is {row.get("outcome")!r}, not one of {_OUTCOMES}')
    if row["outcome"] == "stored":
        record = row.get("record")
        missing = [f for f in FIELDS if not isinstance(record, dict) or f not in record]
        if missing:
            raise BadExpectations(f'"record" lacks {", ".join(missing)}')
    return row["id"], row


def load_expected(path: Path) -> dict[str, dict[str, Any]]:
    """``expected.jsonl`` by message id (empty when the file does not exist).

    Raises `BadExpectations` naming ``FILE:LINE`` and the expected layout when a line does not
    fit it, so that a run never finds out at its end.
    """
    if not path.is_file():
        return {}
    rows: dict[str, dict[str, Any]] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadExpectations(f"{path}: cannot be read ({exc})") from None
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            key, row = _expected_row(raw)
        except BadExpectations as exc:
            raise BadExpectations(f"{path}:{number}: {exc}; {_LAYOUT}") from None
        rows[key] = row
    return rows


def _field(error: Mapping[str, Any]) -> str:
    loc = error.get("loc") or ()
    return str(loc[0]) if loc else "record"


def summarize(
    results: Sequence[MessageOutcome],
    expected: Mapping[str, Mapping[str, Any]],
    *,
    seconds: float = 0.0,
    settled_this_run: int = 0,
) -> Summary:
    """Count outcomes and score stored records against the expected ones."""
    s = Summary(seconds=seconds, settled_this_run=settled_this_run)
    for r in results:
        s.counts["messages"] += 1
        s.counts[r.outcome] += 1
        s.counts["repaired"] += r.repaired
        s.counts["reasked"] += r.reasked
        s.counts["fell back"] += r.fell_back
        s.counts["sent to review"] += r.reviewed
        s.counts["merged"] += r.merged
        for attempt in r.attempts:
            if attempt.get("cached"):
                continue
            s.model_calls += 1
            s.output_tokens += int(attempt.get("output_tokens") or 0)
            s.generation_ms += float(attempt.get("latency_ms") or 0.0)
            if attempt.get("outcome") == "invalid_output":
                for name in {_field(e) for e in attempt.get("errors") or ()}:
                    s.caught[name] += 1
        for refusal in r.refusals:  # Customers/add: valid shape, but not for this message
            for name in FIELDS:
                s.caught[name] += f"{name}:" in str(refusal.get("message", ""))
        want = expected.get(r.message)
        if want is None:
            continue
        s.confusion[(str(want["outcome"]), r.outcome)] += 1
        if r.outcome == "stored" and want["outcome"] == "stored" and r.record is not None:
            try:
                got = CustomerRecord.model_validate(r.record)
            except ValidationError:
                continue
            scores = compare_records(CustomerRecord.model_validate(want["record"]), got)
            s.scored += 1
            for name, ok in scores.items():
                s.field_correct[name] += ok
                s.wrong_stored[name] += not ok
    return s


def render(s: Summary, console: Console, *, db: Path | str) -> None:
    """Print the summary and where to look next."""
    c = s.counts
    table = Table(title="intake summary", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("messages", c["messages"]),
        ("stored", f"{c['stored']} ({c['merged']} merged into an existing customer)"),
        ("repaired by the parser", c["repaired"]),
        ("re-asked", c["reasked"]),
        ("fell back", c["fell back"]),
        ("sent to review", f"{c['sent to review']} ({c['review']} still open)"),
        ("rejected", c["rejected"]),
        ("failed", c["failed"]),
    ]
    if c["pending"]:
        rows.append(("unfinished (resume by running again)", c["pending"]))
    for label, value in rows:
        table.add_row(label, str(value))
    if s.seconds:
        table.add_row("wall time", f"{s.seconds:.1f} s")
        rate = (
            f"{s.settled_this_run / s.seconds:.2f} messages/s this run"
            if s.settled_this_run
            else "nothing left to do (every message was done)"
        )
        table.add_row("throughput", rate)
    tps = s.tokens_per_second
    if s.model_calls:
        rate = (
            f", {tps:.1f} output tokens per second of model time" if s.output_tokens and tps else ""
        )
        table.add_row("model calls", f"{s.model_calls}{rate}")
    console.print(table)
    if s.confusion:
        outcomes = ("stored", "review", "rejected", "failed", "pending")
        matrix = Table("expected \\ got", *outcomes, title="outcome vs expected")
        for want in ("stored", "review", "rejected"):
            matrix.add_row(want, *(str(s.confusion[(want, got)]) for got in outcomes))
        console.print(matrix)
    if s.scored:
        acc = Table(
            "field",
            "correct",
            "accuracy",
            "wrong but stored",
            "answers refused (all messages)",
            title=f"field accuracy over {s.scored} records stored where one was expected",
        )
        total = 0
        for name in FIELDS:
            total += s.field_correct[name]
            acc.add_row(
                name,
                str(s.field_correct[name]),
                f"{s.field_correct[name] / s.scored:.0%}",
                str(s.wrong_stored[name]),
                str(s.caught[name]),
            )
        acc.add_row("all fields", str(total), f"{total / (s.scored * len(FIELDS)):.0%}", "", "")
        console.print(acc)
        console.print(
            "Validators (email, phone, plan enum, date range) refuse wrong answers they can "
            "recognize: those are re-asked, fall back or go to review. Values that are wrong "
            "but valid (a plausible name, another real date) pass every validator and are "
            "counted above as 'wrong but stored'."
        )
    console.print("\nWhere to look next:")
    console.print(f"  accord flows --db {db}            recent flows and their status")
    console.print(f"  accord trace FLOW --db {db}       one message's flow, action by action")
    console.print(f"  accord review list --db {db}      messages waiting for a person")

"""What happened to each message, read from the durable action log (the source of truth)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.engine import Record
from accord.store import Store

__all__ = ["MessageOutcome", "flow_attempts", "message_flows", "outcome_of", "outcomes"]

FINAL = ("stored", "review", "rejected", "failed")


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """The fate of one message: ``outcome`` is stored, review, rejected, failed or pending."""

    message: str
    flow: int
    outcome: str
    record: dict[str, Any] | None = None
    reason: str | None = None
    verdict: str | None = None
    merged: bool = False
    fell_back: bool = False
    reviewed: bool = False
    attempts: tuple[dict[str, Any], ...] = ()
    refusals: tuple[dict[str, Any], ...] = field(default=())  # Customers/add validation errors

    @property
    def reasked(self) -> bool:
        return any(a.get("reask") for a in self.attempts)

    @property
    def repaired(self) -> bool:
        return any(a.get("outcome") == "ok" and a.get("repairs") for a in self.attempts)


def message_flows(store: Store) -> dict[str, int]:
    """Message id -> flow, for every message whose arrival was recorded (even if unfinished)."""
    # The input parsed here, not with json_extract: the same SQL on SQLite and PostgreSQL.
    rows = store.reader().all(
        "SELECT flow, input FROM actions WHERE concept = 'Inbox' AND action = 'receive' ORDER BY id"
    )
    found: dict[str, int] = {}
    for row in rows:
        found.setdefault(str(json.loads(row["input"])["message"]), int(row["flow"]))
    return found


def flow_attempts(store: Store) -> dict[int, list[dict[str, Any]]]:
    """Every LLM attempt recorded by Extracting, by flow (empty before any call)."""
    reader = store.reader()
    if not reader.one("SELECT 1 AS found FROM sqlite_master WHERE name = 'llm_attempts'"):
        return {}  # no Extracting tables yet
    rows = reader.all(
        "SELECT flow, model, outcome, reask, cached, output_tokens, latency_ms, "
        "repairs_json, errors_json FROM llm_attempts ORDER BY started_at"
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(int(row["flow"]), []).append(
            {
                "model": row["model"],
                "outcome": row["outcome"],
                "reask": bool(row["reask"]),
                "cached": bool(row["cached"]),
                "output_tokens": row["output_tokens"],
                "latency_ms": row["latency_ms"],
                "repairs": json.loads(row["repairs_json"]),
                "errors": json.loads(row["errors_json"]),
            }
        )
    return found


def _error_message(record: Record) -> str:
    err = record.error
    if isinstance(err, Mapping):
        return f"{err.get('kind', 'error')}: {err.get('message', '')}"
    return str(err)


def outcome_of(
    message: str, records: Sequence[Record], attempts: Sequence[dict[str, Any]] = ()
) -> MessageOutcome:
    """The outcome of one message's flow (``attempts``: its LLM attempts)."""
    flow = records[0].flow if records else 0
    by_name: dict[str, list[Record]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    extracts = by_name.get("Extracting/extract", [])
    screens = [r for r in by_name.get("Screening/screen", []) if r.ok]
    verdict = str(screens[0].output["verdict"]) if screens and screens[0].output else None
    refusals = tuple(
        {"message": _error_message(r)} for r in by_name.get("Customers/add", []) if r.error
    )
    common: dict[str, Any] = {
        "verdict": verdict,
        "fell_back": len(extracts) > 1,
        "reviewed": any(r.ok for r in by_name.get("Reviewing/request", [])),
        "attempts": tuple(attempts),
        "refusals": refusals,
    }
    stored = [r for r in by_name.get("Customers/add", []) if r.ok]
    if stored and stored[-1].output is not None:
        out = stored[-1].output
        return MessageOutcome(
            message, flow, "stored", record=out["record"], merged=bool(out["merged"]), **common
        )
    dropped = [r for r in by_name.get("Inbox/drop", []) if r.ok]
    if dropped and dropped[-1].output is not None:
        return MessageOutcome(
            message, flow, "rejected", reason=str(dropped[-1].output["reason"]), **common
        )
    if any(r.output is None for r in records):
        return MessageOutcome(message, flow, "pending", **common)
    requests = [r for r in by_name.get("Reviewing/request", []) if r.ok]
    if requests:
        return MessageOutcome(
            message, flow, "review", reason=str(requests[-1].input["reason"]), **common
        )
    failures = [r for r in records if r.error is not None]
    reason = _error_message(failures[-1]) if failures else "no sync carried this flow on"
    return MessageOutcome(
        message,
        flow,
        "failed",
        reason=f"{failures[-1].name} {reason}" if failures else reason,
        **common,
    )


def outcomes(store: Store, messages: Iterable[str] | None = None) -> list[MessageOutcome]:
    """Outcomes of the given messages (default: every received message), in arrival order."""
    flows = message_flows(store)
    wanted = list(flows) if messages is None else [m for m in messages if m in flows]
    attempts = flow_attempts(store)
    return [outcome_of(m, store.flow_records(flows[m]), attempts.get(flows[m], ())) for m in wanted]

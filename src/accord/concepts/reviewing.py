"""Reviewing: a durable queue of items waiting for a person's decision.

``request`` puts an item in the queue (subject, payload, reason, proposed value, and the name of
the schema the value must satisfy). A person approves, edits or rejects it — from the CLI
(``accord review``) or any other process, through the store's inbox — and ``resolve`` completes
in the item's own flow, so syncs carry that flow on. An optional deadline turns an unanswered
item into an ``expired`` resolution that syncs can escalate.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import time
from collections.abc import Coroutine, Mapping
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from accord.concept import Concept, Error, Runtime, action, error, query

__all__ = ["Decision", "Requested", "Resolved", "ReviewItem", "Reviewing", "validate_value"]

log = logging.getLogger("accord.reviewing")

Decision = Literal["approve", "edit", "reject", "expire"]
_OUTCOME = {"approve": "approved", "edit": "edited", "reject": "rejected", "expire": "expired"}


class Requested(TypedDict):
    item: str


class Resolved(TypedDict):
    item: str
    decision: str  # approved | edited | rejected | expired
    value: Any  # the accepted value (None when rejected or expired)
    note: str


class ReviewItem(TypedDict):
    item: str
    flow: int
    subject: str
    reason: str
    payload: Any
    proposed: Any
    schema_name: str | None
    schema_ref: str | None
    status: str  # open | approved | edited | rejected | expired
    value: Any
    note: str | None
    reviewer: str | None
    deadline: float | None
    created_at: float
    resolved_at: float | None


def validate_value(model: type[BaseModel] | TypeAdapter[Any], value: Any) -> Any:
    """Validate a reviewed value; returns its JSON form or raises ``ValidationError``."""
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    return adapter.dump_python(adapter.validate_python(value), mode="json")


def schema_reference(model: type[BaseModel]) -> str:
    """``module:QualName`` of a model, so other processes (the review CLI) can import it."""
    return f"{model.__module__}:{model.__qualname__}"


def import_schema(reference: str) -> type[BaseModel]:
    """Import a model from ``module:QualName``."""
    module_name, _, qualname = reference.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    if not (isinstance(target, type) and issubclass(target, BaseModel)):
        raise TypeError(f"{reference} is not a pydantic model")
    return target


def describe_errors(exc: ValidationError) -> str:
    """One line per failing field: ``field: message``."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())


class Reviewing(Concept):
    """Human review of values a program could not decide on."""

    schema = (
        """CREATE TABLE IF NOT EXISTS review_items (
            item TEXT PRIMARY KEY,
            flow INTEGER NOT NULL,
            subject TEXT NOT NULL,
            reason TEXT NOT NULL,
            payload TEXT NOT NULL,
            proposed TEXT,
            schema_name TEXT,
            schema_ref TEXT,
            status TEXT NOT NULL DEFAULT 'open',
            value TEXT,
            note TEXT,
            reviewer TEXT,
            deadline REAL,
            created_at REAL NOT NULL,
            resolved_at REAL
        )""",
        "CREATE INDEX IF NOT EXISTS review_open ON review_items(status, deadline)",
    )

    def __init__(
        self, schemas: Mapping[str, type[BaseModel]] | None = None, *, poll_interval: float = 1.0
    ) -> None:
        self.schemas = dict(schemas or {})
        self.poll_interval = poll_interval
        self._expiring: set[str] = set()

    @action
    def request(
        self,
        subject: str,
        payload: Any,
        reason: str,
        proposed: Any = None,
        schema: str | None = None,
        deadline: float | None = None,
    ) -> Requested | Error:
        """Queue an item. ``deadline`` is seconds from now; ``schema`` names a registered model
        that approved and edited values must satisfy."""
        if schema is not None and schema not in self.schemas:
            known = ", ".join(sorted(self.schemas)) or "(none registered)"
            return error(
                "invalid_input",
                f"unknown review schema {schema!r}; register it with Reviewing(schemas=...); "
                f"known: {known}",
            )
        item = f"rv{self.invocation.id}"
        now = time.time()
        ref = schema_reference(self.schemas[schema]) if schema is not None else None
        self.db.execute(
            "INSERT INTO review_items (item, flow, subject, reason, payload, proposed, "
            "schema_name, schema_ref, deadline, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                item,
                self.invocation.flow,
                subject,
                reason,
                json.dumps(payload),
                json.dumps(proposed),
                schema,
                ref,
                None if deadline is None else now + deadline,
                now,
            ),
        )
        return {"item": item}

    @action
    def resolve(
        self,
        item: str,
        decision: Decision,
        value: Any = None,
        note: str = "",
        reviewer: str = "",
    ) -> Resolved | Error:
        """Decide an open item: approve the proposed value, edit it (validated against the
        item's schema; an invalid edit is refused and the item stays open), reject or expire."""
        row = self.db.one(
            "SELECT status, proposed, schema_name FROM review_items WHERE item = ?", (item,)
        )
        if row is None:
            return error("not_found", f"no review item {item!r}")
        if row["status"] != "open":
            return error("already_resolved", f"review item {item} is already {row['status']}")
        accepted: Any = None
        if decision in ("approve", "edit"):
            accepted = json.loads(row["proposed"]) if decision == "approve" else value
            if accepted is None:
                return error("invalid_input", f"{decision} of {item} needs a value")
            model = self.schemas.get(row["schema_name"]) if row["schema_name"] else None
            if model is not None:
                try:
                    accepted = validate_value(model, accepted)
                except ValidationError as exc:
                    return error(
                        "invalid_value",
                        f"the {'proposed' if decision == 'approve' else 'edited'} value fails "
                        f"{row['schema_name']}: {describe_errors(exc)}; the item stays open",
                        errors=json.loads(exc.json(include_url=False)),
                    )
        outcome = _OUTCOME[decision]
        self.db.execute(
            "UPDATE review_items SET status = ?, value = ?, note = ?, reviewer = ?, "
            "resolved_at = ? WHERE item = ?",
            (outcome, json.dumps(accepted), note, reviewer, time.time(), item),
        )
        return {"item": item, "decision": outcome, "value": accepted, "note": note}

    @query
    def open_items(self) -> list[ReviewItem]:
        """Items waiting for a decision, oldest first."""
        return [
            _item(r)
            for r in self.db.all(
                "SELECT * FROM review_items WHERE status = 'open' ORDER BY created_at, item"
            )
        ]

    @query
    def get(self, item: str) -> list[ReviewItem]:
        """One item (zero or one row)."""
        return [_item(r) for r in self.db.all("SELECT * FROM review_items WHERE item = ?", (item,))]

    @query
    def due(self, now: float) -> list[ReviewItem]:
        """Open items whose deadline has passed."""
        rows = self.db.all(
            "SELECT * FROM review_items WHERE status = 'open' AND deadline IS NOT NULL "
            "AND deadline <= ? ORDER BY deadline",
            (now,),
        )
        return [_item(r) for r in rows]

    def serve(self, runtime: Runtime) -> Coroutine[Any, Any, None]:
        return self._expire_due(runtime)

    async def _expire_due(self, runtime: Runtime) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            for row in runtime.query(Reviewing.due, now=time.time()):
                if row["item"] in self._expiring:
                    continue
                self._expiring.add(row["item"])
                log.info("review item %s passed its deadline; expiring it", row["item"])
                await runtime.invoke(
                    Reviewing.resolve, flow=row["flow"], item=row["item"], decision="expire"
                )


_ITEM = TypeAdapter(ReviewItem)


def _item(row: dict[str, Any]) -> ReviewItem:
    decoded = dict(row)
    for key in ("payload", "proposed", "value"):
        raw = decoded.get(key)
        decoded[key] = json.loads(raw) if raw is not None else None
    return _ITEM.validate_python(decoded)

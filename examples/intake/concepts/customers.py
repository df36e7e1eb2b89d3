"""Customers: validated customer records, one per email address."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import ValidationError
from typing_extensions import TypedDict

from accord import Concept, Error, action, error, query
from examples.intake.schema import CustomerRecord

__all__ = ["RESERVED_DOMAINS", "RESERVED_TLDS", "Added", "CustomerRow", "Customers", "merge"]

# RFC 2606 / RFC 6761: names that never belong to a real mailbox. A model that copies an
# address from an example writes one of these; no schema validator objects, so this does.
RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost"})
RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})


class Added(TypedDict):
    customer: str
    merged: bool  # True when an existing customer with this email absorbed the record
    record: dict[str, Any]  # the customer's record as stored now


class CustomerRow(TypedDict):
    customer: str
    email: str
    record: dict[str, Any]
    sources: list[str]  # ids of the messages this record was built from


def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A later message about the same customer updates what it states and keeps the rest.

    The earliest signup date wins (a customer signs up once); every other field takes the
    newer value when the newer message gives one.
    """
    merged = dict(old)
    for key, value in new.items():
        if value is not None:
            merged[key] = value
    merged["signup_date"] = min(old["signup_date"], new["signup_date"])
    return merged


class Customers(Concept):
    """Customer records that passed `CustomerRecord`; duplicates by email are merged."""

    schema = (
        """CREATE TABLE IF NOT EXISTS customers (
            customer TEXT PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            record TEXT NOT NULL,
            sources TEXT NOT NULL
        )""",
    )

    def __init__(self, own_domains: Iterable[str] = ()) -> None:
        self.own_domains = tuple(d.lower() for d in own_domains)

    def _foreign_email(self, email: str) -> str | None:
        """Why an address cannot be a customer's (ours, or a reserved domain), else None."""
        domain = email.rsplit("@", 1)[-1]
        if any(domain == d or domain.endswith("." + d) for d in self.own_domains):
            return f"email: {email} is one of our own addresses, not the customer's"
        if domain.rsplit(".", 1)[-1] in RESERVED_TLDS or domain in RESERVED_DOMAINS:
            return f"email: {email} is at a reserved example domain, not a real address"
        return None

    @action
    def add(
        self, record: dict[str, Any], source: str, received_on: date | None = None
    ) -> Added | Error:
        """Store a record from message ``source``, or merge it into the customer with the same
        email. The record is validated again here (with the arrival date as "today", and no
        address of ours or of a reserved example domain), so no invalid record is stored
        whichever path it came by."""
        context = {"today": received_on} if received_on is not None else None
        try:
            valid = CustomerRecord.model_validate(record, context=context)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors()
            )
            return error("invalid_value", f"record refused: {problems}")
        foreign = self._foreign_email(valid.email)
        if foreign is not None:
            return error("invalid_value", f"record refused: {foreign}")
        value = valid.model_dump(mode="json")
        row = self.db.one(
            "SELECT customer, record, sources FROM customers WHERE email = ?", (valid.email,)
        )
        if row is None:
            customer = f"cust-{self.invocation.id}"
            self.db.execute(
                "INSERT INTO customers (customer, email, record, sources) VALUES (?, ?, ?, ?)",
                (customer, valid.email, json.dumps(value), json.dumps([source])),
            )
            return {"customer": customer, "merged": False, "record": value}
        sources: list[str] = json.loads(row["sources"])
        if source not in sources:
            sources.append(source)
        value = merge(json.loads(row["record"]), value)
        self.db.execute(
            "UPDATE customers SET record = ?, sources = ? WHERE customer = ?",
            (json.dumps(value), json.dumps(sources), row["customer"]),
        )
        return {"customer": str(row["customer"]), "merged": True, "record": value}

    @query
    def all(self) -> list[CustomerRow]:
        """Every customer, oldest first."""
        # Ids are cust-<invocation id>: by length, then text, is by number.
        return [
            _row(r)
            for r in self.db.all("SELECT * FROM customers ORDER BY length(customer), customer")
        ]

    @query
    def by_email(self, email: str) -> list[CustomerRow]:
        """The customer with this (lower-case) email, if any."""
        rows = self.db.all("SELECT * FROM customers WHERE email = ?", (email.lower(),))
        return [_row(r) for r in rows]


def _row(row: dict[str, Any]) -> CustomerRow:
    return CustomerRow(
        customer=str(row["customer"]),
        email=str(row["email"]),
        record=json.loads(row["record"]),
        sources=json.loads(row["sources"]),
    )

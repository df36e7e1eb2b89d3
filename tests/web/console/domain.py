"""A small app with a review step, for the console tests: a message arrives, a person checks
the extracted customer, and the decision stores or drops it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, query, sync
from accord.concepts.reviewing import Reviewing

REVIEWER_PASSWORD = "reviewer-secret-1"
VIEWER_PASSWORD = "viewer-secret-1"


class Plan(StrEnum):
    FREE = "free"
    PRO = "pro"


class Address(BaseModel):
    city: str = Field(min_length=1)
    postcode: str | None = None


class Customer(BaseModel):
    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="where we answer")
    plan: Plan
    signed_up: date | None = None
    seats: int = Field(default=1, ge=1)
    vip: bool = False
    address: Address | None = None


class Key(TypedDict):
    key: str


class StoredRow(TypedDict):
    key: str
    customer: str | None
    note: str


class Intake(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS intake_records (key TEXT, customer TEXT, note TEXT)",)

    @action
    def receive(self, key: str, body: str, proposed: dict[str, Any]) -> Key:
        return {"key": key}

    @action
    def store(self, key: str, customer: Customer) -> Key:
        self.db.execute(
            "INSERT INTO intake_records VALUES (?, ?, '')", (key, customer.model_dump_json())
        )
        return {"key": key}

    @action
    def drop(self, key: str, note: str) -> Key:
        self.db.execute("INSERT INTO intake_records VALUES (?, NULL, ?)", (key, note))
        return {"key": key}

    @query
    def stored(self) -> list[StoredRow]:
        return self.db.all("SELECT key, customer, note FROM intake_records")  # type: ignore[return-value]


@sync
def review_each(key: Var, body: Var, proposed: Var) -> Clauses:
    return Clauses(
        when=[Intake.receive(key=key, body=body, proposed=proposed)],
        then=[
            Reviewing.request(
                subject=key,
                payload={"body": body},
                reason="low confidence",
                proposed=proposed,
                schema="Customer",
            )
        ],
    )


@sync
def store_approved(key: Var, item: Var, customer: Var) -> Clauses:
    return Clauses(
        when=[
            Reviewing.request(subject=key).out(item=item),
            Reviewing.resolve(item=item).out(decision="approved", value=customer),
        ],
        then=[Intake.store(key=key, customer=customer)],
    )


@sync
def store_edited(key: Var, item: Var, customer: Var) -> Clauses:
    return Clauses(
        when=[
            Reviewing.request(subject=key).out(item=item),
            Reviewing.resolve(item=item).out(decision="edited", value=customer),
        ],
        then=[Intake.store(key=key, customer=customer)],
    )


@sync
def drop_rejected(key: Var, item: Var, note: Var) -> Clauses:
    return Clauses(
        when=[
            Reviewing.request(subject=key).out(item=item),
            Reviewing.resolve(item=item).out(decision="rejected", note=note),
        ],
        then=[Intake.drop(key=key, note=note)],
    )


def make_app() -> App:
    return App(
        [Intake(), Reviewing(schemas={"Customer": Customer}, poll_interval=0.05)],
        [review_each, store_approved, store_edited, drop_rejected],
    )


GOOD = {"name": "Ada Lovelace", "email": "ada@example.com", "plan": "pro", "seats": 2}
BAD = {"name": "Bob", "email": "not an address", "plan": "gold"}

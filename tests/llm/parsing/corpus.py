"""The schemas of the parser corpus and a loader for its cases."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

CORPUS_FILE = Path(__file__).parents[2] / "data" / "parser_corpus" / "corpus.jsonl"


class Customer(BaseModel):
    name: str
    email: str
    age: int | None = None
    vip: bool = False
    tags: list[str] = []


class LineItem(BaseModel):
    sku: str
    description: str
    quantity: int
    unit_price: float


class Invoice(BaseModel):
    invoice_number: str
    customer: str
    currency: Literal["EUR", "USD", "GBP"]
    items: list[LineItem]
    total: float
    notes: str | None = None


class Label(StrEnum):
    BILLING = "billing"
    TECHNICAL = "technical"
    ACCOUNT = "account"
    OTHER = "other"


class Classification(BaseModel):
    label: Label
    confidence: float = Field(ge=0, le=1)
    reason: str


class Roster(BaseModel):
    team: str
    week: int
    shifts: list[list[str]]
    leads: list[str]


class Shipment(BaseModel):
    reference: str
    weight_kg: float
    declared_value: float
    pieces: int
    ship_date: datetime.date


SCHEMAS: dict[str, Any] = {
    "customer": Customer,
    "invoice": Invoice,
    "classification": Classification,
    "roster": Roster,
    "customer_list": list[Customer],
    "shipment": Shipment,
}


@dataclass(frozen=True)
class Case:
    """One model reply and what the parser must make of it."""

    id: str
    schema: str
    raw: str
    expect: Literal["value", "refuse"]
    value: Any
    why: str
    source: str

    @property
    def output_type(self) -> Any:
        return SCHEMAS[self.schema]

    def expected_value(self) -> Any:
        """The expected value, validated from the corpus JSON."""
        return TypeAdapter(self.output_type).validate_python(self.value)


def load_cases() -> list[Case]:
    """Every case of the corpus file."""
    lines = CORPUS_FILE.read_text(encoding="utf-8").splitlines()
    return [Case(**json.loads(line)) for line in lines if line.strip()]

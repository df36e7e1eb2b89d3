"""Customers: deliberately broken — it imports another concept's module."""

from __future__ import annotations

from typing import Any

from inbox import Received  # the independence checker reports this line
from typing_extensions import TypedDict

from accord import Concept, action


class Added(TypedDict):
    customer: str


class Customers(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS customers (id TEXT PRIMARY KEY, record TEXT)",)

    @action
    def add(self, customer: str, record: dict[str, Any]) -> Added:
        self.db.execute("INSERT INTO customers VALUES (?, ?)", (customer, repr(record)))
        return {"customer": customer}

    @action
    def welcome(self, message: Received) -> Added:
        return {"customer": message["message"]}

"""A small app for the text notation tests: messages arrive, are extracted, become customers."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

from accord import Concept, Error, action, query


class Received(TypedDict):
    message: str


class Message(TypedDict):
    message: str
    sender: str


class Inbox(Concept):
    @action
    def receive(self, message: str, sender: str = "") -> Received:
        return {"message": message}

    @query
    def by_sender(self, sender: str) -> list[Message]:
        return []


class Extracted(TypedDict):
    output: dict[str, Any]


class Extracting(Concept):
    @action
    def extract(self, ref: str) -> Extracted | Error:
        return {"output": {"ref": ref}}


class Added(TypedDict):
    customer: str


class CustomerRow(TypedDict):
    customer: str
    email: str


class Customers(Concept):
    @action
    def add(self, customer: str, record: dict[str, Any]) -> Added:
        return {"customer": customer}

    @query
    def by_email(self, email: str) -> list[CustomerRow]:
        return []


CONCEPTS = [Inbox, Extracting, Customers]

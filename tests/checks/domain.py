"""Concepts for the static check tests."""

from __future__ import annotations

from typing import Any, Literal

from typing_extensions import TypedDict

from accord import Concept, Error, action, query


class Counted(TypedDict):
    count: int


class CounterRow(TypedDict):
    name: str
    count: int


class Counter(Concept):
    @action
    def increment(self, name: str, by: int = 1) -> Counted:
        return {"count": by}

    @query
    def by_name(self, name: str) -> list[CounterRow]:
        return []


class Extracted(TypedDict):
    output: dict[str, Any]
    attempts: int


class Extracting(Concept):
    @action
    def extract(self, ref: str) -> Extracted | Error:
        return {"output": {}, "attempts": 1}


class Rung(TypedDict):
    rung: bool


class Alarm(Concept):
    @action
    def ring(self, name: str, level: Literal["low", "high"]) -> Rung:
        return {"rung": True}


class Pager(Concept):
    """Not registered in the app of these tests."""

    @action
    def page(self, who: str) -> Rung:
        return {"rung": True}


CONCEPTS = [Counter(), Extracting(), Alarm()]

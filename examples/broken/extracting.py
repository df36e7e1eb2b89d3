"""Extracting: turns a message into a record (an action with a success and an error case)."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

from accord import Concept, Error, action, error


class Extracted(TypedDict):
    output: dict[str, Any]
    attempts: int


class Extracting(Concept):
    @action
    def extract(self, ref: str) -> Extracted | Error:
        if not ref:
            return error("invalid_input", "empty message")
        return {"output": {"text": ref}, "attempts": 1}

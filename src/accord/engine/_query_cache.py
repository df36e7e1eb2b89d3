"""Results of ``@query(cached=True)`` queries, kept per concept until its next action.

Concept independence makes this safe without tracking which rows a query read: a concept's
state changes only through its own actions, so the engine forgets a concept's results
whenever one of its actions runs (or its buffered writes are applied), and never otherwise.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from accord.state import Row

__all__ = ["QueryCache"]

Key = tuple[str, bytes]


class QueryCache:
    """Per concept: (query, inputs as JSON) -> rows."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._results: dict[str, dict[Key, list[Row]]] = {}

    @staticmethod
    def key(query: str, inputs: dict[str, Any]) -> Key | None:
        """The key of a call, or None when its inputs have no JSON form (then it is not
        cached)."""
        try:
            return query, to_json(inputs)
        except PydanticSerializationError:
            return None

    def get(self, concept: str, key: Key) -> list[Row] | None:
        results = self._results.get(concept)
        return None if results is None else results.get(key)

    def put(self, concept: str, key: Key, rows: list[Row]) -> None:
        results = self._results.setdefault(concept, {})
        if len(results) >= self.max_entries:  # bounded memory; refilled by the next calls
            results.clear()
        results[key] = rows

    def forget(self, concept: str | None = None) -> None:
        """Drop the results of ``concept`` (of every concept with None)."""
        if concept is None:
            self._results.clear()
        else:
            self._results.pop(concept, None)

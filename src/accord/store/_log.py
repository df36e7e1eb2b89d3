"""Reading the action log: the queries every store answers alike, in its own SQL dialect.

A store says how it runs a read (``_read``), how it writes a parameter (``_param``: ``?`` or
``%s``) and how it asks whether a record was acted on (``_acted_on``: the JSON of ``cause``
differs); the rest of the log's read side is here, once.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from accord.records import Record
from accord.store.base import FlowSummary

__all__ = ["COLUMNS", "LogReader", "log_row", "record_from_row"]

COLUMNS = "id, flow, concept, action, input, output, sync, cause, attempt, invoked_at, completed_at"


def record_from_row(row: Sequence[Any]) -> Record:
    """A record from a row of :data:`COLUMNS`."""
    rid, flow, concept, action, inp, out, sync, cause, attempt, invoked, completed = row
    return Record(
        id=rid,
        flow=flow,
        concept=concept,
        action=action,
        input=json.loads(inp),
        sync=sync,
        cause=tuple(json.loads(cause)),
        attempt=attempt,
        invoked_at=invoked,
        output=None if out is None else json.loads(out),
        completed_at=completed,
    )


def log_row(r: Record, input_json: str) -> list[Any]:
    """The row of :data:`COLUMNS` that records an invocation (no output yet: the last two)."""
    cause = f"[{','.join(map(str, r.cause))}]"
    head = [r.id, r.flow, r.concept, r.action, input_json, r.sync, cause, r.attempt]
    return [*head, r.invoked_at, None, None]


class LogReader(ABC):
    """The read side of the action log, for a store that can run a read."""

    _param = "?"

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a read-only statement (outside any batch)."""

    @abstractmethod
    def _acted_on(self) -> str:
        """A condition true when some record of flow ``x.flow`` lists ``x.id`` in its cause."""

    def flow_records(self, flow: int) -> list[Record]:
        sql = f"SELECT {COLUMNS} FROM actions WHERE flow = {self._param} ORDER BY id"
        return [record_from_row(r) for r in self._read(sql, (flow,))]

    def flow_firings(self, flow: int) -> set[tuple[str, str]]:
        sql = f"SELECT sync, key FROM firings WHERE flow = {self._param}"
        return {(s, k) for s, k in self._read(sql, (flow,))}

    def record(self, record_id: int) -> Record | None:
        rows = self._read(f"SELECT {COLUMNS} FROM actions WHERE id = {self._param}", (record_id,))
        return record_from_row(rows[0]) if rows else None

    def flows(self, limit: int = 20) -> list[FlowSummary]:
        # LIKE's pattern has a %, which psycopg reads as a parameter unless doubled.
        error = "'{\"error\":%%'" if self._param == "%s" else "'{\"error\":%'"
        rows = self._read(
            f"""SELECT a.flow,
                      (SELECT concept || '/' || action FROM actions WHERE id = a.flow),
                      MIN(a.invoked_at), MAX(COALESCE(a.completed_at, a.invoked_at)), COUNT(*),
                      SUM(CASE WHEN a.output IS NULL THEN 1 ELSE 0 END),
                      SUM(CASE WHEN a.output LIKE {error} THEN 1 ELSE 0 END),
                      (SELECT COUNT(*) FROM flow_events e WHERE e.flow = a.flow),
                      (SELECT COUNT(*) FROM actions x
                        WHERE x.flow = a.flow AND x.output LIKE {error}
                          AND NOT ({self._acted_on()}))
               FROM actions a
               WHERE a.flow IN (SELECT DISTINCT flow FROM actions ORDER BY flow DESC
                                LIMIT {self._param})
               GROUP BY a.flow ORDER BY a.flow DESC""",
            (limit,),
        )
        return [
            FlowSummary(
                flow,
                root or "?",
                started,
                updated,
                count,
                pending or 0,
                errors or 0,
                events,
                unhandled,
            )
            for flow, root, started, updated, count, pending, errors, events, unhandled in rows
        ]

    def flow_events(self, flow: int) -> list[tuple[float, str, str]]:
        sql = f"SELECT at, kind, detail FROM flow_events WHERE flow = {self._param} ORDER BY at"
        return [(at, kind, detail) for at, kind, detail in self._read(sql, (flow,))]

    def recent(self, concept: str, action: str, limit: int) -> list[Record]:
        p = self._param
        sql = (
            f"SELECT {COLUMNS} FROM actions WHERE concept = {p} AND action = {p} "
            f"ORDER BY id DESC LIMIT {p}"
        )
        return [record_from_row(r) for r in self._read(sql, (concept, action, limit))]

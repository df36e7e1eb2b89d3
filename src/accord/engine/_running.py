"""Running one action or query: context, validation, and turning exceptions into data."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from accord import _json
from accord.concept import (
    ActionDef,
    Concept,
    Invocation,
    QueryDef,
    current_db,
    current_invocation,
    error,
)
from accord.records import Record
from accord.state import Db, Params, Row
from accord.store.base import RetryBatch
from accord.values import Unrepresentable, check_representable

__all__ = [
    "BufferedDb",
    "call_action",
    "call_async_action",
    "call_query",
    "context",
    "internal_error",
    "serialized",
]

log = logging.getLogger("accord.engine")


class BufferedDb:
    """State access for ``async`` actions, which run outside the write transaction.

    Reads see committed state; writes are kept and replayed in the transaction that records the
    action's completion, so they commit together with it (or not at all).
    """

    def __init__(self, reader: Db) -> None:
        self._reader = reader
        self.writes: list[tuple[str, Params | Sequence[Params], bool]] = []

    def for_concept(self, concept: str, *, migrating: bool = False) -> Db:
        """This handle as ``concept`` sees it: statements checked like the reader's."""
        scope = getattr(self._reader, "for_concept", None)
        if scope is None:
            return self
        checked = scope(concept, migrating=migrating)
        around = getattr(checked, "around", None)
        return self if around is None else around(self)

    def execute(self, sql: str, params: Params = ()) -> int:
        self.writes.append((sql, params, False))
        return -1  # unknown until replayed

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self.writes.append((sql, rows, True))

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return self._reader.one(sql, params)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return self._reader.all(sql, params)

    def replay(self, db: Db) -> None:
        for sql, params, many in self.writes:
            if many:
                db.executemany(sql, params)  # type: ignore[arg-type]
            else:
                db.execute(sql, params)


@contextmanager
def context(db: Db, invocation: Invocation | None = None) -> Iterator[None]:
    """Make ``self.db`` (and ``self.invocation``) available to the running code."""
    db_token = current_db.set(db)
    inv_token = current_invocation.set(invocation) if invocation is not None else None
    try:
        yield
    finally:
        current_db.reset(db_token)
        if inv_token is not None:
            current_invocation.reset(inv_token)


def _invocation(record: Record) -> Invocation:
    return Invocation(record.id, record.flow, record.concept, record.action, record.attempt)


def _bad_input(action: ActionDef[Any], exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors()
        )
    else:
        problems = str(exc)
    return dict(error("invalid_input", f"{action.qualname}: {problems}"))


def internal_error(action: ActionDef[Any], record: Record, exc: BaseException) -> dict[str, Any]:
    """The ``internal`` error completion for an exception the action raised (logged)."""
    trace = "".join(traceback.format_exception(exc))
    log.error(
        "action %s (record %s, flow %s) raised:\n%s", action.qualname, record.id, record.flow, trace
    )
    return dict(
        error("internal", f"{action.qualname} raised {type(exc).__name__}: {exc}", traceback=trace)
    )


def _normalized(action: ActionDef[Any], output: Any) -> dict[str, Any]:
    # Outputs are stored as JSON, so records hold JSON values from the start (dates as ISO
    # strings...), and a record reads the same before and after a restart.
    case = action.case_of(output)
    value = case.adapter.validate_python(output)
    normalized: dict[str, Any] = case.adapter.dump_python(value, mode="json")
    return normalized


def call_action(concept: Concept, action: ActionDef[Any], record: Record, db: Db) -> dict[str, Any]:
    """Run a synchronous action; always returns an output (errors as data)."""
    try:
        inputs = action.validate_input(record.input)
    except (ValidationError, ValueError) as exc:
        return _bad_input(action, exc)
    # Context variables set and reset inline: this runs once per step.
    db_token = current_db.set(db)
    inv_token = current_invocation.set(_invocation(record))
    try:
        return _normalized(action, action.fn(concept, **inputs))
    except RetryBatch:
        raise  # the store's, not the action's: the whole batch runs again
    except Exception as exc:
        return internal_error(action, record, exc)
    finally:
        current_invocation.reset(inv_token)
        current_db.reset(db_token)


async def call_async_action(
    concept: Concept, action: ActionDef[Any], record: Record, reader: Db
) -> tuple[dict[str, Any], BufferedDb | None]:
    """Run an ``async`` action; returns its output and its buffered writes (None on failure)."""
    try:
        inputs = action.validate_input(record.input)
    except (ValidationError, ValueError) as exc:
        return _bad_input(action, exc), None
    db = BufferedDb(reader)
    try:
        with context(db, _invocation(record)):
            output = await action.fn(concept, **inputs)
        return _normalized(action, output), db
    except Exception as exc:
        return internal_error(action, record, exc), None


def serialized(record: Record, output: dict[str, Any]) -> tuple[dict[str, Any], str, bool]:
    """The output as the log will store it: (output, its JSON text, whether it was storable).

    An output the log cannot hold (a lone surrogate from a decoded byte string, nesting too
    deep to serialize) becomes an ``internal`` error naming where it is, so one bad value fails
    one action, never the batch it is part of.
    """
    try:
        return output, _json.dumps(output).decode(), True
    except (TypeError, ValueError) as exc:
        problem: BaseException = exc
        try:
            check_representable(output)
        except Unrepresentable as found:
            problem = found
        message = (
            f"{record.concept}.{record.action} returned an output the log cannot store: {problem}"
        )
        log.error("record %s (flow %s): %s", record.id, record.flow, message)
        failed = dict(error("internal", message))
        return failed, _json.dumps(failed).decode(), False


def call_query(concept: Concept, query: QueryDef[Any], inputs: dict[str, Any], db: Db) -> list[Row]:
    """Run a query with validated inputs."""
    validated = query.validate_input(inputs)
    token = current_db.set(db)  # inline, not `context()`: queries run many times per step
    try:
        rows: list[Row] = query.fn(concept, **validated)
    finally:
        current_db.reset(token)
    return rows

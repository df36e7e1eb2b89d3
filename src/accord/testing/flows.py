"""Assertions about flows, read from the durable action log.

Failures name the flow and say what it did instead, e.g.::

    flow 7 never reached Customers/add; it ran:
      #7 Inbox/receive => ok
      #8 Extracting/extract => error invalid_output  (extract_on_arrival)
      #9 Reviewing/request => ok  (review_invalid)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from accord.app import App
from accord.records import Record

__all__ = ["FlowAssertionError", "FlowCheck", "check_flow"]


class FlowAssertionError(AssertionError):
    """A flow did not behave as asserted."""


def _outcome(record: Record) -> str:
    if record.output is None:
        return "pending"
    err = record.error
    if err is None:
        return "ok"
    kind = err.get("kind", "") if isinstance(err, dict) else ""
    return f"error {kind}".rstrip()


def _story(records: Sequence[Record]) -> str:
    lines = []
    for r in records:
        cause = f"  ({r.sync})" if r.sync else ""
        lines.append(f"  #{r.id} {r.name} => {_outcome(r)}{cause}")
    return "\n".join(lines) or "  (no records)"


class FlowCheck:
    """Fluent assertions over one flow's records; each returns self for chaining."""

    def __init__(self, records: Sequence[Record], app: App | None = None) -> None:
        if not records:
            raise FlowAssertionError("no such flow: it has no records")
        self.records = list(records)
        self.flow = records[0].flow
        self.app = app

    def _fail(self, message: str) -> FlowAssertionError:
        return FlowAssertionError(f"flow {self.flow} {message}; it ran:\n{_story(self.records)}")

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.records]

    def find(self, name: str) -> list[Record]:
        """The records of one action (``Concept/action``) in the flow."""
        return [r for r in self.records if r.name == name]

    def reached(self, name: str, **outputs: Any) -> FlowCheck:
        """Some completion of ``name`` exists (whose outputs include ``outputs``)."""
        for r in self.find(name):
            if r.output is not None and all(r.output.get(k) == v for k, v in outputs.items()):
                return self
        wanted = f"{name} with {outputs}" if outputs else name
        raise self._fail(f"never reached {wanted}")

    def never(self, name: str) -> FlowCheck:
        """No invocation of ``name`` happened."""
        if self.find(name):
            raise self._fail(f"ran {name}, which it must not")
        return self

    def ended_in(self, *names: str) -> FlowCheck:
        """The last completion is one of ``names``."""
        done = [r for r in self.records if r.output is not None]
        if not done or done[-1].name not in names:
            last = done[-1].name if done else "nothing"
            raise self._fail(f"ended in {last}, not in {' or '.join(names)}")
        return self

    def produced(self, names: Iterable[str]) -> FlowCheck:
        """Exactly these actions, in this order."""
        expected = list(names)
        if self.names != expected:
            raise self._fail(f"produced {self.names}, expected {expected}")
        return self

    def not_stuck(self) -> FlowCheck:
        """Every invocation has a completion."""
        pending = [r.name for r in self.records if r.output is None]
        if pending:
            raise self._fail(f"is stuck: {', '.join(pending)} never completed")
        return self

    def outputs_valid(self) -> FlowCheck:
        """Every completion validates against its action's declared case (needs the app)."""
        if self.app is None:
            raise TypeError("outputs_valid() needs the app: check_flow(records, app=app)")
        actions = {
            (c.name, name): adef for c in self.app.concepts for name, adef in c.actions.items()
        }
        for r in self.records:
            if r.output is None:
                continue
            adef = actions.get(r.key)
            if adef is None:
                raise self._fail(f"has a record of {r.name}, which is not in the app")
            try:
                adef.validate_output(r.output)
            except (ValidationError, ValueError, TypeError) as exc:
                raise self._fail(f"stored an invalid output of {r.name} (#{r.id}): {exc}") from None
        return self


def check_flow(records: Sequence[Record], app: App | None = None) -> FlowCheck:
    """Start assertions about a flow's records (``engine.records(flow)``)."""
    return FlowCheck(records, app)

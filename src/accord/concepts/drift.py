"""Drift: drift checks of LLM behaviour as an action, so syncs can route what they find.

``check(baseline, ...)`` compares a window of the ``llm_calls`` table with a stored baseline
(see docs/drift.md) and completes with one of two cases, told apart by their keys:

* ``{"drifted": [field, ...], "baseline": ..., "report": {...}}`` when any field drifted;
* ``{"stable": true, "baseline": ..., "report": {...}}`` otherwise;

or with a typed error (``not_found`` for an unknown baseline or a missing database,
``invalid_input`` for a bad window). ``Drift(db_path, schedule=[...])`` also checks on its own
while the engine runs, each check a root action in its own flow.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from typing_extensions import TypedDict

from accord.concept import Concept, Error, Runtime, action, error

if TYPE_CHECKING:
    from accord.drift import Thresholds

__all__ = ["Drift", "DriftChecked", "Scheduled", "Stable"]

log = logging.getLogger("accord.drift")


class DriftChecked(TypedDict):
    """Some field drifted: ``drifted`` names them, ``report`` is `DriftReport.to_dict()`."""

    drifted: list[str]
    baseline: str
    report: dict[str, Any]


class Stable(TypedDict):
    """Nothing drifted (fields without enough data do not count as drift)."""

    stable: bool
    baseline: str
    report: dict[str, Any]


class Scheduled(NamedTuple):
    """A check ``Drift`` runs by itself every ``every`` seconds.

    The window is the newest ``last`` calls, or the calls of the last ``seconds`` seconds;
    with neither, the calls since the previous scheduled check (``seconds = every``).
    """

    baseline: str
    every: float
    last: int | None = None
    seconds: float | None = None


class Drift(Concept):
    """Checks an LLM task's recent calls against a stored baseline.

    ``db_path`` is the engine's own SQLite file (the one holding ``llm_calls`` and
    ``drift_baselines``); the check reads it through its own connection, in a worker thread.
    """

    def __init__(
        self,
        db_path: str | Path,
        *,
        schedule: Iterable[Scheduled | tuple[Any, ...]] = (),
        thresholds: Thresholds | None = None,
    ) -> None:
        if str(db_path) in ("", ":memory:"):
            raise ValueError(
                "Drift needs the path of the engine's SQLite file (the drift check reads it "
                "through its own connection); an in-memory database cannot be shared"
            )
        self.db_path = Path(db_path)
        self.thresholds = thresholds
        self.schedule = tuple(_scheduled(entry) for entry in schedule)
        self._in_flight: set[str] = set()

    @action
    async def check(
        self,
        baseline: str,
        last: int | None = None,
        seconds: float | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> DriftChecked | Stable | Error:
        """Compare a window with ``baseline``: the newest ``last`` calls, the calls of the last
        ``seconds`` seconds, or ``since``/``until`` (unix seconds; until exclusive). No window
        means every call of the baseline's task."""
        try:
            if seconds is not None:
                if since is not None:
                    return error("invalid_input", "give either seconds or since, not both")
                if not seconds > 0:
                    return error("invalid_input", f"seconds must be positive, got {seconds}")
                since = time.time() - seconds
            report = await asyncio.to_thread(self._check, baseline, last, since, until)
        except (LookupError, FileNotFoundError) as exc:
            return error("not_found", str(exc), baseline=baseline)
        except ValueError as exc:
            return error("invalid_input", str(exc), baseline=baseline)
        finally:
            self._in_flight.discard(baseline)
        drifted = [str(name) for name in report["drifted_fields"]]
        if drifted:
            return {"drifted": drifted, "baseline": baseline, "report": report}
        return {"stable": True, "baseline": baseline, "report": report}

    def _check(
        self, baseline: str, last: int | None, since: float | None, until: float | None
    ) -> dict[str, Any]:
        # Imported here: NumPy and SciPy take seconds to load and only a check needs them.
        from accord.drift import check_drift

        report = check_drift(
            self.db_path,
            baseline,
            since=since,
            until=until,
            last=last,
            thresholds=self.thresholds,
        )
        finite: dict[str, Any] = _finite(report.to_dict())
        return finite

    def serve(self, runtime: Runtime) -> Coroutine[Any, Any, None] | None:
        if not self.schedule:
            return None
        return self._run_schedule(runtime)

    async def _run_schedule(self, runtime: Runtime) -> None:
        await asyncio.gather(*(self._every(runtime, entry) for entry in self.schedule))

    async def _every(self, runtime: Runtime, entry: Scheduled) -> None:
        while True:
            await asyncio.sleep(entry.every)
            if entry.baseline in self._in_flight:
                log.warning(
                    "drift check of %s is still running after %ss; skipping this turn",
                    entry.baseline,
                    entry.every,
                )
                continue
            inputs: dict[str, Any] = {"baseline": entry.baseline}
            if entry.last is not None:
                inputs["last"] = entry.last
            else:
                inputs["seconds"] = entry.seconds if entry.seconds is not None else entry.every
            self._in_flight.add(entry.baseline)
            try:
                await runtime.invoke(Drift.check, **inputs)
            except Exception:
                self._in_flight.discard(entry.baseline)
                log.exception("could not start the scheduled drift check of %s", entry.baseline)


def _scheduled(entry: Scheduled | tuple[Any, ...]) -> Scheduled:
    try:
        s = entry if isinstance(entry, Scheduled) else Scheduled(*entry)
    except TypeError:
        raise TypeError(
            f"Drift schedule entry {entry!r}: write (baseline, every_seconds), "
            "(baseline, every_seconds, last_calls) or (baseline, every_seconds, None, seconds)"
        ) from None
    if not isinstance(s.baseline, str) or not s.baseline.strip():
        raise ValueError(f"Drift schedule entry {entry!r}: the baseline name must be a string")
    if not isinstance(s.every, int | float) or not s.every > 0:
        raise ValueError(f"Drift schedule entry {entry!r}: every must be seconds > 0")
    if s.last is not None and s.seconds is not None:
        raise ValueError(f"Drift schedule entry {entry!r}: give last calls or seconds, not both")
    if s.last is not None and (not isinstance(s.last, int) or s.last <= 0):
        raise ValueError(f"Drift schedule entry {entry!r}: last must be a positive number of calls")
    if s.seconds is not None and not s.seconds > 0:
        raise ValueError(f"Drift schedule entry {entry!r}: seconds must be > 0")
    return s


def _finite(value: Any) -> Any:
    """NaN and infinities become None: the completion is stored as strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value

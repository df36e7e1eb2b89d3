"""One intake run: receive the messages not seen yet, let the syncs work, report progress."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from accord import App
from accord.engine import Engine
from accord.llm import Policy
from accord.store import Store, is_postgres_url
from examples.intake.app import build_app
from examples.intake.concepts import Inbox
from examples.intake.messages import IncomingMessage
from examples.intake.outcomes import MessageOutcome, message_flows, outcomes

__all__ = ["AppBuilder", "RunResult", "default_window", "run_intake"]

Progress = Callable[[int, int], None]  # (settled, total)


class AppBuilder(Protocol):
    """What builds the app a run drives (`build_app`, or another intake to compare with)."""

    def __call__(self, models: Sequence[str], *, max_tokens: int, policy: Policy | None) -> App: ...


@dataclass(frozen=True, slots=True)
class RunResult:
    outcomes: list[MessageOutcome]
    received_now: int
    skipped: int
    settled_now: int
    seconds: float


def _busy_flows(store: Store) -> set[int]:
    """Flows with an invocation still waiting for its completion."""
    rows = store.reader().all("SELECT DISTINCT flow FROM actions WHERE output IS NULL")
    return {int(r["flow"]) for r in rows}


def default_window(models: Sequence[str]) -> int:
    """Messages in progress at once when none is asked for: 1 for the embedded model (it
    answers one request at a time, so more would only queue and time out), more otherwise."""
    return 1 if models and models[0].startswith("local:") else 16


async def run_intake(
    db: Path | str,
    messages: Sequence[IncomingMessage],
    models: Sequence[str],
    *,
    window: int | None = None,
    max_tokens: int = 64,
    policy: Policy | None = None,
    progress: Progress | None = None,
    build: AppBuilder = build_app,
) -> RunResult:
    """Run the intake over ``messages`` on database ``db``.

    Messages whose arrival is already in the log are skipped (by id); unfinished work from an
    earlier run is resumed by the engine itself when it starts, and review decisions posted
    while the intake was stopped are applied. Messages are received ``window`` at a time
    (default: `default_window`) and the run waits on the engine until they are all settled
    before it receives the next ones: no polling between messages. ``build`` makes the app
    (default: the intake of `build_app`).
    """
    size = window if window is not None else default_window(models)
    if not is_postgres_url(db):
        Path(db).parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    app = build(models, max_tokens=max_tokens, policy=policy)
    async with Engine(app, db) as engine:
        store = engine.store
        seen = message_flows(store)
        scope = {seen[m.id] for m in messages if m.id in seen}
        settled_before = len(scope - _busy_flows(store))
        waiting = [m for m in messages if m.id not in seen]
        fresh = len(waiting)
        await engine.idle()  # resumed work and decisions made while stopped
        done = len(scope)
        if progress is not None:
            progress(done, len(messages))
        for first in range(0, fresh, size):
            batch = waiting[first : first + size]
            for m in batch:
                await engine.invoke(
                    Inbox.receive,
                    message=m.id,
                    sender=m.sender,
                    subject=m.subject,
                    body=m.body,
                    received_at=m.received_at,
                )
            await engine.idle()
            done += len(batch)
            if progress is not None:
                progress(done, len(messages))
        results = outcomes(store, [m.id for m in messages])
    settled = sum(o.outcome != "pending" for o in results)
    if progress is not None:
        progress(settled, len(messages))
    return RunResult(
        outcomes=results,
        received_now=fresh,
        skipped=len(messages) - fresh,
        settled_now=settled - settled_before,
        seconds=time.monotonic() - started,
    )

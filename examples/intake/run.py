"""One intake run: receive the messages not seen yet, let the syncs work, report progress."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from accord.engine import Engine
from accord.llm import Policy
from accord.store.sqlite import SqliteStore
from examples.intake.app import build_app
from examples.intake.concepts import Inbox
from examples.intake.messages import IncomingMessage
from examples.intake.outcomes import MessageOutcome, message_flows, outcomes

__all__ = ["RunResult", "run_intake"]

Progress = Callable[[int, int], None]  # (settled, total)


@dataclass(frozen=True, slots=True)
class RunResult:
    outcomes: list[MessageOutcome]
    received_now: int
    skipped: int
    settled_now: int
    seconds: float


def _busy_flows(store: SqliteStore) -> set[int]:
    """Flows with an invocation still waiting for its completion."""
    rows = store.reader().all("SELECT DISTINCT flow FROM actions WHERE output IS NULL")
    return {int(r["flow"]) for r in rows}


async def run_intake(
    db: Path,
    messages: Sequence[IncomingMessage],
    models: Sequence[str],
    *,
    window: int = 1,
    max_tokens: int = 96,
    policy: Policy | None = None,
    progress: Progress | None = None,
    poll: float = 0.02,
) -> RunResult:
    """Run the intake over ``messages`` on database ``db``.

    Messages whose arrival is already in the log are skipped (by id); unfinished work from an
    earlier run is resumed by the engine itself when it starts. At most ``window`` messages are
    in progress at once, so that a model serving one request at a time (the embedded one)
    never sees requests time out while they queue.
    """
    db.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    app = build_app(models, max_tokens=max_tokens, policy=policy)
    async with Engine(app, db) as engine:
        store = engine.store
        assert isinstance(store, SqliteStore)
        seen = message_flows(store)
        scope = {seen[m.id] for m in messages if m.id in seen}
        settled_before = len(scope - _busy_flows(store))
        waiting = deque(m for m in messages if m.id not in seen)
        fresh = len(waiting)
        while True:
            busy = _busy_flows(store) & scope
            while waiting and len(busy) < window:
                m = waiting.popleft()
                root = await engine.invoke(
                    Inbox.receive,
                    message=m.id,
                    sender=m.sender,
                    subject=m.subject,
                    body=m.body,
                    received_at=m.received_at,
                )
                scope.add(root.flow)
                busy.add(root.flow)
            if progress is not None:
                progress(len(scope) - len(busy), len(messages))
            if not waiting and not busy:
                break
            await asyncio.sleep(poll)
        await engine.idle()
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

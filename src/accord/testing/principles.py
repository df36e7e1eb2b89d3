"""Operational principles: "after these actions, this query (or action) gives this".

A concept's operational principle is the story that explains why it exists, stated as a test
of the concept alone (no syncs, a fresh database)::

    principle(
        Counter(),
        after=[Counter.increment(name="a"), Counter.increment(name="a")],
        then=Counter.by_name(name="a"),
        gives=[{"name": "a", "count": 2}],
    )
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accord.app import App
from accord.concept import Concept
from accord.engine import Engine
from accord.sync.model import ActionCall, QueryCall, variables_in

__all__ = ["PrincipleViolation", "principle"]


class PrincipleViolation(AssertionError):
    """A concept did not behave as its operational principle says."""


def principle(
    concept: Concept,
    *,
    after: Sequence[ActionCall],
    then: ActionCall | QueryCall,
    gives: Any,
) -> None:
    """Run ``after`` (in order, each to completion), then ``then``; assert it gives ``gives``.

    For an action, ``gives`` is compared with its output; for a query, with its rows.
    """
    for call in (*after, then):
        if variables_in(dict(call.inputs)):
            raise TypeError(f"{call}: a principle uses literal inputs only, not variables")
    asyncio.run(_run(concept, list(after), then, gives))


async def _run(
    concept: Concept, after: list[ActionCall], then: ActionCall | QueryCall, gives: Any
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(App([concept]), Path(folder) / "principle.db", deterministic=True)
        async with engine:
            steps = []
            for call in after:
                root = await engine.invoke(call.action, **call.inputs)
                done = await engine.completion(root.id)
                steps.append(f"{call} => {done.output}")
            if isinstance(then, QueryCall):
                got: Any = engine.query(then.query, **then.inputs)
            else:
                root = await engine.invoke(then.action, **then.inputs)
                got = (await engine.completion(root.id)).output
    if got != gives:
        story = "\n".join(f"  after {s}" for s in steps) or "  (no prior actions)"
        raise PrincipleViolation(
            f"{concept.name}: {then} gave {got!r}, expected {gives!r}\n{story}"
        )

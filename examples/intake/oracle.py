"""``test:oracle``: a test model that answers from ``expected.jsonl`` (fast dry runs, tests).

For a message whose expected outcome is ``stored`` it answers the expected record (the intake's
task keeps only its part: name, company, summary); for any other message it answers ``{}``,
which fails validation like a model that found nothing.
``INTAKE_ORACLE_DELAY`` (seconds) slows each answer, to watch progress or interrupt a run.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from accord.llm.messages import Request
from accord.llm.models import FunctionModel, register_test_model
from examples.intake.concepts.inbox import render
from examples.intake.messages import IncomingMessage

__all__ = ["ORACLE", "register_oracle"]

ORACLE = "test:oracle"


def register_oracle(
    messages: Iterable[IncomingMessage], expected: Mapping[str, Mapping[str, Any]]
) -> None:
    """Register ``test:oracle`` for these messages."""
    answers = {
        render(m.sender, m.subject, m.body): json.dumps(
            _details(expected.get(m.id)), ensure_ascii=False
        )
        for m in messages
    }
    delay = float(os.environ.get("INTAKE_ORACLE_DELAY") or 0)

    async def answer(request: Request) -> str:
        if delay:
            await asyncio.sleep(delay)
        prompt = "\n".join(m.content for m in request.turns if m.role == "user")
        for text, reply in answers.items():
            if text in prompt:
                return reply
        return "{}"

    register_test_model("oracle", FunctionModel(answer, name=ORACLE))


def _details(row: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict((row or {}).get("record") or {})

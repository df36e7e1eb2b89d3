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

__all__ = ["ORACLE", "head", "pick", "register_oracle"]

ORACLE = "test:oracle"


def register_oracle(
    messages: Iterable[IncomingMessage], expected: Mapping[str, Mapping[str, Any]]
) -> None:
    """Register ``test:oracle`` for these messages."""
    answers: dict[str, list[dict[str, Any]]] = {}
    for m in messages:
        answers.setdefault(head(m.sender, m.subject), []).append(_details(expected.get(m.id)))
    delay = float(os.environ.get("INTAKE_ORACLE_DELAY") or 0)

    async def answer(request: Request) -> str:
        if delay:
            await asyncio.sleep(delay)
        prompt = "\n".join(m.content for m in request.turns if m.role == "user")
        return json.dumps(pick(answers, prompt), ensure_ascii=False)

    register_test_model("oracle", FunctionModel(answer, name=ORACLE))


def head(sender: str, subject: str) -> str:
    """The From and Subject lines every prompt of the intake starts with."""
    return render(sender, subject, "").split("\n\n", 1)[0]


def pick(answers: Mapping[str, list[dict[str, Any]]], prompt: str) -> dict[str, Any]:
    """The answer of the message this prompt is about: by its From and Subject lines, and
    among messages that share them (contact forms), by the customer's name in the prompt."""
    lines = prompt.split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("From: ")), 0)
    key = "\n".join(lines[at : at + 2])
    found = answers.get(key) or []
    if len(found) > 1:
        named = [a for a in found if a.get("full_name") and str(a["full_name"]) in prompt]
        found = named or found
    return found[0] if found else {}


def _details(row: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict((row or {}).get("record") or {})

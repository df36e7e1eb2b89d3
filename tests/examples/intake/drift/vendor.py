"""``test:vendor``: a model that answers the intake's messages from expected.jsonl, and that can
be switched to a worse version behind the same model string (what a provider update looks like).

The worse version, chosen per message by its number so every run is the same:

* 3 in 10 answers pad the summary with a pleasantry the customer wrote (valid and grounded, so
  they are stored, and only drift shows them: the model writes only name, company and summary);
* 2 in 10 answers are prose instead of JSON, on the first try and on the re-ask (invalid output);
* 1 in 10 answers JSON with a trailing comma inside a code fence (the parser repairs it);
* every answer takes 30 ms instead of none.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

INTAKE_DIR = Path(__file__).resolve().parents[4] / "examples" / "intake"
DATA_DIR = INTAKE_DIR / "data"

from examples.intake.oracle import head, pick  # noqa: E402

from accord.llm.messages import Request  # noqa: E402
from accord.llm.models import FunctionModel, register_test_model  # noqa: E402

NAME = "vendor"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


MESSAGES = _rows(DATA_DIR / "messages.jsonl")
EXPECTED = {row["id"]: row for row in _rows(DATA_DIR / "expected.jsonl")}


class Vendor:
    """The answers of both versions, keyed by the From and Subject lines of the prompt."""

    def __init__(self) -> None:
        self.degraded = False
        self.answers: dict[str, list[dict[str, Any]]] = {}
        for m in MESSAGES:
            record = (EXPECTED.get(m["id"]) or {}).get("record") or {}
            number = int(re.sub(r"\D", "", m["id"]))
            self.answers.setdefault(head(m["sender"], m["subject"]), []).append(
                {**record, "_number": number}
            )

    async def answer(self, request: Request) -> str:
        prompt = "\n".join(t.content for t in request.turns if t.role == "user")
        found = pick(self.answers, prompt)
        if not found:
            return "{}"
        number = int(found["_number"])
        record = {k: v for k, v in found.items() if k != "_number"}
        if not self.degraded:
            return json.dumps(record, ensure_ascii=False)
        await asyncio.sleep(0.03)
        bucket = number % 10
        if bucket in (0, 1, 2) and record:
            padded = f"{record.get('summary') or ''} They thank the support team for its help."
            return json.dumps({**record, "summary": padded[:120]}, ensure_ascii=False)
        if bucket in (3, 4):
            return "I have read the email. The customer seems to want help with their account."
        if bucket == 5 and record:
            return "```json\n" + json.dumps(record, ensure_ascii=False)[:-1] + ",}\n```"
        return json.dumps(record, ensure_ascii=False)


def register_vendor() -> Vendor:
    """Register ``test:vendor`` (good version) and return the switch."""
    vendor = Vendor()
    register_test_model(NAME, FunctionModel(vendor.answer, name=f"test:{NAME}"))
    return vendor

"""Any line of a data file, whatever Unicode it holds, is either refused with its line number or
received; the engine never stops and nothing half-written stays in the log."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from examples.intake.concepts import Inbox
from examples.intake.messages import BadLine, IncomingMessage, read_messages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord import App
from accord.engine import Engine

ODD = ["\ud800", "\udfff", "\ud83d", "\x00", "\u202e", "\u2066", "\ufffe", "\uffff", "\U0010ffff"]
nasty_text = st.text(st.one_of(st.characters(), st.sampled_from(ODD)), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | nasty_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3),
    max_leaves=8,
)
lines = st.fixed_dictionaries(
    {
        "id": nasty_text,
        "sender": nasty_text,
        "subject": nasty_text | json_values,
        "body": nasty_text | json_values,
        "received_at": st.sampled_from(["2025-06-21T17:48:20Z", "yesterday", ""]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(lines, min_size=1, max_size=4))
def test_every_line_is_refused_by_number_or_received_and_the_engine_goes_on(
    tmp_path_factory: object, rows: list[dict[str, object]]
) -> None:
    folder = tmp_path_factory.mktemp("poison")  # type: ignore[attr-defined]
    data = folder / "mine.jsonl"
    # json.dumps writes a lone surrogate as a \ud800 escape, as a careless client would.
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    read = list(read_messages(data))
    assert len(read) == len(rows)
    for number, item in enumerate(read, 1):
        if isinstance(item, BadLine):
            assert str(item).startswith(f"{data}:{number}: ")
    asyncio.run(_receive([m for m in read if isinstance(m, IncomingMessage)], folder / "x.db"))


async def _receive(messages: list[IncomingMessage], db: Path) -> None:
    async with Engine(App([Inbox()], []), db) as engine:
        for m in messages:
            root = await engine.invoke(
                Inbox.receive,
                message=m.id,
                sender=m.sender,
                subject=m.subject,
                body=m.body,
                received_at=m.received_at,
            )
            assert (await engine.completion(root.id, timeout=10)).completed
        await engine.idle()
        assert engine.failure is None
        pending = engine.store.reader().all("SELECT id FROM actions WHERE output IS NULL")
        assert pending == []

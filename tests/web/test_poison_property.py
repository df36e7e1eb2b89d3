"""Property: no string and no JSON shape a client sends can stop the engine or make a
request hang. Each example goes through a running loopback server; after each, the answer
was a 2xx or 4xx, the engine still runs, an ordinary request is answered, and every
invocation in the log has its completion."""

from __future__ import annotations

import asyncio
import json
import math
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web.test_poison import make_app

from accord.engine import Engine
from accord.store.sqlite import SqliteStore
from accord.web import AccordServer, live_server

# The characters that break naive code: lone surrogates, NUL and controls, bidi controls,
# non-characters, the last code point, and ordinary text around them.
NASTY = st.sampled_from(
    [
        "\ud800",
        "\udbff",
        "\udc00",
        "\udfff",
        "\x00",
        "\x1f",
        "\x7f",
        "\u202e",
        "\u2066",
        "\u200b",
        "\ufeff",
        "\ufffe",
        "\uffff",
        "\ufdd0",
        "\U0010ffff",
        "\U0001f600",
        "\u00b2",
        '"',
        "\\",
        "[",
        "{",
    ]
)
TEXT = st.lists(NASTY | st.characters(exclude_categories=()), max_size=12).map("".join)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()  # NaN and the infinities included: json.loads reads them back
    | TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=16,
)


class Background:
    """The server in a thread with its own event loop, so Hypothesis can drive it."""

    def __init__(self, db: Path) -> None:
        # No fsync: the property is about what the log holds, not about power loss.
        store = SqliteStore(db, synchronous="OFF")
        self.server = AccordServer(
            make_app(), engine_factory=lambda app: Engine(app, store=store), deadline=30.0
        )
        self.ready: Future[str] = Future()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            async with live_server(self.server.asgi) as url:
                self.ready.set_result(url)
                await self._stop.wait()
        except BaseException as exc:
            if not self.ready.done():
                self.ready.set_exception(exc)
            raise

    def __enter__(self) -> str:
        self._thread.start()
        return self.ready.result(timeout=60)

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=60)

    def idle(self) -> None:
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self.server.engine.idle(), self._loop).result(60)

    def pending(self) -> list[Any]:
        return self.server.engine.store.reader().all("SELECT id FROM actions WHERE output IS NULL")


@pytest.fixture(scope="module")
def background(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Background, httpx.Client]]:
    running = Background(tmp_path_factory.mktemp("property") / "property.db")
    with running as url, httpx.Client(base_url=url, timeout=60) as client:
        yield running, client


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(note=VALUES, key=TEXT, text=TEXT)
def test_no_body_or_query_stops_the_engine(
    background: tuple[Background, httpx.Client], note: Any, key: str, text: str
) -> None:
    running, client = background
    # ensure_ascii: a lone surrogate travels as a \ud800 escape, valid JSON text that
    # decodes to a string no UTF-8 encoder (nor the log) accepts.
    raw = json.dumps({"note": note, key: text}, ensure_ascii=True).encode()
    query = quote(text.encode("utf-8", "surrogatepass"), safe="")
    answers = [
        client.post("/notes", content=raw, headers={"content-type": "application/json"}),
        client.get(f"/items/x?q={query}&{query}=1"),
        client.get(f"/items/{query or 'x'}"),
    ]
    for answer in answers:
        assert 200 <= answer.status_code < 300 or 400 <= answer.status_code < 500, answer.text
    if all(_storable(v) for v in (note, key, text)) and key != "note":
        assert answers[0].status_code == 201, answers[0].text
    # The engine still runs, an ordinary request is answered, nothing is half-written.
    assert running.server.engine.failure is None
    assert client.post("/notes", json={"note": "ordinary"}).status_code == 201
    running.idle()
    assert running.pending() == []


def _storable(value: Any) -> bool:
    """Whether ``value`` is JSON data the log can hold (the oracle, written independently)."""
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    return True

"""Console server time on a big log: p50/p95 of the flow list, a 50-action flow page, the
review queue and the drift page, with 100,000 flows and 1,000 open review items in SQLite.

Each page is requested through the console's ASGI app in process (login cookie, templates,
queries, rendering), so the figures are server time without the network. Goal: p95 < 50 ms.
The drift page keeps figures computed from LLM calls until a newer call is logged, so its
figures recomputed afresh are timed on their own as well.

    PYTHONPATH=src:. python benchmarks/console.py [--flows 100000] [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from tests.web.console.bigdb import build

from accord.store import SqliteStore
from accord.web.console import ConsoleSettings, Credentials, create_console, queries
from accord.web.console.breakers import attempts_top, replay

PASSWORD = "benchmark-password"


async def measure(db: Path, big_flow: int, runs: int) -> dict[str, list[float]]:
    app = create_console(
        ConsoleSettings(db=db, credentials=Credentials(reviewer=PASSWORD), secret="bench")
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
        page = await client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        await client.post(
            "/login", data={"csrf": token.group(1), "name": "bench", "password": PASSWORD}
        )
        first_item = re.search(r'href="/review/(rv\d+)"', (await client.get("/review")).text)
        assert first_item is not None
        started = time.perf_counter()
        await client.get("/flows?q=number+1")  # the first search indexes every root once
        print(f"text index of every flow's root built in {time.perf_counter() - started:.1f} s")
        pages = {
            "flow list": "/flows",
            "flow list, status=waiting": "/flows?status=waiting",
            "flow list, text filter (1 match)": "/flows?q=number+99999",
            "flow list, text filter (50 of many)": "/flows?q=number+5",
            f"flow page (flow {big_flow}, 50 actions)": f"/flows/{big_flow}",
            "review queue": "/review",
            "review item": f"/review/{first_item.group(1)}",
            "drift page": "/drift",
        }
        times: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(runs):
            for name, path in pages.items():
                started = time.perf_counter()
                answer = await client.get(path)
                times[name].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
    return times


def recomputed(db: Path, runs: int) -> list[float]:
    """The drift page's figures computed afresh each time (what the console keeps while no new
    LLM call or attempt is logged): outcomes, failure-rate series and breaker replay."""
    store = SqliteStore(db)
    store.open()
    reader = store.reader()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        top = queries.llm_calls_top(reader)
        outcomes = queries.llm_outcomes(reader, top=top)
        attempts = attempts_top(reader)
        assert attempts is not None
        replay(reader, attempts, None, list(outcomes["by_model"])).states(time.time())
        times.append((time.perf_counter() - started) * 1000)
    store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=100_000)
    parser.add_argument("--open-items", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        started = time.perf_counter()
        big_flow = build(db, flows=args.flows, open_items=args.open_items)
        print(f"built {args.flows} flows in {time.perf_counter() - started:.1f} s")
        times = asyncio.run(measure(db, big_flow, args.runs))
        times["drift figures, recomputed (no kept result)"] = recomputed(db, args.runs)
    print(f"{'page':45} {'p50 ms':>8} {'p95 ms':>8}  (load average: {os.getloadavg()})")
    for name, values in times.items():
        p95 = statistics.quantiles(values, n=20)[-1]
        print(f"{name:45} {statistics.median(values):8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()

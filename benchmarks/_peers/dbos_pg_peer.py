"""DBOS Transact on PostgreSQL: the same workflows of ``steps`` steps, on its native store.

DBOS records each step's output in its system database (here a PostgreSQL database of its own
on the server accord uses, created for the run and dropped after) before the workflow moves
on. Two shapes: one workflow at a time, and ``concurrency`` async workflows at once
(``start_workflow_async``), which is how DBOS shares the server between workflows.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
from dbos import DBOS, DBOSConfig

from _peers._result import Result

__all__ = ["run"]


@DBOS.step()
async def _pg_step(n: int) -> int:
    return n + 1


@DBOS.workflow()
async def _pg_chain(steps: int) -> int:
    n = 0
    for _ in range(steps):
        n = await _pg_step(n)
    return n


async def _run(flows: int, steps: int, concurrency: int) -> tuple[float, list[float]]:
    gate = asyncio.Semaphore(concurrency)

    async def flow() -> float:
        async with gate:
            started = time.perf_counter()
            handle = await DBOS.start_workflow_async(_pg_chain, steps)
            n = await handle.get_result()
            if n != steps:
                raise RuntimeError(f"DBOS workflow {handle.get_workflow_id()} ended at n={n}")
            return time.perf_counter() - started

    started = time.perf_counter()
    latencies = await asyncio.gather(*(flow() for _ in range(flows)))
    return time.perf_counter() - started, list(latencies)


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def run(flows: int, steps: int, url: str, concurrency: int) -> Result:
    """``flows`` DBOS workflows of ``steps`` durable steps, ``concurrency`` at a time."""
    name = f"dbos_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        row = conn.execute(
            "SELECT current_setting('fsync'), current_setting('synchronous_commit')"
        ).fetchone()
    durability = f"PostgreSQL fsync={row[0]} synchronous_commit={row[1]}" if row else "?"
    logging.getLogger("dbos").setLevel(logging.WARNING)
    config: DBOSConfig = {
        "name": "accord-bench-pg",
        "system_database_url": _with_db(url, name),
        "log_level": "WARNING",
    }
    DBOS(config=config)
    try:
        DBOS.launch()
        seconds, latencies = asyncio.run(_run(flows, steps, concurrency))
    finally:
        DBOS.destroy()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    label = "DBOS on PG, 1 at a time" if concurrency == 1 else f"DBOS on PG, {concurrency} async"
    return Result(label, flows, steps, seconds, latencies, durability)

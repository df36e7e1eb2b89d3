"""DBOS Transact: a workflow of ``steps`` steps on a SQLite system database.

DBOS records each step's output in its system database before the workflow moves on, which is
its per-step durability. Flows are workflows started together on the event loop
(``start_workflow_async``) and awaited with ``asyncio.gather``. The database file is switched
to WAL before DBOS opens it and every SQLAlchemy connection gets ``synchronous=FULL``, so it
runs under the same setting as the other engines (DBOS's own default is a rollback journal).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dbos import DBOS, DBOSConfig

from _peers._result import SYNCHRONOUS, Result, fresh_db, sqlite_pragmas

__all__ = ["run"]


@DBOS.step()
async def _step(n: int) -> int:
    return n + 1


@DBOS.workflow()
async def _chain(steps: int) -> int:
    n = 0
    for _ in range(steps):
        n = await _step(n)
    return n


_seen: set[str] = set()  # the settings found in force on DBOS's own connections


def _durable(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
    _seen.add(sqlite_pragmas(dbapi_conn))


async def _run(flows: int, steps: int) -> tuple[float, list[float]]:
    async def flow() -> float:
        started = time.perf_counter()
        handle = await DBOS.start_workflow_async(_chain, steps)
        n = await handle.get_result()
        if n != steps:
            raise RuntimeError(f"DBOS workflow {handle.get_workflow_id()} ended at n={n}")
        return time.perf_counter() - started

    started = time.perf_counter()
    latencies = await asyncio.gather(*(flow() for _ in range(flows)))
    return time.perf_counter() - started, list(latencies)


def run(flows: int, steps: int, db_dir: Path) -> Result:
    """Run ``flows`` DBOS workflows of ``steps`` durable steps concurrently."""
    path = fresh_db(db_dir, "dbos.db")
    with closing(sqlite3.connect(path)) as conn:  # journal_mode=WAL persists in the file
        conn.execute("PRAGMA journal_mode = WAL")
    _seen.clear()
    sa.event.listen(sa.Engine, "connect", _durable)
    logging.getLogger("dbos").setLevel(logging.WARNING)
    config: DBOSConfig = {
        "name": "accord-bench",
        "system_database_url": f"sqlite:///{path}",
        "log_level": "WARNING",
    }
    DBOS(config=config)
    try:
        DBOS.launch()
        seconds, latencies = asyncio.run(_run(flows, steps))
        durability = " / ".join(sorted(_seen))
    finally:
        DBOS.destroy()
        sa.event.remove(sa.Engine, "connect", _durable)
    return Result("DBOS", flows, steps, seconds, latencies, durability)

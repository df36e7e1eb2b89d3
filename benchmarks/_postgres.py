"""The engine benchmark on PostgreSQL: one in-process engine, then N ``Worker`` processes.

With workers, the flows are posted to the shared inbox in one transaction (as many clients
would post them) and each worker process claims what it takes; a flow's latency is from its
post to the durable completion of its last step, read from the log.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from _peers._result import Result

from accord.engine import Engine
from accord.store.postgres import CHANNEL, PostgresStore

__all__ = ["Usage", "durability", "run_in_process", "run_workers"]

HERE = Path(__file__).resolve().parent
FLOW_TIMEOUT = 600.0

_WORKER = """
import asyncio, logging, sys
sys.path.insert(0, {here!r})
logging.getLogger("accord.engine").setLevel(logging.ERROR)
from engine import chain_app
from accord.engine.worker import Worker
asyncio.run(Worker(chain_app({steps}), {url!r}, schema={schema!r}).run())
"""


class Usage:
    """What a run cost the machine: the CPU time of some processes and how busy the cores were
    (from /proc; Linux only, else unknown)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self._cpu = self._process_cpu()
        self._busy, self._total = self._machine()
        self.cpu_s = float("nan")
        self.busy = float("nan")

    def _process_cpu(self) -> float:
        total = 0.0
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                return float("nan")
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    @staticmethod
    def _machine() -> tuple[float, float]:
        try:
            with open("/proc/stat") as f:
                ticks = [int(v) for v in f.readline().split()[1:]]
        except OSError:
            return float("nan"), float("nan")
        idle = ticks[3] + ticks[4]
        return sum(ticks) - idle, sum(ticks)

    def stop(self) -> None:
        self.cpu_s = self._process_cpu() - self._cpu
        busy, total = self._machine()
        self.busy = (busy - self._busy) / max(total - self._total, 1)


def durability(url: str) -> str:
    with psycopg.connect(url) as conn:
        fsync = conn.execute("SHOW fsync").fetchone()
        sync = conn.execute("SHOW synchronous_commit").fetchone()
    fsync_text, sync_text = (fsync[0] if fsync else "?"), (sync[0] if sync else "?")
    return f"PostgreSQL fsync={fsync_text} synchronous_commit={sync_text}"


def _drop(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run_in_process(app_factory: object, flows: int, steps: int, url: str) -> Result:
    """The same workload as on SQLite, one engine in this process on PostgreSQL."""
    from engine import Chain  # the benchmark's concept

    schema = f"bench_{uuid.uuid4().hex[:8]}"

    async def go() -> Result:
        store = PostgresStore(url, schema=schema)
        async with Engine(app_factory(steps), store=store) as engine:  # type: ignore[operator]

            async def flow() -> float:
                started = time.perf_counter()
                root = await engine.invoke(Chain.step, n=0)
                await engine.wait_for(root.flow, Chain.last, timeout=FLOW_TIMEOUT)
                return time.perf_counter() - started

            started = time.perf_counter()
            latencies = await asyncio.gather(*(flow() for _ in range(flows)))
            seconds = time.perf_counter() - started
        return Result("accord on PG", flows, steps, seconds, list(latencies), durability(url))

    try:
        return asyncio.run(go())
    finally:
        _drop(url, schema)


def run_workers(
    app_factory: object, flows: int, steps: int, url: str, workers: int
) -> tuple[Result, Usage]:
    """``workers`` worker processes share the flows, posted to the inbox all at once; with
    the workers' CPU time and how busy the machine's cores were meanwhile."""
    from engine import Chain

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    setup = PostgresStore(url, schema=schema)
    setup.open(Chain.schema)
    setup.close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), str(HERE)])}
    code = _WORKER.format(here=str(HERE), steps=steps, url=url, schema=schema)
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    reader = PostgresStore(url, schema=schema)
    try:
        reader.attach()
        deadline = time.monotonic() + 60
        while len(reader.live_workers()) < workers:
            if time.monotonic() > deadline:
                raise SystemExit("the benchmark's workers did not start within 60 s")
            time.sleep(0.05)
        conn = reader.connect()
        usage = Usage([p.pid for p in procs])
        started = time.time()
        with conn.transaction():
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO inbox (flow, concept, action, input, created_at) "
                    "VALUES (NULL, 'Chain', 'step', '{\"n\":0}', %s)",
                    [(started,)] * flows,
                )
            conn.execute("SELECT pg_notify(%s, current_schema())", (CHANNEL,))
        conn.close()
        db = reader.reader()
        deadline = time.monotonic() + FLOW_TIMEOUT
        while True:
            row = db.one(
                "SELECT count(*) AS n FROM actions WHERE action = 'last' AND output IS NOT NULL"
            )
            if row is not None and row["n"] >= flows:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"{workers} workers did not finish {flows} flows in time")
            time.sleep(0.02)
        usage.stop()
        rows = db.all(
            "SELECT r.invoked_at AS posted, l.completed_at AS done FROM actions l "
            "JOIN actions r ON r.id = l.flow WHERE l.action = 'last'"
        )
        # Posted at `started`; the roots' invoked_at is when a worker took them.
        ended = max(r["done"] for r in rows)
        latencies = [r["done"] - started for r in rows]
        seconds = ended - started
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        reader.close()
        _drop(url, schema)
    result = Result(
        f"accord {workers} worker{'s' if workers > 1 else ''}",
        flows,
        steps,
        seconds,
        latencies,
        durability(url),
    )
    return result, usage

"""The workload of the crash-recovery test, run as a script that may be killed at any moment.

    python crash_workload.py DB JOBS PACE

Starts an engine on DB, prints ``ready``, submits every job in ``range(JOBS)`` that has no root
record yet (one every PACE seconds, so that a kill can land between submissions), waits until
the engine is idle, then exits 0 if every job finished (3 otherwise). Each job fans out to async
work with buffered state writes, tallies results in a synchronous action, finishes when its
filter sees every item counted, and is audited by a two-way join.
"""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, query, sync, where
from accord.engine import Engine


class JobOut(TypedDict):
    job: int


class Value(TypedDict):
    value: int


class ItemRow(TypedDict):
    item: int


class SizeRow(TypedDict):
    items: int


class TotalRow(TypedDict):
    count: int
    total: int


def items_of(job: int) -> int:
    return 1 + job % 4


class Jobs(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS jobs (job INTEGER PRIMARY KEY, items INTEGER NOT NULL, "
        "status TEXT NOT NULL, total INTEGER)",
        "CREATE TABLE IF NOT EXISTS job_items (job INTEGER, item INTEGER, PRIMARY KEY (job, item))",
    )

    @action
    def submit(self, job: int) -> JobOut:
        count = items_of(job)
        self.db.execute("INSERT INTO jobs (job, items, status) VALUES (?, ?, 'open')", (job, count))
        self.db.executemany("INSERT INTO job_items VALUES (?, ?)", [(job, i) for i in range(count)])
        return {"job": job}

    @action
    def finish(self, job: int, total: int) -> JobOut:
        self.db.execute("UPDATE jobs SET status = 'done', total = ? WHERE job = ?", (total, job))
        return {"job": job}

    @query
    def items(self, job: int) -> list[ItemRow]:
        return self.db.all("SELECT item FROM job_items WHERE job = ? ORDER BY item", (job,))  # type: ignore[return-value]

    @query
    def size(self, job: int) -> list[SizeRow]:
        return self.db.all("SELECT items FROM jobs WHERE job = ?", (job,))  # type: ignore[return-value]


class Work(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS processed (job INTEGER, item INTEGER, value INTEGER, "
        "PRIMARY KEY (job, item))",
    )

    @action(concurrency=2)
    async def process(self, job: int, item: int) -> Value:
        await asyncio.sleep(random.random() / 50)
        value = job * 100 + item
        # A second application of this write would violate the primary key.
        self.db.execute("INSERT INTO processed VALUES (?, ?, ?)", (job, item, value))
        return {"value": value}


class Totals(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS totals (job INTEGER PRIMARY KEY, count INTEGER, total INTEGER)",
    )

    @action
    def add(self, job: int, value: int) -> JobOut:
        self.db.execute(
            "INSERT INTO totals VALUES (?, 1, ?) ON CONFLICT(job) DO UPDATE "
            "SET count = count + 1, total = total + excluded.total",
            (job, value),
        )
        return {"job": job}

    @query
    def of(self, job: int) -> list[TotalRow]:
        return self.db.all("SELECT count, total FROM totals WHERE job = ?", (job,))  # type: ignore[return-value]


class Audit(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS audit (job INTEGER, note TEXT)",)

    @action
    def record(self, job: int) -> JobOut:
        self.db.execute("INSERT INTO audit VALUES (?, 'complete')", (job,))
        return {"job": job}


@sync
def split(job: Var, item: Var) -> Clauses:
    return Clauses(
        when=[Jobs.submit().out(job=job)],
        where=[Jobs.items(job=job).out(item=item)],
        then=[Work.process(job=job, item=item)],
    )


@sync
def tally(job: Var, value: Var) -> Clauses:
    return Clauses(
        when=[Work.process(job=job).out(value=value)], then=[Totals.add(job=job, value=value)]
    )


@sync
def complete(job: Var, count: Var, total: Var, items: Var) -> Clauses:
    return Clauses(
        when=[Totals.add().out(job=job)],
        where=[
            Totals.of(job=job).out(count=count, total=total),
            Jobs.size(job=job).out(items=items),
            where(lambda c, n: c == n, count, items),
        ],
        then=[Jobs.finish(job=job, total=total)],
    )


@sync
def audit(job: Var) -> Clauses:
    return Clauses(
        when=[Jobs.submit(job=job), Jobs.finish(job=job).out(job=job)],
        then=[Audit.record(job=job)],
    )


app = App([Jobs(), Work(), Totals(), Audit()], [split, tally, complete, audit])


async def main(db: Path, jobs: int, pace: float) -> int:
    engine = Engine(app, db)
    await engine.start()
    print("ready", flush=True)
    submitted = {
        row["job"]
        for row in engine.store.reader().all(
            "SELECT json_extract(input, '$.job') AS job FROM actions "
            "WHERE concept = 'Jobs' AND action = 'submit' AND sync IS NULL"
        )
    }
    for job in range(jobs):
        if job not in submitted:
            await engine.invoke(Jobs.submit, job=job)
            await asyncio.sleep(pace)
    await engine.idle()
    done = engine.store.reader().all("SELECT job FROM jobs WHERE status = 'done'")
    await engine.stop()
    return 0 if len(done) == jobs else 3


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))))

"""Workers sharing one PostgreSQL log: claims, races for a flow, takeover when one dies."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from accord.engine import Engine, EngineFailed
from accord.engine.worker import Worker
from accord.records import Record
from accord.store.postgres import ClaimLost, PostgresStore

from . import worker_app
from .worker_app import STEPS, Work


@contextmanager
def opened(url: str, schema: str) -> Iterator[PostgresStore]:
    store = PostgresStore(url, schema=schema)
    store.open(())  # the log only: Work's tables are in its own schema
    try:
        yield store
    finally:
        store.close()


def kill_session(url: str, store: PostgresStore) -> None:
    """End a worker's session from outside, as the death of its process or machine would."""
    pid = store.conn.info.backend_pid
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            time.sleep(0.01)


def orphaned_flows(url: str, schema: str, count: int) -> list[int]:
    """``count`` flows with a pending root each, owned by a worker that then dies."""
    dead = PostgresStore(url, schema=schema)
    dead.open(())
    tx = dead.begin()
    flows = []
    for i in range(count):
        rid = dead.next_id()
        tx.invoked(Record(rid, rid, "Work", "step", {"key": f"k{i}", "n": 0}, invoked_at=0.0))
        flows.append(rid)
    tx.commit()
    kill_session(url, dead)
    dead.close()
    return flows


def test_two_workers_racing_for_orphaned_flows_never_take_the_same_one(
    pg_url: str, pg_schema: str
) -> None:
    flows = orphaned_flows(pg_url, pg_schema, 300)
    taken: dict[int, list[int]] = {}
    with opened(pg_url, pg_schema) as b, opened(pg_url, pg_schema) as c:
        start = threading.Barrier(2)

        def race(store: PostgresStore) -> None:
            start.wait()
            got = taken.setdefault(store.worker, [])
            while records := store.adopt(limit=3):
                got.extend(r.flow for r in records)

        threads = [threading.Thread(target=race, args=(s,)) for s in (b, c)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        claims = b.claims()
        attempts = {r["attempt"] for r in b.reader().all("SELECT DISTINCT attempt FROM actions")}
    first, second = taken.values()
    assert first and second  # both took flows: they did race
    assert not set(first) & set(second)
    assert sorted(first + second) == flows
    assert all(claims[f] == owner for owner, fs in taken.items() for f in fs)
    # Each adoption counts an attempt: 2 everywhere means no flow was taken twice.
    assert attempts == {2}


async def test_a_batch_touching_a_flow_another_worker_owns_is_not_committed(
    pg_url: str, pg_schema: str
) -> None:
    engine = Engine(worker_app.build(), store=PostgresStore(pg_url, schema=pg_schema))
    await engine.start()
    try:
        root = await engine.invoke(Work.step, key="a", n=0)
        think = next(r for r in engine.records(root.flow) if r.action == "think")
        with opened(pg_url, pg_schema) as other:
            # The claim moves under the running engine, as a takeover race would move it.
            other.reader().execute(
                "UPDATE flow_claims SET owner = ? WHERE flow = ?", (other.worker, root.flow)
            )
            failure = await asyncio.wait_for(engine.failed(), timeout=30)
            assert isinstance(failure, ClaimLost)
            stored = other.record(think.id)
        assert stored is not None and stored.output is None  # the completion never landed
    finally:
        await engine.stop()
    with pytest.raises(EngineFailed):
        await engine.invoke(Work.step, key="b", n=0)


def flow_report(store: PostgresStore) -> tuple[int, int, int, int]:
    """(flows, flows ended by `last`, completions that are errors, state rows)."""
    db = store.reader()

    def count(sql: str) -> int:
        row = db.one(sql)
        assert row is not None
        return int(row["n"])

    return (
        count("SELECT count(*) AS n FROM actions WHERE id = flow"),
        count("SELECT count(*) AS n FROM actions WHERE action = 'last' AND output IS NOT NULL"),
        count("SELECT count(*) AS n FROM actions WHERE output LIKE '{\"error\"%'"),
        count("SELECT count(*) AS n FROM work_done"),
    )


async def wait_until_done(store: PostgresStore, flows: int, timeout: float = 120) -> None:
    async with asyncio.timeout(timeout):
        while flow_report(store)[1] < flows:
            await asyncio.sleep(0.05)


async def test_when_a_worker_dies_mid_flight_a_live_one_takes_over_its_flows(
    pg_url: str, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCORD_TEST_MAX_DELAY_MS", "200")
    workers = [
        Worker(worker_app.build(), pg_url, schema=pg_schema, takeover_interval=1.0)
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        for w in workers:
            await asyncio.wait_for(w.started.wait(), timeout=30)
        client = PostgresStore(pg_url, schema=pg_schema)
        client.attach()  # reads and posts; not a worker
        for i in range(60):  # each worker starts (and owns) half of the flows
            engine = workers[i % 2].engine
            assert engine is not None
            await engine.invoke(Work.step, key=f"k{i}", n=0)
        await asyncio.sleep(0.1)  # mid-flight: model calls running in both workers
        victim = workers[0].engine
        assert victim is not None
        assert isinstance(victim.store, PostgresStore)
        dead = victim.store.worker
        kill_session(pg_url, victim.store)
        in_flight = {
            r["flow"]
            for r in client.reader().all(
                "SELECT DISTINCT a.flow FROM actions a JOIN flow_claims c ON c.flow = a.flow "
                "WHERE a.output IS NULL AND c.owner = ?",
                (dead,),
            )
        }
        await wait_until_done(client, 60)
        with opened(pg_url, pg_schema) as reader:
            report = flow_report(reader)
            claims = reader.claims()
            live = reader.live_workers()
            pending = reader.reader().one("SELECT count(*) AS n FROM actions WHERE output IS NULL")
        client.close()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert report == (60, 60, 0, 60 * STEPS)
    assert pending == {"n": 0}
    assert workers[0].restarts == 1  # the killed one came back with a new id
    assert workers[1].restarts == 0  # the survivor never saw a flow it did not own
    assert in_flight  # the kill caught the victim in the middle of flows...
    assert {claims[f] for f in in_flight} <= live  # ...which live workers took over and ended


async def test_a_post_that_continues_a_flow_is_run_by_the_flows_owner(
    pg_url: str, pg_schema: str
) -> None:
    workers = [Worker(worker_app.build(), pg_url, schema=pg_schema) for _ in range(2)]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        for w in workers:
            await asyncio.wait_for(w.started.wait(), timeout=30)
        client = PostgresStore(pg_url, schema=pg_schema)
        client.attach()
        for i in range(10):  # flows started by each worker are owned by it
            engine = workers[i % 2].engine
            assert engine is not None
            await engine.invoke(Work.step, key=f"k{i}", n=0)
        await wait_until_done(client, 10)
        owners_before = client.claims()
        for flow in owners_before:  # each continues in its own flow, whoever owns it
            client.post("Work", "step", {"key": f"again{flow}", "n": 0}, flow)
        await wait_until_done(client, 20)
        per_flow = client.reader().all(
            "SELECT flow, count(*) AS n FROM actions WHERE action = 'last' GROUP BY flow"
        )
        owners_after = client.claims()
        client.close()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert len(set(owners_before.values())) == 2  # both workers own flows
    assert {r["flow"]: r["n"] for r in per_flow} == dict.fromkeys(owners_before, 2)
    assert owners_after == owners_before  # no claim moved...
    assert [w.restarts for w in workers] == [0, 0]  # ...and no batch touched another's flow

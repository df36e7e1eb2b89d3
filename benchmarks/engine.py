"""Engine benchmark: F flows, each a chain of synchronized durable steps, run concurrently.

    .venv/bin/python benchmarks/engine.py [--flows 2000] [--steps 10] [--compare] [--db-dir DIR]
        [--store postgresql://... [--workers 1,2,4]]

Every engine runs under the same durability: SQLite in WAL mode with ``synchronous=FULL`` (an
fsync at every commit); docs/decisions/0003-benchmark-durability.md says why. accord records
every completion durably before any sync acts on it and shares commits between concurrent flows
(group commit). Besides accord it measures a plain SQLite loop writing the same records with one
commit per step (the floor accord should stay within 2x of), the per-completion matching cost
with 1,000 registered syncs of which 3 mention the completed action, and with ``--compare``
LangGraph and DBOS Transact on the same shape of work. ``--store`` adds accord on PostgreSQL (in
process and on worker processes) and DBOS Transact on the same server. The last line is always
``steps_per_s=N flows_per_s=N p50_flow_ms=N peak_rss_mb=N`` for accord.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypedDict

from _peers import raw_sqlite
from _peers._result import SYNCHRONOUS, Result, fresh_db, sqlite_pragmas
from rich.console import Console

from accord import App, Clauses, Concept, Sync, Var, action, sync, where
from accord.engine import Engine
from accord.store.sqlite import SqliteStore
from accord.sync.model import ActionCall, Pattern

PEER_FLOWS = 300
FLOW_TIMEOUT = 600.0  # seconds; a flow that takes longer means the engine is stuck
MATCH_SYNCS = 1000
MATCH_FLOWS = 100
MATCH_CHAIN = 50
MATCH_ROUNDS = 5

_status = Console(stderr=True)


# -- the accord workload -----------------------------------------------------------------------


class Stepped(TypedDict):
    n: int


class Chain(Concept):
    """One state row per step; ``last`` is the chain's final step (so a flow's end is waitable)."""

    schema = ("CREATE TABLE IF NOT EXISTS steps (flow INTEGER NOT NULL, n INTEGER NOT NULL)",)

    @action
    def step(self, n: int) -> Stepped:
        self.db.execute("INSERT INTO steps VALUES (?, ?)", (self.invocation.flow, n))
        return {"n": n + 1}

    @action
    def last(self, n: int) -> Stepped:
        self.db.execute("INSERT INTO steps VALUES (?, ?)", (self.invocation.flow, n))
        return {"n": n + 1}


def chain_app(steps: int) -> App:
    """``steps`` actions per flow: ``step`` n = 0 .. steps-2 chained by a sync, then ``last``."""

    @sync
    def next_step(n: Var) -> Clauses:
        return Clauses(
            when=[Chain.step().out(n=n)],
            where=[where(lambda v: v < steps - 1, n)],
            then=[Chain.step(n=n)],
        )

    @sync
    def finish(n: Var) -> Clauses:
        return Clauses(
            when=[Chain.step().out(n=n)],
            where=[where(lambda v: v == steps - 1, n)],
            then=[Chain.last(n=n)],
        )

    return App([Chain()], [next_step, finish])


async def _run_accord(flows: int, steps: int, path: Path) -> tuple[Result, int]:
    store = SqliteStore(path, synchronous=SYNCHRONOUS)
    async with Engine(chain_app(steps), store=store) as engine:
        durability = sqlite_pragmas(store.conn)

        async def flow() -> float:
            started = time.perf_counter()
            root = await engine.invoke(Chain.step, n=0)
            await engine.wait_for(root.flow, Chain.last, timeout=FLOW_TIMEOUT)
            return time.perf_counter() - started

        started = time.perf_counter()
        latencies = await asyncio.gather(*(flow() for _ in range(flows)))
        seconds = time.perf_counter() - started
    peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return Result("accord", flows, steps, seconds, list(latencies), durability), peak_rss_kb


def run_accord(flows: int, steps: int, db_dir: Path) -> tuple[Result, float, float]:
    """Run the workload on accord.

    Returns the result, the process's peak RSS (MB) right after it, and the CPU time the
    process spent per step (µs, all threads: tells a CPU-bound engine from an fsync-bound one).
    """
    path = fresh_db(db_dir, "accord.db")
    cpu_started = time.process_time()
    result, peak_rss_kb = asyncio.run(_run_accord(flows, steps, path))
    cpu_us_per_step = (time.process_time() - cpu_started) / (flows * steps) * 1e6
    _verify(path, flows, steps)
    return result, peak_rss_kb / 1024, cpu_us_per_step


def _verify(path: Path, flows: int, steps: int) -> None:
    """Check in the database that every step of every flow was recorded and completed."""
    with closing(sqlite3.connect(path)) as conn:
        (done,) = conn.execute("SELECT COUNT(*) FROM actions WHERE output IS NOT NULL").fetchone()
        (pending,) = conn.execute("SELECT COUNT(*) FROM actions WHERE output IS NULL").fetchone()
        (rows,) = conn.execute("SELECT COUNT(*) FROM steps").fetchone()
    want = flows * steps
    if (done, pending, rows) != (want, 0, want):
        raise SystemExit(
            f"accord run is incomplete: {done} completed and {pending} pending actions, "
            f"{rows} state rows; expected {want}, 0 and {want}"
        )


# -- matching cost -----------------------------------------------------------------------------


class Probe(Concept):
    """The action whose completions are measured."""

    @action
    def hit(self, n: int) -> Stepped:
        return {"n": n + 1}


class Noise(Concept):
    """Actions that only the 997 unrelated syncs mention; never invoked."""

    @action
    def ping(self, n: int) -> Stepped:
        return {"n": n}

    @action
    def pong(self, n: int) -> Stepped:
        return {"n": n}


def _probe_syncs(chain: int) -> list[Sync]:
    """The 3 syncs that mention ``Probe.hit``: one drives the chain, two match and do nothing."""
    n = Var("n")
    return [
        Sync(
            "probe_chain",
            when=[Pattern(Probe.hit, {}, {"n": n})],
            where=[where(lambda v: v < chain, n)],
            then=[ActionCall(Probe.hit, {"n": n})],
        ),
        Sync(  # its output pattern never matches
            "probe_negative",
            when=[Pattern(Probe.hit, {}, {"n": -1})],
            then=[ActionCall(Noise.ping, {"n": 0})],
        ),
        Sync(  # matches every completion; its filter drops the frame
            "probe_filtered",
            when=[Pattern(Probe.hit, {}, {"n": n})],
            where=[where(lambda v: v < 0, n)],
            then=[ActionCall(Noise.pong, {"n": n})],
        ),
    ]


def _noise_syncs(count: int) -> list[Sync]:
    n = Var("n")
    syncs = []
    for i in range(count):
        source, target = (Noise.ping, Noise.pong) if i % 2 else (Noise.pong, Noise.ping)
        syncs.append(
            Sync(
                f"noise_{i}",
                when=[Pattern(source, {}, {"n": i})],
                then=[ActionCall(target, {"n": n if i % 3 else i})],
            )
        )
    return syncs


async def _time_completions(syncs: list[Sync], flows: int, chain: int) -> float:
    """CPU seconds per ``Probe.hit`` completion.

    In-memory store and process CPU time: the engine's own work, not the disk or the other
    processes sharing the machine.
    """
    store = SqliteStore(":memory:")
    async with Engine(App([Probe(), Noise()], syncs), store=store, check=False) as engine:
        started = time.process_time()
        await asyncio.gather(*(engine.invoke(Probe.hit, n=0) for _ in range(flows)))
        await engine.idle()
        seconds = time.process_time() - started
        row = store.reader().one(
            "SELECT COUNT(*) AS c FROM actions WHERE action = 'hit' AND output IS NOT NULL"
        )
        completed = row["c"] if row else 0
    if completed != flows * chain:
        raise SystemExit(f"matching run completed {completed} hits, expected {flows * chain}")
    return seconds / completed


def matching_cost(total_syncs: int) -> tuple[float, float]:
    """µs per completion with only the 3 syncs and with ``total_syncs`` registered (best of
    :data:`MATCH_ROUNDS` alternating runs each)."""
    few = _probe_syncs(MATCH_CHAIN)
    many = few + _noise_syncs(total_syncs - len(few))
    best_few = best_many = float("inf")
    for _ in range(MATCH_ROUNDS):
        # Collect the previous run's garbage first, or the next run pays for it.
        gc.collect()
        best_few = min(best_few, asyncio.run(_time_completions(few, MATCH_FLOWS, MATCH_CHAIN)))
        gc.collect()
        best_many = min(best_many, asyncio.run(_time_completions(many, MATCH_FLOWS, MATCH_CHAIN)))
    return best_few * 1e6, best_many * 1e6


# -- the report --------------------------------------------------------------------------------


@contextmanager
def _phase(what: str) -> Iterator[None]:
    with _status.status(what):
        yield


def _line(r: Result, note: str = "") -> str:
    return (
        f"{r.name:<16} {r.steps_per_s:>9,.0f} steps/s {r.flows_per_s:>8,.1f} flows/s  "
        f"p50 flow {r.p50_ms:>8,.1f} ms  ({r.flows} flows x {r.steps} steps, {r.seconds:.1f} s"
        f"{note})  [{r.durability}]"
    )


def _compare(peer_flows: int, steps: int, db_dir: Path) -> list[Result]:
    try:
        from _peers import dbos_peer, langgraph_peer
    except ImportError as exc:
        raise SystemExit(
            f"--compare needs the peers installed: {exc}. Run `.venv/bin/pip install -e '.[bench]'`"
        ) from None
    runners: list[tuple[str, Callable[[int, int, Path], Result]]] = [
        ("LangGraph (SqliteSaver, durability=sync)", langgraph_peer.run),
        ("DBOS Transact (SQLite system database)", dbos_peer.run),
    ]
    results = []
    for label, runner in runners:
        with _phase(f"{label}: {peer_flows} flows x {steps} steps"):
            results.append(runner(peer_flows, steps, db_dir))
        print(_line(results[-1]), flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=2000, help="concurrent flows (default 2000)")
    parser.add_argument("--steps", type=int, default=10, help="durable steps per flow (default 10)")
    parser.add_argument(
        "--peer-flows",
        type=int,
        default=PEER_FLOWS,
        help=f"flows for the raw SQLite loop and the peers (default {PEER_FLOWS}; "
        "they report a rate, so fewer flows keep the run short)",
    )
    parser.add_argument("--compare", action="store_true", help="also run LangGraph and DBOS")
    parser.add_argument("--db-dir", type=Path, help="where the databases go (default: a temp dir)")
    parser.add_argument(
        "--store",
        help="also run accord on this PostgreSQL database (postgresql://...): one engine in "
        "this process, then --workers worker processes; each run in a schema of its own",
    )
    parser.add_argument(
        "--workers", default="1,2", help="worker process counts with --store (default 1,2)"
    )
    parser.add_argument(
        "--pg-rounds",
        type=int,
        default=3,
        help="back-to-back SQLite/PostgreSQL pairs for their ratio with --store (default 3)",
    )
    args = parser.parse_args(argv)
    try:
        args.workers = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers {args.workers!r}: give counts like 1,2,4")
    if any(n < 1 for n in args.workers):
        parser.error("--workers: every count must be at least 1")
    if args.store is not None and not args.store.startswith(("postgresql://", "postgres://")):
        parser.error(f"--store {args.store!r}: give a postgresql:// URL")
    # The checker warns that next_step is a cycle; its `where` ends it, so that is expected here.
    logging.getLogger("accord.engine").setLevel(logging.ERROR)
    for name in ("flows", "steps", "peer_flows", "pg_rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.steps < 2:
        parser.error("--steps must be at least 2 (a chain is steps 0 .. n-2, then `last`)")
    if args.db_dir is not None:
        try:
            args.db_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            parser.error(f"--db-dir {args.db_dir}: cannot create it ({exc}); pass a writable dir")
        run(args, args.db_dir)
        return
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        run(args, Path(tmp))


def run(args: argparse.Namespace, db_dir: Path) -> None:
    flows, steps, peer_flows = args.flows, args.steps, args.peer_flows
    args.db_dir_path = db_dir
    print(f"durability for every engine: SQLite WAL, synchronous={SYNCHRONOUS}; db dir {db_dir}")
    with _phase(f"accord: {flows} flows x {steps} steps"):
        accord, peak_rss_mb, cpu_us = run_accord(flows, steps, db_dir)
    print(_line(accord, ", group commit"), flush=True)
    print(f"accord CPU time per step (process, all threads): {cpu_us:.0f} us", flush=True)
    if args.store is not None:
        run_postgres(args, accord)
    with _phase(f"raw SQLite loop: {peer_flows} flows x {steps} steps"):
        raw = raw_sqlite.run(peer_flows, steps, db_dir)
    print(_line(raw, ", one commit per step, one flow at a time"), flush=True)
    if peer_flows != flows:
        print(f"(the raw loop and the peers run {peer_flows} flows, accord {flows}: compare rates)")
    ratio = accord.steps_per_s / raw.steps_per_s
    print(f"accord / raw SQLite loop: {ratio:.2f}x (goal: at least 0.5x)")
    with _phase(f"matching cost: {MATCH_SYNCS} syncs, 3 on the measured action"):
        few_us, many_us = matching_cost(MATCH_SYNCS)
    print(
        f"per completion of Probe/hit (CPU, in-memory store, best of {MATCH_ROUNDS}): "
        f"{few_us:.1f} us with 3 syncs, {many_us:.1f} us with {MATCH_SYNCS} syncs "
        f"of which 3 mention it ({many_us / few_us:.2f}x)"
    )
    if args.compare:
        peers = _compare(peer_flows, steps, db_dir)
        fastest = max(peers, key=lambda r: r.steps_per_s)
        for peer in peers:
            print(f"accord / {peer.name}: {accord.steps_per_s / peer.steps_per_s:.1f}x")
        verdict = "met" if accord.steps_per_s >= 10 * fastest.steps_per_s else "NOT met"
        print(f"goal accord >= 10x the faster peer ({fastest.name}): {verdict}")
    print(
        f"steps_per_s={accord.steps_per_s:.0f} flows_per_s={accord.flows_per_s:.0f} "
        f"p50_flow_ms={accord.p50_ms:.0f} peak_rss_mb={peak_rss_mb:.0f}"
    )


DBOS_PG_FLOWS = 40  # DBOS one workflow at a time: a rate, so a few flows are enough
DBOS_PG_CONCURRENT = 50


def run_postgres(args: argparse.Namespace, sqlite: Result) -> None:
    """accord on PostgreSQL: in this process, then on worker processes sharing the flows; then
    DBOS Transact on the same server, one workflow at a time and 50 at once."""
    import _postgres

    flows, steps = args.flows, args.steps
    with _phase(f"accord on PostgreSQL, one engine: {flows} flows x {steps} steps"):
        single = _postgres.run_in_process(chain_app, flows, steps, args.store)
    print(_line(single, ", in process"), flush=True)
    ratios = [single.steps_per_s / sqlite.steps_per_s]
    # On a shared machine the load moves between two runs: more pairs, run back to back.
    for _ in range(args.pg_rounds - 1):
        with _phase(f"accord on SQLite, then on PostgreSQL: {flows} flows x {steps} steps"):
            again, _, _ = run_accord(flows, steps, args.db_dir_path)
            pg = _postgres.run_in_process(chain_app, flows, steps, args.store)
        ratios.append(pg.steps_per_s / again.steps_per_s)
        print(
            f"  again: SQLite {again.steps_per_s:,.0f}, PostgreSQL {pg.steps_per_s:,.0f} steps/s",
            flush=True,
        )
    shown = ", ".join(f"{r:.2f}" for r in ratios)
    print(
        f"accord on PostgreSQL / accord on SQLite: {statistics.median(ratios):.2f}x median of "
        f"{len(ratios)} back-to-back pairs ({shown}) (goal: at least 0.5x)"
    )
    by_count: dict[int, Result] = {}
    for count in args.workers:
        with _phase(f"accord, {count} worker processes: {flows} flows x {steps} steps"):
            by_count[count], usage = _postgres.run_workers(
                chain_app, flows, steps, args.store, count
            )
        print(_line(by_count[count], ", posted to the inbox"), flush=True)
        print(
            f"  workers' CPU {usage.cpu_s / (flows * steps) * 1e6:.0f} us per step; "
            f"the machine's cores {usage.busy:.0%} busy meanwhile (all processes)",
            flush=True,
        )
    if 1 in by_count:
        for count, result in by_count.items():
            if count != 1:
                factor = result.steps_per_s / by_count[1].steps_per_s
                print(f"{count} workers / 1 worker: {factor:.2f}x")
    try:
        from _peers import dbos_pg_peer
    except ImportError as exc:
        print(f"DBOS on PostgreSQL not run: {exc}. Run `.venv/bin/pip install -e '.[bench]'`")
        return
    peers = []
    for concurrency, count in ((1, DBOS_PG_FLOWS), (DBOS_PG_CONCURRENT, args.peer_flows)):
        what = f"{count} workflows x {steps} steps, {concurrency} at once"
        with _phase(f"DBOS on PostgreSQL: {what}"):
            peers.append(dbos_pg_peer.run(count, steps, args.store, concurrency))
        print(_line(peers[-1]), flush=True)
    fastest = max(peers, key=lambda r: r.steps_per_s)
    best = max([single, *by_count.values()], key=lambda r: r.steps_per_s)
    for peer in peers:
        for mine in [single] if best is single else [single, best]:
            print(f"{mine.name} / {peer.name}: {mine.steps_per_s / peer.steps_per_s:.1f}x")
    verdict = "met" if best.steps_per_s >= 30 * fastest.steps_per_s else "NOT met"
    print(f"goal accord on PG >= 30x the faster DBOS run ({fastest.name}): {verdict}")


if __name__ == "__main__":
    main()

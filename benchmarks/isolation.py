"""What state isolation costs on the request path.

Two measurements, each with isolation on (the default) and off (a store that ignores the
ownership rules):

* per statement: ``self.db.one`` on a warm statement, as a concept's action calls it;
* per action: root actions of a concept doing one read and one write each, through the engine
  in deterministic mode (one commit per action), best of three rounds.

With ``--store postgresql://...``, the per-action figure on PostgreSQL as well: a schema and a
role per concept, switched with the statements (decision 0024), against one shared schema.

Run: ``PYTHONPATH=src python benchmarks/isolation.py [--store postgresql://...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from typing_extensions import TypedDict

from accord import App, Concept, action
from accord.engine import Engine
from accord.ownership import Ownership
from accord.store.postgres import PostgresStore
from accord.store.sqlite import SqliteDb, SqliteStore

ACTIONS = 3000
STATEMENTS = 200_000


class Counted(TypedDict):
    count: int


class Counter(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS counter_counts (name TEXT PRIMARY KEY, n INTEGER)",)

    @action
    def bump(self, name: str) -> Counted:
        self.db.execute(
            "INSERT INTO counter_counts VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1",
            (name,),
        )
        row = self.db.one("SELECT n FROM counter_counts WHERE name = ?", (name,))
        return {"count": 0 if row is None else int(row["n"])}


class OpenStore(SqliteStore):
    """A store without isolation: the baseline."""

    def isolate(self, ownership: Ownership) -> None:
        return None


class OpenPostgresStore(PostgresStore):
    """A PostgreSQL store without isolation: every table in the app's schema."""

    def isolate(self, ownership: Ownership) -> None:
        return None


async def per_action_postgres(isolated: bool, url: str) -> float:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    store = (PostgresStore if isolated else OpenPostgresStore)(url, schema=schema)
    try:
        engine = Engine(App([Counter()]), store=store, deterministic=True)
        async with engine:
            start = time.perf_counter()
            for i in range(ACTIONS // 3):
                root = await engine.invoke(Counter.bump, name=f"n{i % 50}")
                await engine.completion(root.id)
            elapsed = time.perf_counter() - start
        return elapsed / (ACTIONS // 3) * 1e6
    finally:
        with store.connect() as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            if isolated:
                conn.execute(f'DROP SCHEMA "{schema}__counter" CASCADE')
                conn.execute(f'DROP ROLE "{schema}__counter"')


def per_statement(isolated: bool) -> float:
    store = (SqliteStore if isolated else OpenStore)(":memory:")
    store.open(Counter.schema)
    store.isolate(Ownership.of([Counter()]))
    db = store.reader().for_concept("Counter")
    db.execute("INSERT INTO counter_counts VALUES ('a', 1)")
    sql = "SELECT n FROM counter_counts WHERE name = ?"
    db.one(sql, ("a",))
    start = time.perf_counter()
    for _ in range(STATEMENTS):
        db.one(sql, ("a",))
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed / STATEMENTS * 1e9


async def per_action(isolated: bool, folder: Path) -> float:
    path = folder / f"bench-{isolated}-{time.monotonic_ns()}.db"
    store = (SqliteStore if isolated else OpenStore)(path, synchronous="OFF")
    engine = Engine(App([Counter()]), store=store, deterministic=True)
    async with engine:
        start = time.perf_counter()
        for i in range(ACTIONS):
            root = await engine.invoke(Counter.bump, name=f"n{i % 50}")
            await engine.completion(root.id)
        elapsed = time.perf_counter() - start
    return elapsed / ACTIONS * 1e6


def first_compile_cost() -> float:
    """One new SQL text checked for the first time (EXPLAIN under the authorizer)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(Counter.schema[0])
    store = SqliteStore(":memory:")
    store.isolate(Ownership.of([Counter()]))
    db = SqliteDb(conn, store._guard).for_concept("Counter")
    start = time.perf_counter()
    for i in range(2000):
        db.one(f"SELECT n FROM counter_counts WHERE name = ? AND {i} = {i}", ("a",))
    return (time.perf_counter() - start) / 2000 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="also measure on this PostgreSQL database")
    args = parser.parse_args()
    print(
        f"statement, warm:   isolated {per_statement(True):7.0f} ns   "
        f"open {per_statement(False):7.0f} ns"
    )
    print(f"statement, first:  isolated {first_compile_cost():7.1f} us (once per concept and text)")
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(2):  # warm up
            asyncio.run(per_action(True, Path(folder)))
        on = min(asyncio.run(per_action(True, Path(folder))) for _ in range(3))
        off = min(asyncio.run(per_action(False, Path(folder))) for _ in range(3))
    print(
        f"action (engine):   isolated {on:7.1f} us   open {off:7.1f} us   "
        f"cost {on - off:+.1f} us ({(on - off) / off:+.1%})"
    )

    if args.store:
        for _ in range(2):  # warm up
            asyncio.run(per_action_postgres(True, args.store))
        on = min(asyncio.run(per_action_postgres(True, args.store)) for _ in range(3))
        off = min(asyncio.run(per_action_postgres(False, args.store)) for _ in range(3))
        print(
            f"action (postgres): isolated {on:7.1f} us   open {off:7.1f} us   "
            f"cost {on - off:+.1f} us ({(on - off) / off:+.1%})"
        )


if __name__ == "__main__":
    main()

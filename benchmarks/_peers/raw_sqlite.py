"""The floor: a plain SQLite loop writing accord's records for each step, one commit per step.

Per step it inserts the completed action-log row, the concept's state row and (after the root)
the firing row, into the engine's own log schema, and commits: the durable work accord does per
step, minus the engine. Flows run one after another; there is nothing to overlap.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from _peers._result import SYNCHRONOUS, Result, fresh_db, sqlite_pragmas
from accord.store.sqlite import LOG_SCHEMA

__all__ = ["run"]

STATE_SCHEMA = "CREATE TABLE IF NOT EXISTS steps (flow INTEGER NOT NULL, n INTEGER NOT NULL)"


def run(flows: int, steps: int, db_dir: Path) -> Result:
    """Run ``flows`` chains of ``steps`` steps, committing (and fsyncing) after every step."""
    conn = sqlite3.connect(fresh_db(db_dir, "raw.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
    for statement in (*LOG_SCHEMA, STATE_SCHEMA):
        conn.execute(statement)
    durability = sqlite_pragmas(conn)
    latencies = []
    next_id = 1
    started = time.perf_counter()
    for _ in range(flows):
        flow_started = time.perf_counter()
        flow = cause = next_id
        for n in range(steps):
            now = time.time()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO actions (id, flow, concept, action, input, output, sync, cause, "
                "attempt, invoked_at, completed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    next_id,
                    flow,
                    "Chain",
                    "step",
                    json.dumps({"n": n}),
                    json.dumps({"n": n + 1}),
                    None if n == 0 else "next_step",
                    json.dumps([] if n == 0 else [cause]),
                    1,
                    now,
                    now,
                ),
            )
            conn.execute("INSERT INTO steps VALUES (?, ?)", (flow, n))
            if n:
                conn.execute(
                    "INSERT INTO firings VALUES (?, ?, ?)", ("next_step", str(cause), flow)
                )
            conn.execute("COMMIT")
            cause = next_id
            next_id += 1
        latencies.append(time.perf_counter() - flow_started)
    seconds = time.perf_counter() - started
    conn.close()
    return Result("raw SQLite loop", flows, steps, seconds, latencies, durability)

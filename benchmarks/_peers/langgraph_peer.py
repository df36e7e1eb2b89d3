"""LangGraph: a StateGraph of ``steps`` nodes in a chain, checkpointed to SQLite after every step.

``durability="sync"`` is LangGraph's strongest mode: each step's checkpoint is written before
the next step starts. Flows are LangGraph threads run concurrently on a thread pool over one
``SqliteSaver`` (WAL, ``synchronous=FULL`` set explicitly). This beat ``AsyncSqliteSaver`` with
``asyncio.gather`` about threefold on the development machine, so the peer gets the faster one.
"""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypedDict

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph

from _peers._result import SYNCHRONOUS, Result, fresh_db, sqlite_pragmas

__all__ = ["WORKERS", "run"]

WORKERS = 64  # more threads than this stopped helping: the saver serializes on one connection


class _State(TypedDict):
    n: int


def _step(state: _State) -> dict[str, int]:
    return {"n": state["n"] + 1}


def _graph(steps: int) -> StateGraph[_State, Any, _State, _State]:
    graph = StateGraph(_State)
    previous = START
    for i in range(steps):
        graph.add_node(f"step{i}", _step)
        graph.add_edge(previous, f"step{i}")
        previous = f"step{i}"
    graph.add_edge(previous, END)
    return graph


def run(flows: int, steps: int, db_dir: Path) -> Result:
    """Run ``flows`` LangGraph threads of ``steps`` checkpointed steps concurrently."""
    conn = sqlite3.connect(fresh_db(db_dir, "langgraph.db"), check_same_thread=False)
    try:
        saver = SqliteSaver(conn)
        saver.setup()  # switches the file to WAL
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        durability = sqlite_pragmas(conn)
        app = _graph(steps).compile(checkpointer=saver)

        def flow(i: int) -> float:
            config: Any = {"configurable": {"thread_id": f"flow-{i}"}}
            out = app.invoke({"n": 0}, config, durability="sync")
            if out["n"] != steps:
                raise RuntimeError(f"LangGraph flow {i} ended at n={out['n']}, expected {steps}")
            # From submission, as for the other engines (which start every flow at once), so the
            # time a flow waits for a pool thread counts.
            return time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(min(WORKERS, flows)) as pool:
            latencies = list(pool.map(flow, range(flows)))
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    return Result("LangGraph", flows, steps, seconds, latencies, durability)

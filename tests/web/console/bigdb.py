"""A log of many flows written straight into SQLite (the query-plan test and the benchmark).

Each flow is a message (``Intake/receive``), an LLM call (``Extracting/extract`` with its
``llm_calls`` and ``llm_attempts`` rows) and either a stored record or a review item (ten
times ``open_items``, the rest decided long ago); one flow has 50 actions. Written in bulk:
100,000 flows take seconds, not an engine run.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from accord.concepts.extracting import Extracting
from accord.concepts.reviewing import Reviewing
from accord.store import SqliteStore

BIG_FLOW_ACTIONS = 50


def build(path: Path, flows: int = 100_000, open_items: int = 1_000) -> int:
    """Write the log; returns the id of the flow with ``BIG_FLOW_ACTIONS`` actions."""
    store = SqliteStore(path, synchronous="OFF")
    store.open((*Reviewing.schema, *Extracting.schema))
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    actions: list[tuple[object, ...]] = []
    calls: list[tuple[object, ...]] = []
    attempts: list[tuple[object, ...]] = []
    items: list[tuple[object, ...]] = []
    rid = 1
    t = 1_700_000_000.0
    review_every = max(1, flows // (open_items * 10))
    big_flow = 0
    for n in range(flows):
        flow = rid
        body = json.dumps({"key": f"m{n}", "body": f"message number {n}", "proposed": {}})
        actions.append(
            (rid, flow, "Intake", "receive", body, f'{{"key":"m{n}"}}', None, "[]", t, t)
        )
        reply = json.dumps({"output": {"name": f"customer {n}", "plan": "pro"}})
        actions.append(
            (
                rid + 1,
                flow,
                "Extracting",
                "extract",
                '{"task":"customer"}',
                reply,
                "extract",
                f"[{rid}]",
                t + 0.01,
                t + 0.5,
            )
        )
        outcome = "ok" if n % 10 else "invalid_output"
        calls.append(
            (
                str(rid + 1),
                str(flow),
                "customer",
                "small-model",
                "v1",
                outcome,
                1,
                0,
                0,
                0,
                0,
                100,
                40,
                450.0,
                0.0001,
                None,
                None,
                t + 0.5,
            )
        )
        attempts.append(
            (
                str(rid + 1),
                1,
                str(flow),
                "customer",
                "small-model",
                "v1",
                "json",
                outcome,
                None,
                None,
                '{"name": "customer"}',
                "[]",
                "[]",
                0,
                0,
                100,
                40,
                450.0,
                0.0001,
                t + 0.01,
            )
        )
        if n % review_every == 0 and len(items) < open_items * 10:
            item = f"rv{rid + 2}"
            actions.append(
                (
                    rid + 2,
                    flow,
                    "Reviewing",
                    "request",
                    f'{{"subject":"m{n}"}}',
                    json.dumps({"item": item}),
                    "review_each",
                    f"[{rid + 1}]",
                    t + 0.6,
                    t + 0.6,
                )
            )
            items.append(
                (
                    item,
                    flow,
                    f"m{n}",
                    "low confidence",
                    json.dumps({"body": "hello"}),
                    json.dumps({"name": "x"}),
                    None,
                    None,
                    "open" if len(items) % 10 == 0 else "rejected",
                    None,
                    None,
                    None,
                    None,
                    t + 0.6,
                    None,
                )
            )
        else:
            actions.append(
                (
                    rid + 2,
                    flow,
                    "Intake",
                    "store",
                    f'{{"key":"m{n}"}}',
                    f'{{"key":"m{n}"}}',
                    "store_approved",
                    f"[{rid + 1}]",
                    t + 0.6,
                    t + 0.6,
                )
            )
        rid += 3
        t += 1.0
        if n == flows // 2:
            big_flow = flow
            for k in range(BIG_FLOW_ACTIONS - 3):
                actions.append(
                    (
                        rid,
                        flow,
                        "Intake",
                        "store",
                        f'{{"key":"x{k}"}}',
                        '{"key":"x"}',
                        "store_approved",
                        f"[{rid - 1}]",
                        t,
                        t,
                    )
                )
                rid += 1
    conn.executemany(
        "INSERT INTO actions (id, flow, concept, action, input, output, sync, cause, "
        "invoked_at, completed_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        actions,
    )
    conn.executemany(f"INSERT INTO llm_calls VALUES ({','.join('?' * 18)})", calls)
    conn.executemany(f"INSERT INTO llm_attempts VALUES ({','.join('?' * 20)})", attempts)
    conn.executemany(
        "INSERT INTO review_items (item, flow, subject, reason, payload, proposed, schema_name, "
        "schema_ref, status, value, note, reviewer, deadline, created_at, resolved_at) "
        f"VALUES ({','.join('?' * 15)})",
        items,
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return big_flow

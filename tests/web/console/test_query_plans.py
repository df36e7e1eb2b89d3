"""On a log of 100,000 flows, every statement behind the flow list, a flow page, the review
queue and the drift page reads through an index or a rowid range, never a whole table.

The plans are checked (EXPLAIN QUERY PLAN on each statement as it ran), not the time taken."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.console.bigdb import BIG_FLOW_ACTIONS, build

from accord.store.sqlite import SqliteDb
from accord.web.console import queries
from accord.web.console.breakers import attempts_top, replay
from accord.web.console.textindex import SEARCH_SQL, TextIndex

BIG = ("actions", "review_items", "llm_calls", "llm_attempts", "flow_events", "firings")
FULL_SCAN = re.compile(rf"^SCAN ({'|'.join(BIG)})\b")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sqlite3.Connection, int]]:
    path = tmp_path_factory.mktemp("big") / "big.db"
    big_flow = build(path, flows=100_000, open_items=1_000)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn, big_flow
    finally:
        conn.close()


def full_scans(conn: sqlite3.Connection, run: Callable[[SqliteDb], Any]) -> list[str]:
    """Run ``run`` on the connection; return every statement whose plan scans a big table."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        run(SqliteDb(conn))
    finally:
        conn.set_trace_callback(None)
    assert statements, "nothing ran"
    bad = []
    for sql in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        if any(FULL_SCAN.match(line) for line in plan):
            bad.append(f"{sql}\n  plan: {plan}")
    return bad


@pytest.mark.slow
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": "waiting"},
        {"status": "running"},
        {"status": "stuck"},
        {"status": "failed"},
        {"root": "Intake/receive"},
        {"concept": "Reviewing"},
        {"text": "number 4711"},
        {"since": 1_700_050_000.0, "until": 1_700_060_000.0},
    ],
    ids=lambda f: ",".join(f) or "unfiltered",
)
def test_the_flow_list_reads_through_indexes(
    big: tuple[sqlite3.Connection, int], filters: dict[str, Any]
) -> None:
    conn, _ = big
    pages: list[queries.FlowPage] = []

    def run(db: SqliteDb) -> None:
        first = queries.list_flows(db, limit=50, **filters)
        pages.append(first)
        if first.next_before is not None:
            pages.append(queries.list_flows(db, limit=50, before=first.next_before, **filters))

    assert full_scans(conn, run) == []
    if not filters:
        assert len(pages[0].rows) == 50 and pages[0].next_before is not None
        assert pages[1].rows[0].flow < pages[0].rows[-1].flow
    if filters.get("status") == "waiting":
        assert len(pages[0].rows) == 50 and all(r.status == "waiting" for r in pages[0].rows)


@pytest.mark.slow
def test_a_flow_page_the_queue_and_the_drift_figures_read_through_indexes(
    big: tuple[sqlite3.Connection, int],
) -> None:
    conn, big_flow = big
    found: dict[str, Any] = {}

    def run(db: SqliteDb) -> None:
        records = queries.flow_records(db, big_flow)
        found["records"] = records
        queries.llm_attempts(db, [r.id for r in records])
        queries.provenance_chain(db, records[-1].id)
        page = queries.review_queue(db, limit=50)
        found["queue"] = page
        queries.review_queue(db, after=page.next_after, limit=50)
        queries.review_item(db, page.rows[0]["item"])
        found["stats"] = queries.queue_stats(db)
        found["outcomes"] = queries.llm_outcomes(db)
        top = attempts_top(db)
        assert top is not None
        found["breakers"] = replay(db, top, None, ["small-model"]).states(2e9)
        queries.latest_flow(db)

    assert full_scans(conn, run) == []
    assert len(found["records"]) == BIG_FLOW_ACTIONS
    assert len(found["queue"].rows) == 50 and found["stats"]["open"] == 1_000
    assert found["outcomes"]["calls"] == 10_000
    (breaker,) = found["breakers"]
    assert breaker.model == "small-model" and breaker.state == "closed"


@pytest.mark.slow
@pytest.mark.parametrize("text", ["number 4711", "NUMBER 9999", 'say "hi" 100%', "ber 12"])
def test_the_text_filter_reads_its_trigram_index_and_finds_what_a_scan_finds(
    big: tuple[sqlite3.Connection, int], text: str, tmp_path: Path
) -> None:
    conn, _ = big
    index = TextIndex(tmp_path / "text")
    db = SqliteDb(conn)
    indexed = queries.list_flows(db, text=text, text_index=index)
    with sqlite3.connect(index.path) as own:
        plan = [row[3] for row in own.execute(f"EXPLAIN QUERY PLAN {SEARCH_SQL}", ('"x"', 9, 0, 9))]
    assert len(plan) == 1 and re.fullmatch(r"SCAN roots VIRTUAL TABLE INDEX \d+:M.*", plan[0])
    # The same flows as reading every root record finds.
    like = text.replace("%", "\\%")
    matching = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM actions WHERE id = flow AND input LIKE ? ESCAPE '\\' "
            "ORDER BY id DESC LIMIT 51",
            (f"%{like}%",),
        )
    ]
    assert [r.flow for r in indexed.rows] == matching[:50]
    assert indexed.next_before == (matching[49] if len(matching) > 50 else None)
    index.close()

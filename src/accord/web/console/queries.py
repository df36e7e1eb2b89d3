"""Read-only queries the console renders: flows, their records, the review queue, LLM calls.

Every function reads the durable log through :class:`accord.state.Db` with indexed statements
and keyset pagination, so a page costs the same on a log of a hundred flows or a million.
A filter that no index serves (free text, failed or done) scans at most ``scan`` root
records per page and says where it stopped, instead of reading the whole log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from accord.records import Record
from accord.state import Db, Row
from accord.web.console.textindex import TextIndex

__all__ = [
    "FLOW_STATUSES",
    "FlowPage",
    "FlowRow",
    "LlmAttempt",
    "QueuePage",
    "drift_baselines",
    "flow_records",
    "flow_roots",
    "latest_flow",
    "list_flows",
    "llm_attempts",
    "llm_calls_top",
    "llm_outcomes",
    "pending_decisions",
    "provenance_chain",
    "queue_stats",
    "record",
    "review_item",
    "review_queue",
]

FlowStatus = Literal["running", "waiting", "done", "failed", "stuck"]
FLOW_STATUSES: tuple[FlowStatus, ...] = ("running", "waiting", "done", "failed", "stuck")

_COLUMNS = (
    "id, flow, concept, action, input, output, sync, cause, attempt, invoked_at, completed_at"
)
_CHUNK = 200  # root records read per step while filling a filtered page
_WINDOW = 5000  # record ids a free-text step reads (no index serves a substring)
_TOP = 1 << 62


@dataclass(frozen=True, slots=True)
class FlowRow:
    """One flow in the list: its root and what its records add up to."""

    flow: int
    root: str
    root_input: dict[str, Any]
    started_at: float
    updated_at: float
    actions: int
    pending: int
    errors: int
    unhandled: int
    events: int
    open_reviews: int
    status: FlowStatus
    concepts: frozenset[str]


@dataclass(frozen=True, slots=True)
class FlowPage:
    """A page of flows, newest first; ``next_before`` continues the list (None at its end).

    ``scanned_to`` is set when a filter stopped at its scan budget before filling the page:
    the flows older than it were not looked at yet (follow ``next_before`` to go on)."""

    rows: list[FlowRow]
    next_before: int | None
    scanned_to: int | None = None


@dataclass(frozen=True, slots=True)
class QueuePage:
    """A page of open review items, oldest first; ``next_after`` continues it."""

    rows: list[dict[str, Any]]
    next_after: int | None


@dataclass(frozen=True, slots=True)
class LlmAttempt:
    """One attempt of an LLM call, as ``Extracting`` stored it."""

    record_id: int
    n: int
    model: str
    prompt_version: str
    mode: str
    outcome: str
    error_class: str | None
    message: str | None
    raw: str | None
    repairs: list[Any] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)
    reask: bool = False
    cached: bool = False
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    cost: float | None = None


def _record(row: Row) -> Record:
    return Record(
        id=row["id"],
        flow=row["flow"],
        concept=row["concept"],
        action=row["action"],
        input=json.loads(row["input"]),
        sync=row["sync"],
        cause=tuple(json.loads(row["cause"])),
        attempt=row["attempt"],
        invoked_at=row["invoked_at"],
        output=None if row["output"] is None else json.loads(row["output"]),
        completed_at=row["completed_at"],
    )


def _has_table(db: Db, name: str) -> bool:
    found = db.one("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found is not None


def _marks(n: int) -> str:
    return ",".join("?" * n)


def record(db: Db, record_id: int) -> Record | None:
    """One record by id."""
    row = db.one(f"SELECT {_COLUMNS} FROM actions WHERE id = ?", (record_id,))
    return None if row is None else _record(row)


def flow_records(db: Db, flow: int, *, limit: int = 2000) -> list[Record]:
    """A flow's records, oldest first (at most ``limit``; the step budget keeps flows small)."""
    rows = db.all(
        f"SELECT {_COLUMNS} FROM actions WHERE flow = ? ORDER BY id LIMIT ?", (flow, limit)
    )
    return [_record(r) for r in rows]


def latest_flow(db: Db) -> int:
    """The newest flow id (0 for an empty log); what live views watch."""
    row = db.one("SELECT MAX(flow) AS top FROM actions")
    return int(row["top"] or 0) if row else 0


def provenance_chain(db: Db, record_id: int) -> list[tuple[int, Record | None, int]]:
    """Why a record exists, like ``accord why``: (depth, record, id) from the record back to
    its root, each cause under the record it caused (``None`` for a missing id)."""
    out: list[tuple[int, Record | None, int]] = []
    stack: list[tuple[int, int]] = [(0, record_id)]
    seen: set[int] = set()
    while stack:
        depth, rid = stack.pop()
        found = record(db, rid)
        out.append((depth, found, rid))
        if found is None or rid in seen:
            continue
        seen.add(rid)
        stack.extend((depth + 1, cause) for cause in reversed(found.cause))
    return out


def _id_at_or_before(db: Db, when: float) -> int | None:
    """The newest record id invoked at or before ``when``: ids grow with time, so a binary
    search of point lookups finds it without an index on the timestamp."""
    low = db.one("SELECT MIN(id) AS id FROM actions")
    high = db.one("SELECT MAX(id) AS id FROM actions")
    if low is None or high is None or low["id"] is None:
        return None
    lo, hi = int(low["id"]), int(high["id"])
    first = db.one("SELECT invoked_at FROM actions WHERE id >= ? ORDER BY id LIMIT 1", (lo,))
    if first is None or first["invoked_at"] > when:
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        row = db.one("SELECT invoked_at FROM actions WHERE id >= ? ORDER BY id LIMIT 1", (mid,))
        if row is not None and row["invoked_at"] <= when:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def flow_roots(
    db: Db,
    *,
    before: int | None = None,
    after: int = 0,
    root: str | None = None,
    text: str | None = None,
    limit: int = _CHUNK,
) -> list[Row]:
    """Root records of flows (``id = flow``) with ``after < id < before``, newest first."""
    where = ["id = flow", "id < ?", "id > ?"]
    params: list[Any] = [_TOP if before is None else before, after]
    if root:
        concept, _, action = root.partition("/")
        where.append("concept = ? AND action = ?")
        params += [concept, action]
    if text:
        where.append("input LIKE ? ESCAPE '\\'")
        params.append(_like(text))
    return db.all(
        f"SELECT id, concept, action, input, invoked_at FROM actions WHERE {' AND '.join(where)} "
        "ORDER BY id DESC LIMIT ?",
        (*params, limit),
    )


def _open_reviews_of(db: Db, flows: Sequence[int]) -> dict[int, int]:
    """Open review items of just these flows: the page's, not the whole queue's."""
    if not flows or not _has_table(db, "review_items"):
        return {}
    rows = db.all(
        "SELECT flow, COUNT(*) AS n FROM review_items INDEXED BY review_open "
        f"WHERE status = 'open' AND flow IN ({_marks(len(flows))}) GROUP BY flow",
        list(flows),
    )
    return {r["flow"]: r["n"] for r in rows}


class _OpenReviews(dict[int, int]):
    """Open review counts, read per page of roots as ``_summaries`` asks for them."""

    def __init__(self, db: Db) -> None:
        super().__init__()
        self.db = db

    def load(self, flows: Sequence[int]) -> None:
        self.update(_open_reviews_of(self.db, [f for f in flows if f not in self]))


def _summaries(
    db: Db, roots: Sequence[Row], open_flows: dict[int, int], now: float, stuck_after: float
) -> list[FlowRow]:
    if not roots:
        return []
    ids = [r["id"] for r in roots]
    marks = _marks(len(ids))
    if isinstance(open_flows, _OpenReviews):
        open_flows.load(ids)
    agg = {
        r["flow"]: r
        for r in db.all(
            "SELECT flow, COUNT(*) AS n, SUM(output IS NULL) AS pending, "
            "SUM(output LIKE '{\"error\":%') AS errors, "
            "MAX(COALESCE(completed_at, invoked_at)) AS updated, "
            "MIN(CASE WHEN output IS NULL THEN invoked_at END) AS oldest_pending, "
            "SUM(concept = 'Requesting' AND action = 'respond') AS responses, "
            "GROUP_CONCAT(DISTINCT concept) AS concepts "
            f"FROM actions WHERE flow IN ({marks}) GROUP BY flow",
            ids,
        )
    }
    events = {
        r["flow"]: r["n"]
        for r in db.all(
            f"SELECT flow, COUNT(*) AS n FROM flow_events WHERE flow IN ({marks}) GROUP BY flow",
            ids,
        )
    }
    erring = [f for f, a in agg.items() if a["errors"]]
    unhandled: dict[int, int] = {}
    if erring:
        # An error completion some sync matched was routed (a fallback, a review): not a failure.
        rows = db.all(
            "SELECT x.flow AS flow, COUNT(*) AS n FROM actions x "
            f"WHERE x.flow IN ({_marks(len(erring))}) AND x.output LIKE '{{\"error\":%' "
            "AND NOT EXISTS (SELECT 1 FROM actions r, json_each(r.cause) c "
            "WHERE r.flow = x.flow AND c.value = x.id) GROUP BY x.flow",
            erring,
        )
        unhandled = {r["flow"]: r["n"] for r in rows}
    out: list[FlowRow] = []
    for root in roots:
        flow = root["id"]
        a = agg.get(flow)
        if a is None:
            continue
        name = f"{root['concept']}/{root['action']}"
        stuck = (a["oldest_pending"] is not None and now - a["oldest_pending"] > stuck_after) or (
            name == "Requesting/request"
            and not a["responses"]
            and now - root["invoked_at"] > stuck_after
        )
        status: FlowStatus
        if stuck:
            status = "stuck"
        elif a["pending"]:
            status = "running"
        elif open_flows.get(flow):
            status = "waiting"
        elif events.get(flow) or unhandled.get(flow):
            status = "failed"
        else:
            status = "done"
        out.append(
            FlowRow(
                flow=flow,
                root=name,
                root_input=json.loads(root["input"]),
                started_at=root["invoked_at"],
                updated_at=a["updated"],
                actions=a["n"],
                pending=a["pending"] or 0,
                errors=a["errors"] or 0,
                unhandled=unhandled.get(flow, 0),
                events=events.get(flow, 0),
                open_reviews=open_flows.get(flow, 0),
                status=status,
                concepts=frozenset((a["concepts"] or "").split(",")),
            )
        )
    return out


# Reviewing's own index on (status, deadline), named: with most items long decided the planner
# sometimes prefers a table scan for these, which grows with the queue's whole history.
def _open_review_flows(db: Db) -> dict[int, int]:
    if not _has_table(db, "review_items"):
        return {}
    rows = db.all(
        "SELECT flow, COUNT(*) AS n FROM review_items INDEXED BY review_open "
        "WHERE status = 'open' GROUP BY flow"
    )
    return {r["flow"]: r["n"] for r in rows}


def _indexed_candidates(
    db: Db, status: str, before: int | None, open_flows: dict[int, int]
) -> list[int]:
    """Flows that may have ``status``, from an index, newest first (a small set)."""
    top = before if before is not None else _TOP
    if status == "waiting":
        return sorted((f for f in open_flows if f < top), reverse=True)
    rows = db.all("SELECT DISTINCT flow FROM actions WHERE output IS NULL AND flow < ?", (top,))
    return sorted((r["flow"] for r in rows), reverse=True)


def list_flows(
    db: Db,
    *,
    status: str | None = None,
    root: str | None = None,
    concept: str | None = None,
    text: str | None = None,
    since: float | None = None,
    until: float | None = None,
    before: int | None = None,
    limit: int = 50,
    stuck_after: float = 300.0,
    scan: int = 5000,
    now: float | None = None,
    text_index: TextIndex | None = None,
) -> FlowPage:
    """Flows newest first, filtered; ``before`` is the keyset cursor (a flow id).

    ``status`` is one of :data:`FLOW_STATUSES`; ``root`` a ``Concept/action``; ``concept`` a
    concept with some action in the flow; ``text`` a substring of the root's inputs;
    ``since``/``until`` bound the root's start (unix seconds). A flow is *stuck* when an
    invocation has waited longer than ``stuck_after`` seconds for its completion, or an HTTP
    request flow has gone that long without a response. With ``text_index`` the free-text
    filter reads matching flows from it instead of scanning root records.
    """
    if status is not None and status not in FLOW_STATUSES:
        raise ValueError(f"unknown status {status!r}; use one of {', '.join(FLOW_STATUSES)}")
    if root is not None and root and "/" not in root:
        raise ValueError(f"root {root!r} must name an action as Concept/action")
    now = time.time() if now is None else now
    # Only the waiting filter needs every open item's flow; other lists ask per page of roots.
    open_flows = _open_review_flows(db) if status == "waiting" else _OpenReviews(db)
    if until is not None:
        edge = _id_at_or_before(db, until)
        if edge is None:
            return FlowPage([], None)
        before = edge + 1 if before is None else min(before, edge + 1)

    def keep(row: FlowRow) -> bool:
        return (status is None or row.status == status) and (not concept or concept in row.concepts)

    rows: list[FlowRow] = []
    if status in ("running", "stuck", "waiting"):
        for flow in _indexed_candidates(db, status, before, open_flows):
            found = db.all(
                "SELECT id, concept, action, input, invoked_at FROM actions WHERE id = ?", (flow,)
            )
            if not found or not _root_matches(found[0], root, text, since, until):
                continue
            rows += [r for r in _summaries(db, found, open_flows, now, stuck_after) if keep(r)]
            if len(rows) > limit:
                break
        page = rows[:limit]
        more = len(rows) > limit
        return FlowPage(page, page[-1].flow if more and page else None)
    # Ids grow with time, so a time range is an id range: found by binary search, not a scan.
    floor = 0
    if since is not None:
        edge = _id_at_or_before(db, since)
        floor = edge if edge is not None else 0
    if text and text_index is not None:
        indexed = _text_page(
            db, text_index, text, before, floor, limit, scan, keep, open_flows, now, stuck_after,
            (root, since, until),
        )  # fmt: skip
        if indexed is not None:
            return indexed
    cursor = before
    scanned = 0
    # With no filter that can drop a root, a page is the next limit + 1 roots: read just those.
    chunk = limit + 1 if status is None and not concept and not text else _CHUNK
    while len(rows) <= limit and scanned < scan:
        low = floor
        if text:
            top = cursor if cursor is not None else (latest_flow(db) + 1)
            low = max(floor, top - _WINDOW)
        roots = flow_roots(db, before=cursor, after=low, root=root, text=text, limit=chunk)
        scanned += scan // 10 if text else max(len(roots), 1)  # text: ten windows a page
        for summary in _summaries(db, roots, open_flows, now, stuck_after):
            if keep(summary):
                rows.append(summary)
                if len(rows) > limit:
                    break
        if len(rows) > limit:
            break
        if len(roots) == chunk:
            cursor = roots[-1]["id"]
        elif low > floor:  # a free-text window is done: the next one is older
            cursor = low + 1
        else:
            cursor = None
            break
    page = rows[:limit]
    if len(rows) > limit:
        return FlowPage(page, page[-1].flow)
    # The page is short: either the log ended (cursor None) or the scan budget ran out.
    return FlowPage(page, cursor, scanned_to=cursor)


def _text_page(
    db: Db,
    index: TextIndex,
    text: str,
    before: int | None,
    floor: int,
    limit: int,
    scan: int,
    keep: Callable[[FlowRow], bool],
    open_flows: dict[int, int],
    now: float,
    stuck_after: float,
    root_filter: tuple[str | None, float | None, float | None],
) -> FlowPage | None:
    """A page of the flows whose root inputs contain ``text``, from the text index (``None``
    when the index cannot answer): every candidate matches, so only other filters drop any."""
    root, since, until = root_filter
    rows: list[FlowRow] = []
    cursor = before
    examined = 0
    while examined < scan:
        ids = index.search(db, text, before=cursor, after=floor, limit=limit + 1)
        if ids is None:
            return None
        examined += len(ids)
        roots = db.all(
            "SELECT id, concept, action, input, invoked_at FROM actions "
            f"WHERE id IN ({_marks(len(ids))}) ORDER BY id DESC",
            ids,
        ) if ids else []  # fmt: skip
        roots = [r for r in roots if _root_matches(r, root, None, since, until)]
        for summary in _summaries(db, roots, open_flows, now, stuck_after):
            if keep(summary):
                rows.append(summary)
                if len(rows) > limit:
                    page = rows[:limit]
                    return FlowPage(page, page[-1].flow)
        if len(ids) <= limit:  # the index has no older match
            return FlowPage(rows, None)
        cursor = ids[-1]
    return FlowPage(rows[:limit], cursor, scanned_to=cursor)


def _root_matches(
    row: Row, root: str | None, text: str | None, since: float | None, until: float | None
) -> bool:
    if root and f"{row['concept']}/{row['action']}" != root:
        return False
    if text and text.lower() not in row["input"].lower():
        return False
    if until is not None and row["invoked_at"] > until:
        return False
    return since is None or row["invoked_at"] >= since


def llm_attempts(db: Db, record_ids: Iterable[int]) -> dict[int, list[LlmAttempt]]:
    """The stored attempts of the LLM calls among ``record_ids``, by record id."""
    ids = [str(i) for i in record_ids]
    if not ids or not _has_table(db, "llm_attempts"):
        return {}
    rows = db.all(
        "SELECT record_id, n, model, prompt_version, mode, outcome, error_class, message, raw, "
        "repairs_json, errors_json, reask, cached, input_tokens, output_tokens, latency_ms, "
        f"cost FROM llm_attempts WHERE record_id IN ({_marks(len(ids))}) ORDER BY record_id, n",
        ids,
    )
    out: dict[int, list[LlmAttempt]] = {}
    for r in rows:
        out.setdefault(int(r["record_id"]), []).append(
            LlmAttempt(
                record_id=int(r["record_id"]),
                n=r["n"],
                model=r["model"],
                prompt_version=r["prompt_version"],
                mode=r["mode"],
                outcome=r["outcome"],
                error_class=r["error_class"],
                message=r["message"],
                raw=r["raw"],
                repairs=json.loads(r["repairs_json"] or "[]"),
                errors=json.loads(r["errors_json"] or "[]"),
                reask=bool(r["reask"]),
                cached=bool(r["cached"]),
                input_tokens=r["input_tokens"],
                output_tokens=r["output_tokens"],
                latency_ms=r["latency_ms"],
                cost=r["cost"],
            )
        )
    return out


def _item(row: Row) -> dict[str, Any]:
    item = dict(row)
    for key in ("payload", "proposed", "value"):
        raw = item.get(key)
        item[key] = json.loads(raw) if raw is not None else None
    return item


def review_queue(db: Db, *, after: int | None = None, limit: int = 50) -> QueuePage:
    """Open review items oldest first; ``after`` is the keyset cursor (the item's rowid)."""
    if not _has_table(db, "review_items"):
        return QueuePage([], None)
    rows = db.all(
        "SELECT rowid AS pos, * FROM review_items INDEXED BY review_open "
        "WHERE status = 'open' AND rowid > ? "
        "ORDER BY rowid LIMIT ?",
        (after or 0, limit + 1),
    )
    page = [_item(r) for r in rows[:limit]]
    return QueuePage(page, page[-1]["pos"] if len(rows) > limit else None)


def review_item(db: Db, item: str) -> dict[str, Any] | None:
    """One review item (any status), its JSON columns decoded."""
    if not _has_table(db, "review_items"):
        return None
    row = db.one("SELECT rowid AS pos, * FROM review_items WHERE item = ?", (item,))
    return None if row is None else _item(row)


def pending_decisions(db: Db, item: str) -> list[dict[str, Any]]:
    """Decisions on ``item`` posted to the inbox that the app has not applied yet."""
    rows = db.all(
        "SELECT input, created_at FROM inbox WHERE concept = 'Reviewing' AND action = 'resolve'"
    )
    out = []
    for r in rows:
        inputs = json.loads(r["input"])
        if inputs.get("item") == item:
            out.append({**inputs, "posted_at": r["created_at"]})
    return out


def queue_stats(db: Db, now: float | None = None) -> dict[str, Any]:
    """Open review items: how many, the oldest's age, how many are past their deadline."""
    if not _has_table(db, "review_items"):
        return {"open": 0, "oldest_age": None, "overdue": 0}
    now = time.time() if now is None else now
    row = db.one(
        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest, "
        "SUM(deadline IS NOT NULL AND deadline < ?) AS overdue "
        "FROM review_items INDEXED BY review_open WHERE status = 'open'",
        (now,),
    )
    assert row is not None
    oldest = row["oldest"]
    return {
        "open": row["n"],
        "oldest_age": None if oldest is None else now - oldest,
        "overdue": row["overdue"] or 0,
    }


def llm_calls_top(db: Db) -> int | None:
    """The newest LLM call's rowid (``None`` without an ``llm_calls`` table): calls are never
    changed once written, so what is computed from the calls up to it can be kept."""
    if not _has_table(db, "llm_calls"):
        return None
    top = db.one("SELECT MAX(rowid) AS top FROM llm_calls")
    return int(top["top"] or 0) if top else 0


def llm_outcomes(
    db: Db, *, last: int = 10_000, buckets: int = 12, top: int | None = None
) -> dict[str, Any]:
    """The newest ``last`` LLM calls (up to rowid ``top``): counts by model and outcome, and the
    failure rate over ``buckets`` equal time slices, in one pass over a rowid range."""
    high = llm_calls_top(db) if top is None else top
    if high is None:
        return {"by_model": {}, "series": [], "calls": 0}
    floor = high - last
    # Calls are written as they finish, so the range's first and last rows bound its time.
    first = db.one(
        "SELECT created_at FROM llm_calls WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT 1",
        (floor, high),
    )
    final = db.one(
        "SELECT created_at FROM llm_calls WHERE rowid <= ? ORDER BY rowid DESC LIMIT 1", (high,)
    )
    if first is None or final is None:
        return {"by_model": {}, "series": [], "calls": 0}
    start, end = first["created_at"], max(final["created_at"], first["created_at"])
    width = max((end - start) / buckets, 1e-9)
    by_model: dict[str, dict[str, int]] = {}
    slots: dict[int, list[int]] = {}
    calls = 0
    for r in db.all(
        "SELECT model, outcome, MAX(MIN(CAST((created_at - ?) / ? AS INTEGER), ?), 0) AS slot, "
        "COUNT(*) AS n FROM llm_calls WHERE rowid > ? AND rowid <= ? "
        "GROUP BY model, outcome, slot",
        (start, width, buckets - 1, floor, high),
    ):
        counts = by_model.setdefault(r["model"], {})
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + r["n"]
        slot = slots.setdefault(r["slot"], [0, 0])
        slot[0] += r["n"]
        if r["outcome"] != "ok":
            slot[1] += r["n"]
        calls += r["n"]
    series = [(start + i * width, *slots.get(i, (0, 0))) for i in range(buckets)] if calls else []
    return {"by_model": by_model, "series": series, "calls": calls}


def drift_baselines(db: Db, limit: int = 50) -> list[Row]:
    """Stored drift baselines (name, task, created_at), newest first."""
    if not _has_table(db, "drift_baselines"):
        return []
    return db.all(
        "SELECT name, task, created_at FROM drift_baselines ORDER BY created_at DESC LIMIT ?",
        (limit,),
    )

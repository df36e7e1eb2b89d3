"""Log retention: compact the bulky bodies of old, finished flows in an embedded database.

Every action's input and output is kept in the log (table ``actions``), HTTP bodies and LLM
answers included, so the log grows with traffic. `compact_log` bounds that growth: for flows
that are finished (every invocation completed, no open review item, nothing waiting in the
inbox) and older than an age, it replaces each input or output larger than a threshold by a
compact copy of the same shape: every key kept, long strings cut to a prefix, long lists and
objects to their first items, each cut with a ``…[compacted: ...]`` marker naming what was
dropped. What provenance, review, drift and recovery read is kept whole: the ids, flow,
concept, action, sync, cause and timestamps (columns it never touches), an error's ``kind`` and
its message's start, the LLM attempts' metadata (model, tokens, latency, repairs, outcome) and
the ``llm_calls`` table that drift detection reads. Each compacted record gets a row in
``log_compactions`` (its sizes before and after); LLM raw answers in ``llm_attempts`` are cut
the same way. The file is then vacuumed so that the space goes back to the file system.

The bodies dropped are gone: a flow compacted and later continued (a new stimulus posted to it)
has its syncs match the compacted copies. Pick an age past which flows are never continued.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_THRESHOLD",
    "CompactionReport",
    "LogFileError",
    "compact_log",
    "compact_value",
    "parse_age",
]

DEFAULT_THRESHOLD = 4096
"""Bodies (an input or an output as stored JSON) larger than this many bytes are compacted."""

COMPACTIONS_SQL = """CREATE TABLE IF NOT EXISTS log_compactions (
    record_id INTEGER PRIMARY KEY,
    flow INTEGER NOT NULL,
    compacted_at REAL NOT NULL,
    input_bytes INTEGER NOT NULL,
    input_kept INTEGER NOT NULL,
    output_bytes INTEGER,
    output_kept INTEGER
)"""

# Each pass keeps less: (characters of a string, items of a list, keys of an object).
_PASSES = ((256, 20, 50), (64, 5, 20))
_RAW_KEPT = 256
_FLOWS_PER_TRANSACTION = 200
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_AGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.IGNORECASE)


class LogFileError(ValueError):
    """The path is not an accord database (missing, not SQLite, or without an action log)."""


@dataclass(frozen=True, slots=True)
class CompactionReport:
    """What `compact_log` did (or, with ``dry_run``, would do)."""

    flows: int
    """Finished flows older than the age that had something to compact."""
    records: int
    """Records whose input or output was compacted."""
    attempts: int
    """LLM attempts whose raw answer was cut (``llm_attempts``)."""
    bytes_before: int
    """Size of the compacted bodies and raw answers before."""
    bytes_after: int
    """Their size after."""
    skipped_unfinished: int
    """Flows older than the age left alone: an invocation without a completion, or a stimulus
    waiting in the inbox."""
    skipped_in_review: int
    """Flows older than the age left alone because a review item of theirs is open."""
    file_bytes_before: int
    """Database file plus its write-ahead log, before."""
    file_bytes_after: int
    """The same after (and after the vacuum, if it ran)."""
    vacuumed: bool
    vacuum_error: str | None
    dry_run: bool

    def summary(self) -> str:
        """A few lines for people."""
        verb = "would compact" if self.dry_run else "compacted"
        lines = [
            f"{verb} {_count(self.records, 'record')} and {_count(self.attempts, 'LLM answer')} "
            f"in {_count(self.flows, 'finished flow')}: {self.bytes_before:,} -> "
            f"{self.bytes_after:,} bytes",
            f"left alone: {_count(self.skipped_unfinished, 'unfinished flow')}, "
            f"{_count(self.skipped_in_review, 'flow')} with an open review item",
        ]
        if not self.dry_run:
            size = f"file: {self.file_bytes_before:,} -> {self.file_bytes_after:,} bytes"
            if self.vacuum_error is not None:
                size += f" (not vacuumed: {self.vacuum_error}; new writes reuse the space)"
            elif not self.vacuumed:
                size += " (not vacuumed; new writes reuse the space)"
            lines.append(size)
        return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` as a timedelta; raises ``ValueError``."""
    match = _AGE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"invalid age {text!r}: write a number and a unit, e.g. 30d, 12h, 90m, 45s or 2w"
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])


def compact_log(
    db: str | Path,
    *,
    older_than: timedelta | float,
    threshold: int = DEFAULT_THRESHOLD,
    dry_run: bool = False,
    vacuum: bool = True,
    now: float | None = None,
) -> CompactionReport:
    """Compact the bulky bodies of finished flows last active before ``older_than`` ago.

    ``older_than`` is a timedelta or seconds; ``threshold`` the size in bytes past which an
    input, an output or a raw LLM answer is compacted. Safe while the app runs: it writes in
    short transactions that take the write lock the engine also takes, and re-checks in each
    that the flows are still finished. ``vacuum`` rewrites the file afterwards to give the
    space back (it waits for the engine's writes like any writer). Raises `LogFileError` for a
    path that is not an accord database.
    """
    age = older_than.total_seconds() if isinstance(older_than, timedelta) else older_than
    if age < 0:
        raise ValueError(f"older_than must not be negative, got {age:g} seconds")
    if threshold < 1:
        raise ValueError(f"threshold must be a positive number of bytes, got {threshold}")
    cutoff = (time.time() if now is None else now) - age
    path = Path(db)
    size_before = _file_bytes(path)
    with _connect(path, write=not dry_run) as conn:
        if not dry_run:
            conn.execute(COMPACTIONS_SQL)
        done = _Tally()
        old = _old_flows(conn, cutoff)
        for start in range(0, len(old), _FLOWS_PER_TRANSACTION):
            batch = old[start : start + _FLOWS_PER_TRANSACTION]
            conn.execute("BEGIN" if dry_run else "BEGIN IMMEDIATE")
            try:
                _compact_flows(conn, batch, cutoff, threshold, dry_run, done)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("ROLLBACK" if dry_run else "COMMIT")
        vacuumed, vacuum_error = False, None
        if vacuum and not dry_run and (done.records or done.attempts):
            try:
                conn.execute("VACUUM")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                vacuumed = True
            except sqlite3.OperationalError as exc:
                vacuum_error = str(exc)
    return CompactionReport(
        flows=len(done.flows),
        records=done.records,
        attempts=done.attempts,
        bytes_before=done.before,
        bytes_after=done.after,
        skipped_unfinished=done.unfinished,
        skipped_in_review=done.in_review,
        file_bytes_before=size_before,
        file_bytes_after=_file_bytes(path),
        vacuumed=vacuumed,
        vacuum_error=vacuum_error,
        dry_run=dry_run,
    )


def compact_value(value: Any, limit: int = DEFAULT_THRESHOLD) -> Any:
    """A copy of a JSON value that serializes within about ``limit`` bytes, of the same shape
    as far as possible: the top-level keys always, an error's ``kind`` always."""
    for strings, items, keys in _PASSES:
        small = _shrink(value, strings, items, keys)
        if len(_dumps(small).encode()) <= limit:
            return small
    if not isinstance(value, dict):
        return _dropped(value)
    return {key: _skeleton(key, item) for key, item in value.items()}


@dataclass
class _Tally:
    flows: set[int] = field(default_factory=set)
    records: int = 0
    attempts: int = 0
    before: int = 0
    after: int = 0
    unfinished: int = 0
    in_review: int = 0


@contextmanager
def _connect(path: Path, *, write: bool) -> Iterator[sqlite3.Connection]:
    if not path.exists():
        raise LogFileError(f"no database at {path}; pass the app's file with --db PATH")
    if not path.is_file():
        raise LogFileError(f"{path} is not a file; pass the app's SQLite database with --db")
    uri = f"{path.resolve().as_uri()}?mode={'rw' if write else 'ro'}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        try:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'actions'"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise LogFileError(f"{path} is not an SQLite database ({exc})") from None
        if found is None:
            raise LogFileError(
                f"{path} has no action log (no actions table): pass the app's "
                "database, the file its engine or `accord serve --db` uses"
            )
        yield conn
    finally:
        conn.close()


def _file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.is_file())


def _old_flows(conn: sqlite3.Connection, cutoff: float) -> list[int]:
    """Flows whose last activity is before ``cutoff``, oldest first (re-checked per batch)."""
    rows = conn.execute(
        "SELECT flow FROM actions GROUP BY flow "
        "HAVING MAX(COALESCE(completed_at, invoked_at)) < ? ORDER BY flow",
        (cutoff,),
    )
    return [flow for (flow,) in rows]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _compact_flows(
    conn: sqlite3.Connection,
    flows: Sequence[int],
    cutoff: float,
    threshold: int,
    dry_run: bool,
    done: _Tally,
) -> None:
    marks = ",".join("?" * len(flows))
    # Checked inside the write transaction: the engine cannot add to a flow meanwhile.
    rows = conn.execute(
        f"SELECT flow, SUM(output IS NULL), MAX(COALESCE(completed_at, invoked_at)) "
        f"FROM actions WHERE flow IN ({marks}) GROUP BY flow",
        flows,
    ).fetchall()
    waiting = _flows_in(conn, "inbox", "1", marks, flows)
    reviewed = _flows_in(conn, "review_items", "status = 'open'", marks, flows)
    finished: list[int] = []
    for flow, pending, last in rows:
        if last >= cutoff:
            continue  # active again since it was listed
        if pending or flow in waiting:
            done.unfinished += 1
        elif flow in reviewed:
            done.in_review += 1
        else:
            finished.append(flow)
    if not finished:
        return
    _compact_records(conn, finished, threshold, dry_run, done)
    _compact_attempts(conn, finished, threshold, dry_run, done)


def _flows_in(
    conn: sqlite3.Connection, table: str, condition: str, marks: str, flows: Sequence[int]
) -> set[int]:
    """The flows among ``flows`` with a row of ``table`` (if it exists) meeting ``condition``."""
    if not _has_table(conn, table):
        return set()
    sql = f"SELECT DISTINCT flow FROM {table} WHERE {condition} AND flow IN ({marks})"
    return {flow for (flow,) in conn.execute(sql, flows)}


def _compact_records(
    conn: sqlite3.Connection, flows: list[int], threshold: int, dry_run: bool, done: _Tally
) -> None:
    marks = ",".join("?" * len(flows))
    again = (
        "AND id NOT IN (SELECT record_id FROM log_compactions)"
        if _has_table(conn, "log_compactions")
        else ""
    )
    bulky = conn.execute(
        f"SELECT id, flow FROM actions WHERE flow IN ({marks}) AND (length(CAST(input AS BLOB)) "
        f"> ? OR length(CAST(output AS BLOB)) > ?) {again} ORDER BY id",
        (*flows, threshold, threshold),
    ).fetchall()
    now = time.time()
    for record_id, flow in bulky:  # one row in memory at a time: a body may be huge
        input_text, output_text = conn.execute(
            "SELECT input, output FROM actions WHERE id = ?", (record_id,)
        ).fetchone()
        new_input, in_before, in_after = _compact_text(input_text, threshold)
        new_output, out_before, out_after = (
            _compact_text(output_text, threshold) if output_text is not None else (None, 0, 0)
        )
        done.flows.add(flow)
        done.records += 1
        done.before += in_before + out_before
        done.after += in_after + out_after
        if dry_run:
            continue
        conn.execute(
            "UPDATE actions SET input = ?, output = ? WHERE id = ?",
            (new_input, new_output, record_id),
        )
        conn.execute(
            "INSERT OR REPLACE INTO log_compactions VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                record_id,
                flow,
                now,
                in_before,
                in_after,
                out_before if output_text is not None else None,
                out_after if output_text is not None else None,
            ),
        )


def _compact_text(text: str, threshold: int) -> tuple[str, int, int]:
    """The stored JSON ``text`` compacted if larger than ``threshold``: (text, bytes before,
    bytes after)."""
    size = len(text.encode())
    if size <= threshold:
        return text, size, size
    compacted = _dumps(compact_value(json.loads(text), threshold))
    return compacted, size, len(compacted.encode())


def _compact_attempts(
    conn: sqlite3.Connection, flows: list[int], threshold: int, dry_run: bool, done: _Tally
) -> None:
    if not _has_table(conn, "llm_attempts"):
        return
    marks = ",".join("?" * len(flows))
    rows = conn.execute(
        f"SELECT record_id, n, flow FROM llm_attempts WHERE flow IN ({marks}) "
        "AND length(CAST(raw AS BLOB)) > ?",
        (*(str(f) for f in flows), threshold),
    ).fetchall()
    for record_id, n, flow in rows:
        (raw,) = conn.execute(
            "SELECT raw FROM llm_attempts WHERE record_id = ? AND n = ?", (record_id, n)
        ).fetchone()
        cut = _cut(raw, _RAW_KEPT)
        done.flows.add(int(flow))
        done.attempts += 1
        done.before += len(raw.encode())
        done.after += len(cut.encode())
        if not dry_run:
            conn.execute(
                "UPDATE llm_attempts SET raw = ? WHERE record_id = ? AND n = ?",
                (cut, record_id, n),
            )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _cut(text: str, keep: int) -> str:
    return f"{text[:keep]}…[compacted: {len(text):,} chars, kept the first {keep:,}]"


def _shrink(value: Any, strings: int, items: int, keys: int) -> Any:
    if isinstance(value, str):
        return _cut(value, strings) if len(value) > strings else value
    if isinstance(value, list):
        kept = [_shrink(v, strings, items, keys) for v in value[:items]]
        if len(value) > items:
            kept.append(f"…[compacted: {len(value) - items:,} more items of {len(value):,}]")
        return kept
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for i, (key, item) in enumerate(value.items()):
            if i == keys:
                out["…"] = f"[compacted: {len(value) - keys:,} more keys of {len(value):,}]"
                break
            out[key] = _shrink(item, strings, items, keys)
        return out
    return value


def _skeleton(key: str, value: Any) -> Any:
    """The last resort for one top-level entry: an error keeps its kind and message's start."""
    if key == "error" and isinstance(value, dict):
        kept = {k: _shrink(value[k], 256, 0, 0) for k in ("kind", "message") if k in value}
        dropped = {k: v for k, v in value.items() if k not in kept}
        return {**kept, **({"details": _dropped(dropped)} if dropped else {})}
    return _dropped(value)


def _dropped(value: Any) -> str:
    return f"…[compacted: {len(_dumps(value).encode()):,} bytes of JSON]"

"""Read one task's observations from the ``llm_calls`` table, column by column.

Every column is aggregated inside SQLite with ``group_concat`` (one scan, JSON fields read
with ``json_extract``), so Python never builds a tuple per row; NumPy parses the joined
numbers in C. The scan is split by rowid range over a few threads: sqlite3 releases the GIL
while it steps, so the ranges run in parallel.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from accord.drift._model import Categorical, Observations

Transform = Literal["text", "bool", "number", "date", "length"]

#: Rates over all calls: name -> SQL condition on one row.
RATE_SQL: dict[str, str] = {
    "schema_failure_rate": "outcome = 'invalid_output'",
    "refusal_rate": "outcome = 'refused'",
    "error_rate": "outcome <> 'ok'",
    "repair_rate": "repaired <> 0",
    "reask_rate": "reasked <> 0",
    "fallback_rate": "fell_back <> 0",
    "review_rate": "reviewed <> 0",
}
SYSTEM_NUMERIC = ("latency_ms", "input_tokens", "output_tokens", "cost", "output_chars", "attempts")
SYSTEM_CATEGORICAL = ("outcome", "model")

#: Distinct string values at most this many (and repeating) -> categorical.
MAX_CATEGORIES = 20
DISCOVERY_ROWS = 5_000
_SEP = "\x1e"


@dataclass(frozen=True)
class OutputField:
    """A top-level key of ``output_json`` and how it is read."""

    key: str
    transform: Transform

    @property
    def kind(self) -> Literal["categorical", "numeric"]:
        return "categorical" if self.transform in ("text", "bool") else "numeric"

    @property
    def name(self) -> str:
        return f"output.{self.key}.length" if self.transform == "length" else f"output.{self.key}"


@dataclass(frozen=True)
class Window:
    """Which rows of ``llm_calls`` to read: one task, optional time range, optional last N."""

    task: str
    since: float | None = None
    until: float | None = None
    last: int | None = None

    def describe(self) -> str:
        parts = [f"task={self.task}"]
        if self.since is not None:
            parts.append(f"since={datetime.fromtimestamp(self.since).isoformat(' ', 'seconds')}")
        if self.until is not None:
            parts.append(f"until={datetime.fromtimestamp(self.until).isoformat(' ', 'seconds')}")
        if self.last is not None:
            parts.append(f"last {self.last} calls")
        return ", ".join(parts)


@contextmanager
def connect(db_path: str | Path, *, write: bool = False) -> Iterator[sqlite3.Connection]:
    """Open ``db_path``; fail clearly when the file or the ``llm_calls`` table is missing."""
    path = Path(db_path)
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}: pass the SQLite file of the action log")
    uri = f"{path.resolve().as_uri()}?mode={'rw' if write else 'ro'}"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        has = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='llm_calls'"
        ).fetchone()
        if has is None:
            raise LookupError(
                f"{path} has no llm_calls table: it is written by accord's LLM layer; "
                "run some LLM actions against this database first"
            )
        yield conn
    finally:
        conn.close()


def _time_where(w: Window) -> tuple[str, dict[str, Any]]:
    clauses = ["task = :task"]
    params: dict[str, Any] = {"task": w.task}
    if w.since is not None:
        clauses.append("created_at >= :since")
        params["since"] = w.since
    if w.until is not None:
        clauses.append("created_at < :until")
        params["until"] = w.until
    return " AND ".join(clauses), params


def window_where(conn: sqlite3.Connection, w: Window) -> tuple[str, dict[str, Any]]:
    """SQL condition (and parameters) selecting exactly the rows of ``w``."""
    where, params = _time_where(w)
    if w.last is not None:
        if w.last < 1:
            raise ValueError(f"last must be a positive number of calls, got {w.last}")
        edge = conn.execute(
            f"SELECT created_at, rowid FROM llm_calls WHERE {where} "
            "ORDER BY created_at DESC, rowid DESC LIMIT 1 OFFSET :off",
            {**params, "off": w.last - 1},
        ).fetchone()
        if edge is not None:
            where += " AND (created_at > :edge_t OR (created_at = :edge_t AND rowid >= :edge_r))"
            params.update(edge_t=edge[0], edge_r=edge[1])
    return where, params


def resolve_task(conn: sqlite3.Connection, task: str | None, w: Window) -> str:
    """The task to profile: ``task`` if given, else the only task in the time range."""
    if task is not None:
        return task
    where, params = _time_where(w)
    where = where.replace("task = :task AND ", "").replace("task = :task", "1")
    tasks = [r[0] for r in conn.execute(
        f"SELECT DISTINCT task FROM llm_calls WHERE {where} LIMIT 11", params
    )]
    if len(tasks) == 1:
        return str(tasks[0])
    if not tasks:
        raise LookupError("no LLM calls in the requested time range: widen --since/--until")
    shown = ", ".join(sorted(tasks)[:10])
    raise ValueError(f"several LLM tasks in range ({shown}); choose one with --task")


def discover_output_fields(
    conn: sqlite3.Connection, where: str, params: dict[str, Any]
) -> tuple[list[OutputField], dict[str, str]]:
    """Classify the top-level keys of ``output_json`` on an evenly spread sample of rows."""
    total = conn.execute(
        f"SELECT count(*) FROM llm_calls WHERE {where} AND output_json IS NOT NULL", params
    ).fetchone()[0]
    step = max(1, total // DISCOVERY_ROWS)
    values: dict[str, list[Any]] = {}
    for (text,) in conn.execute(
        f"SELECT output_json FROM llm_calls WHERE {where} AND output_json IS NOT NULL "
        "AND rowid % :step = 0 LIMIT :lim",
        {**params, "step": step, "lim": DISCOVERY_ROWS},
    ):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            for k, v in obj.items():
                values.setdefault(k, []).append(v)
    fields: list[OutputField] = []
    skipped: dict[str, str] = {}
    for key in sorted(values):
        transform, reason = _classify(key, [v for v in values[key] if v is not None])
        if transform is None:
            skipped[f"output.{key}"] = reason
        else:
            fields.append(OutputField(key, transform))
    return fields, skipped


def _classify(key: str, vals: list[Any]) -> tuple[Transform | None, str]:
    if any(c in key for c in '"\\') or any(ord(c) < 32 for c in key):
        return None, "key contains quotes, backslashes or control characters"
    if not vals:
        return None, "always null"
    if all(isinstance(v, bool) for v in vals):
        return "bool", ""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
        return "number", ""
    if all(isinstance(v, str) for v in vals):
        distinct = len(set(vals))
        if distinct <= MAX_CATEGORIES and distinct < len(vals) / 2:
            return "text", ""
        if all(_is_date(v) for v in vals):
            return "date", ""
        return "length", ""
    return None, "objects, arrays or mixed types are not profiled"


def _is_date(v: str) -> bool:
    try:
        (datetime if "T" in v or " " in v else date).fromisoformat(v)
    except ValueError:
        return False
    return True


def _expr(f: OutputField, p: str) -> str:
    # One json_extract per field and no json_type: json_extract shares SQLite's parse cache,
    # json_type (in 3.40) re-parses. A value of an unexpected type is dropped when parsed
    # (numbers) or shows up as a category of its own (text, bool), which is drift anyway.
    value = f"json_extract(output_json, :{p})"
    if f.transform == "date":
        return f"unixepoch({value})"
    if f.transform == "length":
        return f"length({value})"
    return value


def _path(key: str) -> str:
    return f'$."{key}"'


def read_observations(
    conn_path: str | Path,
    where: str,
    params: dict[str, Any],
    fields: list[OutputField],
    *,
    workers: int | None = None,
) -> Observations:
    """Read the rows matching ``where`` into :class:`Observations` (one scan per worker)."""
    cats: list[tuple[str, str]] = [(c, c) for c in SYSTEM_CATEGORICAL]
    nums: list[tuple[str, str]] = [(c, c) for c in SYSTEM_NUMERIC]
    qparams = dict(params)
    for i, f in enumerate(fields):
        qparams[f"p{i}"] = _path(f.key)
        (cats if f.kind == "categorical" else nums).append((f.name, _expr(f, f"p{i}")))
    select = ["count(*)"]
    select += [f"group_concat(CASE WHEN {c} THEN 1 ELSE 0 END, '')" for c in RATE_SQL.values()]
    select += [f"group_concat({e}, ',')" for _, e in nums]
    select += [f"group_concat({e}, char(30))" for _, e in cats]
    sql = f"SELECT {', '.join(select)} FROM llm_calls WHERE {where} AND rowid BETWEEN :lo AND :hi"

    with connect(conn_path) as conn:
        lo, hi = conn.execute("SELECT min(rowid), max(rowid) FROM llm_calls").fetchone()
    if lo is None:
        parts: list[tuple[Any, ...]] = []
    else:
        k = max(1, min(workers or min(4, os.cpu_count() or 1), hi - lo + 1))
        edges = np.linspace(lo, hi + 1, k + 1).astype(np.int64)
        ranges = [(int(a), int(b) - 1) for a, b in itertools.pairwise(edges)]

        def scan(r: tuple[int, int]) -> tuple[Any, ...]:
            with connect(conn_path) as c:
                bounds = {**qparams, "lo": r[0], "hi": r[1]}
                row: tuple[Any, ...] = c.execute(sql, bounds).fetchone()
                return row

        with ThreadPoolExecutor(max_workers=k) as pool:
            parts = list(pool.map(scan, ranges))

    n = sum(int(p[0]) for p in parts)
    col = 1
    flags: dict[str, NDArray[np.bool_]] = {}
    for name in RATE_SQL:
        flags[name] = np.concatenate(
            [_parse_flags(p[col]) for p in parts] or [np.empty(0, dtype=bool)]
        )
        col += 1
    numeric: dict[str, NDArray[np.float64]] = {}
    for name, _ in nums:
        numeric[name] = np.concatenate(
            [_parse_numbers(p[col]) for p in parts] or [np.empty(0)]
        )
        col += 1
    bools = {f.name for f in fields if f.transform == "bool"}
    categorical: dict[str, Categorical] = {}
    for name, _ in cats:
        chunks: list[Categorical] = []
        for p in parts:
            # A value containing 0x1e would split into extra categories (visible in the
            # report); counting values in SQL to rule that out costs a second JSON lookup.
            joined = p[col]
            chunks.append(Categorical.from_values(joined.split(_SEP) if joined else []))
        merged = _concat(chunks)
        # json_extract turns JSON true/false into 1/0.
        categorical[name] = merged.relabel(_BOOL_LABELS) if name in bools else merged
        col += 1
    return Observations.from_columns(n, flags=flags, categorical=categorical, numeric=numeric)


_BOOL_LABELS = {"1": "true", "0": "false"}


def _concat(chunks: list[Categorical]) -> Categorical:
    labels: dict[str, int] = {}
    codes: list[NDArray[np.int32]] = []
    for c in chunks:
        remap = np.array([labels.setdefault(v, len(labels)) for v in c.categories], np.int32)
        codes.append(remap[c.codes] if c.categories else c.codes)
    return Categorical(
        np.concatenate(codes) if codes else np.empty(0, np.int32), tuple(labels)
    )


def _parse_flags(joined: str | None) -> NDArray[np.bool_]:
    out: NDArray[np.bool_] = np.frombuffer((joined or "").encode("ascii"), np.uint8) == ord("1")
    return out


def _parse_numbers(joined: str | None) -> NDArray[np.float64]:
    if not joined:
        return np.empty(0)
    arr = np.fromstring(joined, dtype=np.float64, sep=",")
    expected = joined.count(",") + 1
    if arr.size != expected:
        # Non-numeric text slipped in (e.g. a string stored in a REAL column): parse slowly.
        arr = np.array([_to_float(x) for x in joined.split(",")], dtype=np.float64)
    return arr[np.isfinite(arr)]


def _to_float(x: str) -> float:
    try:
        return float(x)
    except ValueError:
        return math.nan

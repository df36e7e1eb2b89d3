"""Read one task's observations from the ``llm_calls`` table, column by column.

Every column is aggregated inside SQLite with ``group_concat`` (one scan, JSON fields read
with ``json_extract``), so Python never builds a tuple per row; NumPy parses the joined
numbers in C. The scan is split by rowid range over a few threads: sqlite3 releases the GIL
while it steps, so the ranges run in parallel.
"""

from __future__ import annotations

import importlib
import itertools
import json
import math
import os
import re
import sqlite3
import warnings
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

# pysqlite3 (the `drift-fast` extra) bundles a newer SQLite with much faster JSON functions;
# its connections are API-compatible with the standard library's.
try:
    _DBAPI: Any = importlib.import_module("pysqlite3.dbapi2")
except ImportError:
    _DBAPI = sqlite3

#: Version of the SQLite library the drift layer reads with.
SQLITE_VERSION: str = str(_DBAPI.sqlite_version)

Transform = Literal["text", "bool", "number", "date", "length"]

#: Rates over all calls. Those on ``outcome`` come from its column; the 0/1 columns travel
#: packed as one character per row (bit i = column i), to scan and parse once.
OUTCOME_RATES: dict[str, str] = {
    "schema_failure_rate": "invalid_output",
    "refusal_rate": "refused",
    "error_rate": "!ok",
}
BIT_RATES: dict[str, str] = {
    "repair_rate": "repaired",
    "reask_rate": "reasked",
    "fallback_rate": "fell_back",
    "review_rate": "reviewed",
}
RATE_NAMES = (*OUTCOME_RATES, *BIT_RATES)
_PACKED = (
    "char(48 + "
    + " + ".join(f"{1 << i} * ({col} <> 0)" for i, col in enumerate(BIT_RATES.values()))
    + ")"
)
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
    conn: sqlite3.Connection = _DBAPI.connect(uri, uri=True, check_same_thread=False)
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


def _time_where(w: Window, *, with_task: bool = True) -> tuple[str, dict[str, Any]]:
    clauses = ["task = :task"] if with_task else ["1"]
    params: dict[str, Any] = {"task": w.task} if with_task else {}
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
    where, params = _time_where(w, with_task=False)
    tasks = [
        r[0]
        for r in conn.execute(f"SELECT DISTINCT task FROM llm_calls WHERE {where} LIMIT 11", params)
    ]
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


def _expr(f: OutputField) -> str:
    # One json_extract per field and no json_type: json_extract shares SQLite's parse cache,
    # json_type (in 3.40) re-parses. A value of an unexpected type is dropped when parsed
    # (numbers) or shows up as a category of its own (text, bool), which is drift anyway.
    value = f"json_extract(output_json, {_path_literal(f.key)})"
    if f.transform == "date":
        return f"unixepoch({value})"
    if f.transform == "length":
        return f"length({value})"
    return value


_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _path_literal(key: str) -> str:
    """The JSON path of ``key`` as an SQL string literal.

    A literal rather than a bound parameter, and unquoted when the key allows it: SQLite
    resolves such paths measurably faster (about 20% of the JSON cost here).
    """
    if any(c in key for c in '"\\') or any(ord(c) < 32 for c in key):
        raise ValueError(f"output key {key!r} contains quotes, backslashes or control characters")
    path = f"$.{key}" if _SIMPLE_KEY.match(key) else f'$."{key}"'
    return "'" + path.replace("'", "''") + "'"


def read_observations(
    conn_path: str | Path,
    where: str,
    params: dict[str, Any],
    fields: list[OutputField],
    *,
    max_numeric: int | None = None,
    workers: int | None = None,
) -> Observations:
    """Read the rows matching ``where`` into :class:`Observations` (one scan per worker).

    With ``max_numeric``, numeric fields of a larger set of rows are read from an evenly
    spaced (every k-th rowid) sample of about that many rows; rates and categorical fields
    always use every row.
    """
    cats: list[tuple[str, str]] = [(c, c) for c in SYSTEM_CATEGORICAL]
    nums: list[tuple[str, str]] = [(c, c) for c in SYSTEM_NUMERIC]
    qparams = dict(params)
    for f in fields:
        (cats if f.kind == "categorical" else nums).append((f.name, _expr(f)))
    select = ["count(*)"]
    select += [f"group_concat({_PACKED}, '')"]
    stride = _stride(conn_path, where, params, max_numeric)
    if stride > 1:
        nums = [(name, f"CASE WHEN rowid % {stride} = 0 THEN {e} END") for name, e in nums]
    select += [f"group_concat({e}, ',')" for _, e in nums]
    select += [f"group_concat({e}, char(30))" for _, e in cats]
    sql = f"SELECT {', '.join(select)} FROM llm_calls WHERE {where} AND rowid BETWEEN :lo AND :hi"

    with connect(conn_path) as conn:
        lo, hi = conn.execute("SELECT min(rowid), max(rowid) FROM llm_calls").fetchone()
    parts: list[_Part] = []
    if lo is not None:
        k = max(1, workers or min(4, os.cpu_count() or 1))
        # More ranges than threads, so one thread parses (holding the GIL) while the other
        # is inside SQLite (not holding it).
        chunks = max(1, min(4 * k, hi - lo + 1))
        edges = np.linspace(lo, hi + 1, chunks + 1).astype(np.int64)
        ranges = [(int(a), int(b) - 1) for a, b in itertools.pairwise(edges)]

        def scan(r: tuple[int, int]) -> _Part:
            with connect(conn_path) as c:
                row = c.execute(sql, {**qparams, "lo": r[0], "hi": r[1]}).fetchone()
            # Parsed here, so one range is parsed while SQLite scans the other.
            return _parse_part(row, len(nums))

        with ThreadPoolExecutor(max_workers=k) as pool:
            parts = list(pool.map(scan, ranges))

    n = sum(p.n for p in parts)
    flags = {
        name: np.concatenate([p.flags[i] for p in parts] or [np.empty(0, dtype=bool)])
        for i, name in enumerate(RATE_NAMES)
    }
    numeric = {
        name: np.concatenate([p.numbers[i] for p in parts] or [np.empty(0)])
        for i, (name, _) in enumerate(nums)
    }
    bools = {f.name for f in fields if f.transform == "bool"}
    categorical: dict[str, Categorical] = {}
    for i, (name, _) in enumerate(cats):
        merged = _concat([p.categories[i] for p in parts])
        # json_extract turns JSON true/false into 1/0.
        categorical[name] = merged.relabel(_BOOL_LABELS) if name in bools else merged
    return Observations.from_columns(n, flags=flags, categorical=categorical, numeric=numeric)


_BOOL_LABELS = {"1": "true", "0": "false"}


def _stride(
    conn_path: str | Path, where: str, params: dict[str, Any], max_numeric: int | None
) -> int:
    if max_numeric is None:
        return 1
    if max_numeric < 1:
        raise ValueError(f"max_numeric must be positive, got {max_numeric}")
    with connect(conn_path) as conn:
        rows = int(
            conn.execute(f"SELECT count(*) FROM llm_calls WHERE {where}", params).fetchone()[0]
        )
    return max(1, math.ceil(rows / max_numeric))


@dataclass(frozen=True)
class _Part:
    n: int
    flags: list[NDArray[np.bool_]]
    numbers: list[NDArray[np.float64]]
    categories: list[Categorical]


def _parse_part(row: tuple[Any, ...], n_nums: int) -> _Part:
    n = int(row[0])
    numbers = [_parse_numbers(x) for x in row[2 : 2 + n_nums]]
    # A value containing 0x1e would split into extra categories (visible in the report);
    # ruling that out in SQL would cost a second JSON lookup per value.
    categories = [Categorical.from_values(x.split(_SEP) if x else []) for x in row[2 + n_nums :]]
    outcome = categories[SYSTEM_CATEGORICAL.index("outcome")]
    flags: list[NDArray[np.bool_]] = []
    for value in OUTCOME_RATES.values():
        label = value.removeprefix("!")
        hit = (
            outcome.codes == outcome.categories.index(label)
            if label in outcome.categories
            else np.zeros(n, dtype=bool)
        )
        flags.append(~hit if value.startswith("!") else hit)
    bits = np.frombuffer((row[1] or "").encode("ascii"), dtype=np.uint8) - 48
    flags += [(bits & (1 << i)) > 0 for i in range(len(BIT_RATES))]
    return _Part(n, flags, numbers, categories)


def _concat(chunks: list[Categorical]) -> Categorical:
    labels: dict[str, int] = {}
    codes: list[NDArray[np.int32]] = []
    for c in chunks:
        remap = np.array([labels.setdefault(v, len(labels)) for v in c.categories], np.int32)
        codes.append(remap[c.codes] if c.categories else c.codes)
    return Categorical(np.concatenate(codes) if codes else np.empty(0, np.int32), tuple(labels))


def _parse_numbers(joined: str | None) -> NDArray[np.float64]:
    if not joined:
        return np.empty(0)
    expected = joined.count(",") + 1
    if not any(c in joined for c in ".eEnNiI"):
        # Integers parse ten times faster than floats.
        ints = np.fromstring(joined, dtype=np.int64, sep=",")
        if ints.size == expected:
            return ints.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        arr = np.fromstring(joined, dtype=np.float64, sep=",")
    if arr.size != expected:
        # Non-numeric text slipped in (e.g. a string stored in a REAL column): parse slowly.
        arr = np.array([_to_float(x) for x in joined.split(",")], dtype=np.float64)
    return arr[np.isfinite(arr)]


def _to_float(x: str) -> float:
    try:
        return float(x)
    except ValueError:
        return math.nan

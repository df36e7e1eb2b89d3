"""Drift benchmark: `accord drift check` over 1,000,000 LLM completions vs Evidently.

    .venv/bin/python benchmarks/drift.py [--rows 1000000] [--baseline-rows 100000]
        [--cache-dir DIR] [--skip-evidently]

The synthetic table (10 output fields: 5 categorical incl. one bool, 3 numbers, a date and a
free-text field; plus outcome, model, flags, latency, tokens, cost) is generated once, seeded,
and cached under the temp dir. The window is slightly drifted (schema failures 2% -> 3%,
a 10-point enum shift, amount up 0.3 standard deviations), so both tools have work to do.

Each measured run is a fresh subprocess, so its peak RSS (getrusage ru_maxrss) is its own:
  * accord: `check_drift` reading the window straight from SQLite, with the SQLite that
    `accord.drift` picks (pysqlite3 from the `drift-fast` extra when installed), and again with
    the standard library's sqlite3;
  * Evidently (the `bench` extra): the same rows loaded into pandas with the same SQL
    (json_extract, so JSON parsing costs both tools the same), then Report([DataDriftPreset()]).
The last line is ``accord_s=... accord_peak_mib=... evidently_s=... evidently_peak_mib=...
ratio=...`` (ratio = Evidently seconds / accord seconds, both end to end from the SQLite file).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

T0 = 1_700_000_000.0
BASELINE = "bench-v1"
TASK = "extract_customer"
EVIDENTLY_TIMEOUT = 1800.0


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def window_start(baseline_rows: int) -> float:
    return T0 + 2 * baseline_rows


def prepare(cache_dir: Path, rows: int, baseline_rows: int) -> Path:
    """The cached SQLite file, created (atomically) when missing; the baseline stored in it."""
    from accord.drift import list_baselines, take_baseline
    from accord.drift.synthetic import SyntheticShape, write_synthetic_calls

    cache_dir.mkdir(parents=True, exist_ok=True)
    db = cache_dir / f"llm_calls-{baseline_rows}-{rows}.db"
    if not db.exists():
        print(f"generating {baseline_rows:,} baseline + {rows:,} window rows into {db} ...")
        t = time.perf_counter()
        tmp = db.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        write_synthetic_calls(tmp, baseline_rows, seed=11, start=T0, id_prefix="b")
        drifted = replace(
            SyntheticShape(),
            schema_failure_rate=0.03,
            category_shares=(0.30, 0.35, 0.15, 0.12, 0.08),
            amount_log_mean=4.24,
        )
        write_synthetic_calls(
            tmp, rows, seed=12, shape=drifted, start=window_start(baseline_rows), id_prefix="w"
        )
        tmp.rename(db)
        print(f"  generated in {time.perf_counter() - t:.1f} s")
    if BASELINE not in [n for n, _, _ in list_baselines(db)]:
        t = time.perf_counter()
        take_baseline(db, BASELINE, task=TASK, until=window_start(baseline_rows))
        print(f"baseline of {baseline_rows:,} rows taken in {time.perf_counter() - t:.2f} s")
    return db


def run_accord(db: Path, since: float, stdlib: bool) -> dict[str, Any]:
    if stdlib:
        sys.modules["pysqlite3"] = None  # type: ignore[assignment]  # forces the fallback
    from accord.drift import _sqlite_source, check_drift

    t, c = time.perf_counter(), time.process_time()
    report = check_drift(db, BASELINE, since=since)
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - c,
        "peak_mib": _peak_mib(),
        "rows": report.window.n,
        "sqlite": _sqlite_source.SQLITE_VERSION,
        "drifted": report.drifted_fields,
        "fields": len(report.fields),
    }


EVIDENTLY_SQL = """
SELECT outcome, model,
  (outcome = 'invalid_output') AS schema_failure, (outcome = 'refused') AS refusal,
  (outcome <> 'ok') AS error, repaired, reasked, fell_back, reviewed,
  attempts, input_tokens, output_tokens, latency_ms, cost, output_chars,
  json_extract(output_json, '$.category') AS category,
  json_extract(output_json, '$.sentiment') AS sentiment,
  json_extract(output_json, '$.priority') AS priority,
  json_extract(output_json, '$.language') AS language,
  json_extract(output_json, '$.is_vip') AS is_vip,
  json_extract(output_json, '$.amount') AS amount,
  json_extract(output_json, '$.age') AS age,
  json_extract(output_json, '$.score') AS score,
  unixepoch(json_extract(output_json, '$.signup_date')) AS signup_date,
  length(json_extract(output_json, '$.summary')) AS summary_length
FROM llm_calls WHERE task = ? AND created_at {op} ?
"""
EV_CATEGORICAL = [
    "outcome",
    "model",
    "schema_failure",
    "refusal",
    "error",
    "repaired",
    "reasked",
    "fell_back",
    "reviewed",
    "category",
    "sentiment",
    "priority",
    "language",
    "is_vip",
]
EV_NUMERICAL = [
    "attempts",
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "cost",
    "output_chars",
    "amount",
    "age",
    "score",
    "signup_date",
    "summary_length",
]


def run_evidently(db: Path, since: float) -> dict[str, Any]:
    import sqlite3

    import pandas as pd  # type: ignore[import-untyped]
    from evidently import DataDefinition, Dataset, Report  # type: ignore[import-untyped]
    from evidently.presets import DataDriftPreset  # type: ignore[import-untyped]

    t, c = time.perf_counter(), time.process_time()
    with sqlite3.connect(db) as conn:
        ref = pd.read_sql_query(EVIDENTLY_SQL.format(op="<"), conn, params=(TASK, since))
        cur = pd.read_sql_query(EVIDENTLY_SQL.format(op=">="), conn, params=(TASK, since))
    loaded = time.perf_counter() - t
    definition = DataDefinition(numerical_columns=EV_NUMERICAL, categorical_columns=EV_CATEGORICAL)
    snapshot = Report([DataDriftPreset()]).run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
    )
    seconds = time.perf_counter() - t
    drifted: list[str] = []
    for metric in snapshot.dict().get("metrics", []):
        name = str(metric.get("metric_name", ""))
        value = metric.get("value")
        if name.startswith("ValueDrift(") and isinstance(value, float):
            column = name.split("column=")[1].split(",")[0]
            threshold = float(name.split("threshold=")[1].rstrip(")"))
            # Evidently's p-value methods drift *below* the threshold, distances above it.
            is_p = "p_value" in name or "test" in name.lower()
            if (value < threshold) if is_p else (value >= threshold):
                drifted.append(f"{column}={value:.3g}")
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - c,
        "load_seconds": loaded,
        "peak_mib": _peak_mib(),
        "rows": len(cur),
        "drifted": drifted,
    }


def child(argv: list[str]) -> None:
    # benchmarks/http.py would shadow the standard library's http package.
    here = Path(__file__).parent.resolve()
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    kind, db, since = argv[0], Path(argv[1]), float(argv[2])
    if kind == "evidently":
        result = run_evidently(db, since)
    else:
        result = run_accord(db, since, stdlib=kind == "accord-stdlib")
    print("RESULT " + json.dumps(result))


def spawn(kind: str, db: Path, since: float, timeout: float) -> dict[str, Any] | str:
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(db), str(since)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:.0f} s"
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            out: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return out
    return f"failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-3:]}"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--baseline-rows", type=int, default=100_000)
    ap.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "accord-bench-drift"
    )
    ap.add_argument("--skip-evidently", action="store_true")
    args = ap.parse_args()
    db = prepare(args.cache_dir, args.rows, args.baseline_rows)
    since = window_start(args.baseline_rows)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min)")

    results: dict[str, dict[str, Any]] = {}
    kinds = ["accord", "accord-stdlib"] + ([] if args.skip_evidently else ["evidently"])
    for kind in kinds:
        r = spawn(kind, db, since, EVIDENTLY_TIMEOUT)
        if isinstance(r, str):
            print(f"{kind}: {r}")
            continue
        results[kind] = r
        print(
            f"{kind}: {r['rows']:,} rows in {r['seconds']:.2f} s, peak RSS {r['peak_mib']:.0f} MiB"
        )
        print(f"  cpu_seconds (all threads): {r['cpu_seconds']:.2f}")
        for key in ("sqlite", "load_seconds", "drifted"):
            if key in r:
                print(f"  {key}: {r[key]}")

    a = results.get("accord")
    e = results.get("evidently")
    if a is None:
        sys.exit("the accord run failed")
    if e is None:
        print(
            f"accord_s={a['seconds']:.2f} accord_peak_mib={a['peak_mib']:.0f} evidently_s=- ratio=-"
        )
        return
    print(
        f"accord_s={a['seconds']:.2f} accord_peak_mib={a['peak_mib']:.0f} "
        f"evidently_s={e['seconds']:.2f} evidently_peak_mib={e['peak_mib']:.0f} "
        f"ratio={e['seconds'] / a['seconds']:.1f}"
    )


if __name__ == "__main__":
    main()

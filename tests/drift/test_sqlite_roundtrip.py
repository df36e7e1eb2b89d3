"""Baseline, store, check and report through real SQLite files."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from accord.drift import (
    Baseline,
    check_drift,
    list_baselines,
    load_baseline,
    render_table,
    take_baseline,
    write_html,
)
from accord.drift._schema import LLM_CALLS_DDL
from accord.drift.synthetic import write_synthetic_calls

from ._data import T0, WINDOW_START


def _baseline(db: Path) -> Baseline:
    return take_baseline(db, "v1", task="extract_customer", until=WINDOW_START)


def test_baseline_profiles_every_kind_of_field_and_is_stored(stable_db: Path) -> None:
    b = _baseline(stable_db)
    p = b.profile
    assert p.n == 3_000
    assert set(p.rates) == {
        "schema_failure_rate",
        "refusal_rate",
        "error_rate",
        "repair_rate",
        "reask_rate",
        "fallback_rate",
        "review_rate",
    }
    assert {f.name: f.transform for f in b.output_fields} == {
        "output.age": "number",
        "output.amount": "number",
        "output.category": "text",
        "output.is_vip": "bool",
        "output.language": "text",
        "output.priority": "text",
        "output.score": "number",
        "output.sentiment": "text",
        "output.signup_date": "date",
        "output.summary.length": "length",
    }
    assert set(p.categorical["output.is_vip"].counts) == {"true", "false"}
    assert {"latency_ms", "input_tokens", "output_tokens", "cost", "output_chars"} <= set(p.numeric)
    assert [n for n, _, _ in list_baselines(stable_db)] == ["v1"]
    loaded = load_baseline(stable_db, "v1")
    assert loaded.profile.rates == p.rates
    assert loaded.profile.categorical == p.categorical
    assert np.array_equal(
        loaded.profile.numeric["output.amount"].sample, p.numeric["output.amount"].sample
    )
    assert loaded.output_fields == b.output_fields


def test_sqlite_columns_match_the_rows_read_one_by_one(stable_db: Path) -> None:
    b = _baseline(stable_db)
    conn = sqlite3.connect(stable_db)
    rows = conn.execute(
        "SELECT outcome, repaired, output_json, latency_ms FROM llm_calls WHERE created_at < ?",
        (WINDOW_START,),
    ).fetchall()
    outputs = [json.loads(r[2]) for r in rows if r[2] is not None]
    assert b.profile.rates["schema_failure_rate"].count == sum(
        r[0] == "invalid_output" for r in rows
    )
    assert b.profile.rates["repair_rate"].count == sum(r[1] for r in rows)
    cats: dict[str, int] = {}
    for o in outputs:
        cats[o["category"]] = cats.get(o["category"], 0) + 1
    assert dict(b.profile.categorical["output.category"].counts) == cats
    amount = b.profile.numeric["output.amount"]
    assert amount.n == len(outputs)
    assert amount.mean == pytest.approx(np.mean([o["amount"] for o in outputs]))
    assert b.profile.numeric["output.summary.length"].mean == pytest.approx(
        np.mean([len(o["summary"]) for o in outputs])
    )
    assert b.profile.numeric["latency_ms"].mean == pytest.approx(np.mean([r[3] for r in rows]))


def test_stable_window_does_not_drift(stable_db: Path) -> None:
    _baseline(stable_db)
    report = check_drift(stable_db, "v1", since=WINDOW_START)
    assert report.window.n == 3_000
    assert report.drifted_fields == []
    assert report.exit_code == 0


def test_drifted_window_names_the_fields_that_moved(drifted_db: Path) -> None:
    _baseline(drifted_db)
    report = check_drift(drifted_db, "v1", since=WINDOW_START)
    assert {"schema_failure_rate", "output.category", "output.amount"} <= set(report.drifted_fields)
    assert "output.age" not in report.drifted_fields
    assert report.exit_code == 1
    by_name = {f.name: f for f in report.fields}
    assert by_name["schema_failure_rate"].test == "z-test"
    assert by_name["output.category"].test == "chi-square"
    assert by_name["output.amount"].test == "kolmogorov-smirnov"
    assert report.to_dict()["drifted_fields"] == report.drifted_fields


def test_last_n_window_takes_exactly_the_newest_calls(drifted_db: Path) -> None:
    _baseline(drifted_db)
    report = check_drift(drifted_db, "v1", last=1_234)
    assert report.window.n == 1_234


def test_small_window_reports_insufficient_data_instead_of_deciding(drifted_db: Path) -> None:
    _baseline(drifted_db)
    report = check_drift(drifted_db, "v1", last=20)
    assert report.drifted_fields == []
    assert report.exit_code == 0
    assert all(f.drifted is None for f in report.fields)
    assert "insufficient data: need at least 50, have 20 (window)" in {
        f.note for f in report.fields
    }


def test_html_report_is_self_contained_with_a_plot_per_field(
    drifted_db: Path, tmp_path: Path
) -> None:
    _baseline(drifted_db)
    report = check_drift(drifted_db, "v1", since=WINDOW_START)
    out = write_html(report, tmp_path / "reports" / "drift.html")
    text = out.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', text)
    plotted = len(report.baseline.profile.categorical) + len(report.baseline.profile.numeric)
    assert len(images) == plotted + 1  # one per field, one for all rates
    assert all(base64.b64decode(i).lstrip().startswith(b"<?xml") for i in images)
    assert "<svg" in base64.b64decode(images[0]).decode()
    assert 'id="output.category"' in text and "DRIFT" in text
    assert "http://" not in text.replace("http://www.w3.org", "")


def test_rich_table_has_a_row_per_field(drifted_db: Path) -> None:
    _baseline(drifted_db)
    report = check_drift(drifted_db, "v1", since=WINDOW_START)
    table = render_table(report)
    assert table.row_count == len(report.fields)


def test_several_tasks_need_an_explicit_task(stable_db: Path) -> None:
    write_synthetic_calls(stable_db, 100, seed=3, task="summarise", start=T0, id_prefix="s-")
    with pytest.raises(ValueError, match="choose one with --task"):
        take_baseline(stable_db, "v1")
    assert take_baseline(stable_db, "v1", task="summarise").profile.n == 100


def test_unknown_baseline_names_the_stored_ones(stable_db: Path) -> None:
    _baseline(stable_db)
    with pytest.raises(LookupError, match=r"no drift baseline named 'v2'.*stored: v1"):
        check_drift(stable_db, "v2")


def test_missing_database_or_table_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no database at"):
        take_baseline(tmp_path / "nope.db", "v1")
    sqlite3.connect(tmp_path / "empty.db").execute("CREATE TABLE x (a)").connection.close()
    with pytest.raises(LookupError, match="has no llm_calls table"):
        take_baseline(tmp_path / "empty.db", "v1")


def test_nested_and_null_output_keys_are_skipped_with_a_reason(tmp_path: Path) -> None:
    db = tmp_path / "odd.db"
    conn = sqlite3.connect(db)
    conn.execute(LLM_CALLS_DDL)
    for i in range(200):
        out = {
            "tags": ["a"],
            "nothing": None,
            "when": f"2026-01-{1 + i % 28:02d}T10:00:00",
            "ok": i % 3 == 0,
            "note": f"free text number {i}",
        }
        _insert(conn, i, out, T0 + i)
    conn.commit()
    conn.close()
    b = take_baseline(db, "odd")
    assert b.skipped == {
        "output.tags": "objects, arrays or mixed types are not profiled",
        "output.nothing": "always null",
    }
    kinds = {f.name: f.transform for f in b.output_fields}
    assert kinds == {"output.when": "date", "output.ok": "bool", "output.note.length": "length"}
    when = b.profile.numeric["output.when"]
    assert when.minimum == pytest.approx(1767261600.0)  # 2026-01-01T10:00:00Z


def _insert(conn: sqlite3.Connection, i: int, out: dict[str, object], t: float) -> None:
    conn.execute(
        "INSERT INTO llm_calls VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            f"r{i}",
            "f",
            "t",
            "m",
            "v1",
            "ok",
            1,
            0,
            0,
            0,
            0,
            10,
            5,
            12.5,
            0.001,
            json.dumps(out),
            50,
            t,
        ),
    )


def test_window_values_unseen_in_the_baseline_are_counted_exactly(tmp_path: Path) -> None:
    db = tmp_path / "new-values.db"
    conn = sqlite3.connect(db)
    conn.execute(LLM_CALLS_DDL)
    for i in range(300):
        _insert(conn, i, {"kind": "ab"[i % 2], "flag": False}, T0 + i)
    window = [{"kind": ["a", "b", "c", "it's", "a"][i % 5], "flag": i % 3 == 0} for i in range(400)]
    window[7]["kind"] = None
    for i, out in enumerate(window):
        _insert(conn, 1_000 + i, out, T0 + 1_000 + i)
    conn.commit()
    conn.close()
    take_baseline(db, "v1", until=T0 + 1_000)
    report = check_drift(db, "v1", since=T0 + 1_000)
    expected: dict[str, int] = {}
    for out in window:
        if out["kind"] is not None:
            expected[str(out["kind"])] = expected.get(str(out["kind"]), 0) + 1
    assert dict(report.window.categorical["output.kind"].counts) == expected
    flags = report.window.categorical["output.flag"].counts
    assert dict(flags) == {"true": 134, "false": 266}
    assert {"output.kind", "output.flag"} <= set(report.drifted_fields)


def test_large_window_numerics_use_an_evenly_spaced_sample_counts_use_every_call(
    drifted_db: Path,
) -> None:
    _baseline(drifted_db)
    report = check_drift(drifted_db, "v1", since=WINDOW_START, max_numeric=500)
    assert report.window.n == 3_000
    assert report.window.rates["schema_failure_rate"].n == 3_000
    assert report.window.numeric["latency_ms"].n == 500
    full = check_drift(drifted_db, "v1", since=WINDOW_START, max_numeric=None)
    assert full.window.numeric["latency_ms"].n == 3_000
    assert report.window.categorical == full.window.categorical
    assert "output.amount" in report.drifted_fields

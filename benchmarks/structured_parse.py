"""Structured-output parsing: speed on valid JSON, and recall / false accepts on the corpus.

Run: ``.venv/bin/python benchmarks/structured_parse.py`` (needs the ``bench`` extra for
the json-repair baseline). Prints microseconds per call of ``accord.llm.parse`` on valid
input next to plain ``model_validate_json``, then the corpus recall and false-accept
counts next to a ``json_repair.loads`` + Pydantic baseline run in the same process.
"""

from __future__ import annotations

import json
import sys
import time
import timeit
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from accord.llm.parsing import OutputError, parse

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from llm_parsing.corpus import SCHEMAS, Case, load_cases

SPEED_GOAL = 1.5


def paired_microseconds(
    first: Callable[[], object], second: Callable[[], object], number: int
) -> tuple[float, float]:
    """Best-of-200 microseconds per call of each, measured alternately in short runs
    so that load from other processes on the machine hits both alike."""
    runs: tuple[list[float], list[float]] = ([], [])
    for _ in range(200):
        runs[0].append(timeit.timeit(first, number=number))
        runs[1].append(timeit.timeit(second, number=number))
    return min(runs[0]) / number * 1e6, min(runs[1]) / number * 1e6


def speed(cases: list[Case]) -> list[tuple[str, float, float]]:
    """(schema, parse µs, model_validate_json µs) for one valid reply per schema."""
    rows: list[tuple[str, float, float]] = []
    seen: set[str] = set()
    for case in cases:
        model = case.output_type
        if case.schema in seen or case.expect != "value" or not isinstance(model, type):
            continue
        if not issubclass(model, BaseModel):
            continue
        raw = case.expected_value().model_dump_json()
        seen.add(case.schema)
        parse(raw, model)  # builds and caches the adapter outside the timing
        ours, plain = paired_microseconds(
            partial(parse, raw, model), partial(model.model_validate_json, raw), 500
        )
        rows.append((case.schema, ours, plain))
    return rows


def ours(case: Case) -> Any:
    return parse(case.raw, case.output_type).value


def json_repair_baseline(case: Case) -> Any:
    import json_repair

    data = json_repair.loads(case.raw)
    return _adapter(case.schema).validate_json(json.dumps(data))


@cache
def _adapter(schema: str) -> TypeAdapter[Any]:
    return TypeAdapter(SCHEMAS[schema])


def score(cases: list[Case], run: Callable[[Case], Any]) -> tuple[int, int, int, float]:
    """(recovered, recoverable, false accepts, mean microseconds per reply)."""
    recovered = false_accepts = 0
    started = time.perf_counter()
    for case in cases:
        try:
            value = run(case)
        except (OutputError, ValidationError, ValueError, TypeError, RecursionError):
            continue
        if case.expect == "value" and value == case.expected_value():
            recovered += 1
        else:
            false_accepts += 1
    elapsed = (time.perf_counter() - started) / len(cases) * 1e6
    recoverable = sum(1 for case in cases if case.expect == "value")
    return recovered, recoverable, false_accepts, elapsed


def main() -> None:
    cases = load_cases()
    print("Valid JSON: parse + validate, microseconds per call (best of 200 short runs)")
    print(f"{'schema':<16}{'accord.parse':>14}{'model_validate_json':>22}{'ratio':>8}")
    rows = speed(cases)
    for schema, mine, plain in rows:
        print(f"{schema:<16}{mine:>14.2f}{plain:>22.2f}{mine / plain:>8.2f}")
    worst = max(mine / plain for _, mine, plain in rows)

    print(f"\nCorpus: {len(cases)} replies")
    print(f"{'parser':<28}{'recall':>16}{'false accepts':>16}{'µs/reply':>12}")
    results = {"accord.parse": score(cases, ours)}
    try:
        results["json_repair + pydantic"] = score(cases, json_repair_baseline)
    except ImportError:
        print("(json-repair not installed: pip install -e '.[bench]' for the baseline)")
    for name, (hit, total, false, micros) in results.items():
        print(f"{name:<28}{f'{hit}/{total} ({hit / total:.1%})':>16}{false:>16}{micros:>12.0f}")

    hit, total, false, _ = results["accord.parse"]
    summary = (
        f"SUMMARY valid-JSON overhead worst ratio {worst:.2f}x (goal <= {SPEED_GOAL}x); "
        f"accord recall {hit / total:.1%} with {false} false accepts"
    )
    if "json_repair + pydantic" in results:
        b_hit, b_total, b_false, _ = results["json_repair + pydantic"]
        summary += f"; json_repair recall {b_hit / b_total:.1%} with {b_false} false accepts"
    print("\n" + summary)


if __name__ == "__main__":
    main()

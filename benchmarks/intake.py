"""The intake over its bundled messages on one model: speed, agreement and what was stored wrongly,
for the current intake (evidence decides, the model chooses) and the previous one (no evidence,
the model fills every field) in the same run.

Runs the whole flow (screening, evidence, the model, assembly, storage) on a fresh database and
prints wall time, messages per second, model calls, output tokens per second of model time,
outcome agreement with ``expected.jsonl``, per-field accuracy over records stored where one was
expected, wrongly stored fields, false stores (a record stored where none was expected) and
injection leaks (a message carrying an injection attempt stored without review).

    PYTHONPATH=src:. .venv/bin/python benchmarks/intake.py --model test:oracle
    PYTHONPATH=src:. .venv/bin/python benchmarks/intake.py            # the embedded model
    PYTHONPATH=src:. .venv/bin/python benchmarks/intake.py --limit 40 --previous-limit 20

The previous intake takes about 7 s a message on the embedded model: by default it runs on the
first 30 messages only there (``--previous-limit``; 0 skips it), and the output says so.

Goals (issue 12): test:oracle 100% agreement in under 10 s; the embedded model >= 85% agreement,
>= 95% field accuracy, 0 wrongly stored emails/phones/dates, 0 false stores, 0 leaks, all 230
messages in <= 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _intake_previous import build_previous_app
from examples.intake.app import build_app
from examples.intake.messages import BadLine, IncomingMessage, read_messages
from examples.intake.oracle import ORACLE, register_oracle
from examples.intake.report import FIELDS, Summary, load_expected, summarize
from examples.intake.run import AppBuilder, run_intake

DATA = Path(__file__).resolve().parents[1] / "examples" / "intake" / "data"


@dataclass
class Figures:
    label: str
    n: int
    wall: float
    s: Summary
    agree: int
    false_stores: int
    leaks: int


def measure(
    label: str,
    build: AppBuilder,
    messages: Sequence[IncomingMessage],
    expected: Mapping[str, Mapping[str, Any]],
    model: str,
    *,
    window: int | None,
    max_tokens: int,
) -> Figures:
    """One run of ``build``'s intake over ``messages`` on a fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        result = asyncio.run(
            run_intake(
                Path(tmp) / "intake.db",
                messages,
                [model],
                window=window,
                max_tokens=max_tokens,
                build=build,
            )
        )
        wall = time.monotonic() - started
    s = summarize(result.outcomes, expected, seconds=wall, settled_this_run=result.settled_now)
    agree = sum(count for (want, got), count in s.confusion.items() if want == got)
    false_stores = sum(c for (want, got), c in s.confusion.items() if got == "stored" != want)
    leaks = sum(
        1
        for o in result.outcomes
        if o.outcome == "stored" and "injection" in expected.get(o.message, {}).get("tags", ())
    )
    return Figures(label, len(result.outcomes), wall, s, agree, false_stores, leaks)


def _rows(f: Figures) -> dict[str, str]:
    s = f.s
    tps = s.tokens_per_second
    out = {
        "messages": str(f.n),
        "wall time": f"{f.wall:.1f} s ({f.n / f.wall:.2f} msg/s)",
        "model calls": f"{s.model_calls} ({s.output_tokens} out tokens"
        + (f", {tps:.1f}/s)" if tps else ")"),
        "tokens per call": f"{s.output_tokens / s.model_calls:.1f}" if s.model_calls else "-",
        "outcome agreement": f"{f.agree}/{f.n} ({f.agree / f.n:.1%})",
        "stored/review/rej/fail": "/".join(
            str(s.counts[k]) for k in ("stored", "review", "rejected", "failed")
        ),
    }
    if s.scored:
        total = sum(s.field_correct[k] for k in FIELDS)
        out["field accuracy"] = f"{total}/{s.scored * len(FIELDS)} ({total / (s.scored * 8):.1%})"
        for name in FIELDS:
            out[f"  {name}"] = (
                f"{s.field_correct[name] / s.scored:.1%} (wrong {s.wrong_stored[name]})"
            )
    else:
        out["field accuracy"] = "nothing stored where expected"
    out["false stores"] = str(f.false_stores)
    out["injection leaks"] = str(f.leaks)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="local:smollm2", help="model string of the chain")
    parser.add_argument("--limit", type=int, default=None, help="only the first N messages")
    parser.add_argument(
        "--previous-limit",
        type=int,
        default=None,
        help="messages for the previous intake (default: all with test:oracle, 30 otherwise; "
        "0 skips it)",
    )
    parser.add_argument("--window", type=int, default=None, help="messages in flight at once")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # a model giving up on a message is counted, not printed

    messages = [m for m in read_messages(DATA / "messages.jsonl") if not isinstance(m, BadLine)]
    chosen: list[IncomingMessage] = messages[: args.limit] if args.limit else messages
    previous_n = args.previous_limit
    if previous_n is None:
        previous_n = len(chosen) if args.model == ORACLE else min(30, len(chosen))
    expected = load_expected(DATA / "expected.jsonl")
    if args.model == ORACLE:
        register_oracle(chosen, expected)
    load = os.getloadavg()
    print(
        f"intake benchmark: model {args.model}, load average {load[0]:.1f} {load[1]:.1f} "
        f"{load[2]:.1f} at the start ({os.cpu_count()} cores)"
    )
    runs = [
        measure(
            "current",
            build_app,
            chosen,
            expected,
            args.model,
            window=args.window,
            max_tokens=64,
        )
    ]
    if previous_n:
        runs.append(
            measure(
                "previous (no evidence)",
                build_previous_app,
                chosen[:previous_n],
                expected,
                args.model,
                window=args.window,
                max_tokens=160,
            )
        )
    table = [_rows(f) for f in runs]
    width = max(len(k) for k in table[0]) + 2
    print(" " * width + "".join(f"{f.label:<34}" for f in runs))
    for key in table[0]:
        print(f"{key:<{width}}" + "".join(f"{row.get(key, '-'):<34}" for row in table))
    if previous_n and previous_n < len(chosen):
        print(
            f"(the previous intake ran on the first {previous_n} of the {len(chosen)} messages "
            "only: --previous-limit)"
        )


if __name__ == "__main__":
    main()

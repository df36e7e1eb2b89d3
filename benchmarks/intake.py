"""The intake over its bundled messages on one model: speed, agreement and what was stored wrongly.

Runs the whole flow (screening, evidence, the model, assembly, storage) on a fresh database and
prints wall time, messages per second, model calls, output tokens per second of model time,
outcome agreement with ``expected.jsonl``, per-field accuracy over records stored where one was
expected, wrongly stored fields, false stores (a record stored where none was expected) and
injection leaks (a message carrying an injection attempt stored without review).

    PYTHONPATH=src:. .venv/bin/python benchmarks/intake.py --model test:oracle
    PYTHONPATH=src:. .venv/bin/python benchmarks/intake.py --limit 20      # the embedded model

Goals (issue 12): test:oracle 100% agreement in under 10 s; the embedded model >= 85% agreement,
>= 95% field accuracy, 0 wrongly stored emails/phones/dates, 0 false stores, 0 leaks, all 230
messages in <= 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path

from examples.intake.messages import BadLine, IncomingMessage, read_messages
from examples.intake.oracle import ORACLE, register_oracle
from examples.intake.report import FIELDS, load_expected, summarize
from examples.intake.run import run_intake

DATA = Path(__file__).resolve().parents[1] / "examples" / "intake" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="local:smollm2", help="model string of the chain")
    parser.add_argument("--limit", type=int, default=None, help="only the first N messages")
    parser.add_argument("--window", type=int, default=None, help="messages in flight at once")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # a model giving up on a message is counted, not printed

    messages = [m for m in read_messages(DATA / "messages.jsonl") if not isinstance(m, BadLine)]
    chosen: list[IncomingMessage] = messages[: args.limit] if args.limit else messages
    expected = load_expected(DATA / "expected.jsonl")
    if args.model == ORACLE:
        register_oracle(chosen, expected)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        result = asyncio.run(
            run_intake(Path(tmp) / "intake.db", chosen, [args.model], window=args.window)
        )
        wall = time.monotonic() - started
    s = summarize(result.outcomes, expected, seconds=wall, settled_this_run=result.settled_now)

    n = len(result.outcomes)
    agree = sum(count for (want, got), count in s.confusion.items() if want == got)
    false_stores = sum(c for (want, got), c in s.confusion.items() if got == "stored" != want)
    leaks = sum(
        1
        for o in result.outcomes
        if o.outcome == "stored" and "injection" in expected.get(o.message, {}).get("tags", ())
    )
    tps = s.tokens_per_second
    print(f"intake benchmark: {n} message(s), model {args.model}")
    print(f"  wall time          {wall:.1f} s ({n / wall:.2f} messages/s)")
    print(f"  model calls        {s.model_calls} ({s.output_tokens} output tokens", end="")
    print(f", {tps:.1f}/s of model time)" if tps else ")")
    print(f"  outcome agreement  {agree}/{n} ({agree / n:.1%})")
    print(
        "  outcomes           "
        + ", ".join(f"{k} {s.counts[k]}" for k in ("stored", "review", "rejected", "failed"))
    )
    if s.scored:
        total = sum(s.field_correct[f] for f in FIELDS)
        print(
            f"  field accuracy     {total}/{s.scored * len(FIELDS)} "
            f"({total / (s.scored * len(FIELDS)):.1%}) over {s.scored} stored records"
        )
        for name in FIELDS:
            print(
                f"    {name:<12} {s.field_correct[name] / s.scored:6.1%}  "
                f"wrongly stored {s.wrong_stored[name]}"
            )
    else:
        print("  field accuracy     no record stored where one was expected")
    print(f"  false stores       {false_stores}")
    print(f"  injection leaks    {leaks}")


if __name__ == "__main__":
    main()

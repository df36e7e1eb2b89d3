"""Tokens/s of the embedded model through accord's pipeline vs llama-cpp-python called directly.

Both sides use the same GGUF file, the same messages, the same JSON-schema grammar and the same
sampling settings; runs alternate so that load on the machine hits both alike. The final line
prints both rates and their ratio (goal: the pipeline within 5% of the direct call).

    .venv/bin/python benchmarks/structured_local.py [--runs 8]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import statistics
import time
from typing import Any

from pydantic import BaseModel, Field

from accord.llm import Budget, Prompt, Task, _prompting
from accord.llm.models import _llama
from accord.llm.models.local import LocalModel

TEXT = (
    "Hello, this is Dr. Helen Marsh from Leeds. Our clinic needs 12 replacement thermometers "
    "(model T-200) before Friday. Please call me back on 0113 496 0000. Thanks!"
)
SETTINGS: dict[str, Any] = {"max_tokens": 200, "temperature": 0.0, "seed": 0}


class Request(BaseModel):
    requester: str = Field(description="who writes")
    city: str
    product: str
    quantity: int
    deadline: str | None
    phone: str | None


def make_task() -> Task[Request]:
    return Task(
        "bench",
        output=Request,
        prompt=Prompt("Extract the purchase request from this message:\n{text}", version="b1"),
        models=[LocalModel()],
        budget=Budget(attempts=1),
        settings=SETTINGS,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()

    llama_cpp: Any = importlib.import_module("llama_cpp")

    task = make_task()
    model = task.models[0]
    schema = model.profile.plan(task.schema).schema
    messages = [
        {"role": m.role, "content": m.content}
        for m in _prompting.opening(task, {"text": TEXT}, schema=schema, structured=True)
    ]
    direct = llama_cpp.Llama(model_path=str(_llama.smollm2_path()), n_ctx=2048, verbose=False)
    grammar = llama_cpp.LlamaGrammar.from_json_schema(
        json.dumps(schema, sort_keys=True), verbose=False
    )

    def run_direct() -> tuple[int, float]:
        t0 = time.perf_counter()
        out = direct.create_chat_completion(messages=messages, grammar=grammar, **SETTINGS)
        return out["usage"]["completion_tokens"], time.perf_counter() - t0

    async def run_pipeline() -> tuple[int, float]:
        t0 = time.perf_counter()
        result = await task.run(text=TEXT)
        return result.output_tokens or 0, time.perf_counter() - t0

    # Warm-up: loads the shared model, builds and caches the grammar.
    asyncio.run(run_pipeline())
    run_direct()

    pipeline_rates: list[float] = []
    direct_rates: list[float] = []
    for i in range(args.runs):
        for side in ("pipeline", "direct") if i % 2 == 0 else ("direct", "pipeline"):
            if side == "pipeline":
                tokens, seconds = asyncio.run(run_pipeline())
                pipeline_rates.append(tokens / seconds)
            else:
                tokens, seconds = run_direct()
                direct_rates.append(tokens / seconds)
        print(
            f"run {i + 1}: pipeline {pipeline_rates[-1]:.1f} tok/s, "
            f"direct {direct_rates[-1]:.1f} tok/s ({tokens} tokens)"
        )
    p, d = statistics.median(pipeline_rates), statistics.median(direct_rates)
    print(f"median tokens/s: pipeline {p:.1f}, direct llama-cpp-python {d:.1f}, ratio {p / d:.3f}")


if __name__ == "__main__":
    main()

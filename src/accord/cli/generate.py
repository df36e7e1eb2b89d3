"""``accord generate concept SPEC.md --model M``: a verified concept module from a spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli._common import console, fail
from accord.generate import GenerationFailed, generate_concept
from accord.specs import SpecError

__all__ = ["generate_app"]

generate_app = typer.Typer(
    help="Have a model write code, accepted only when it passes accord's checks.",
    no_args_is_help=True,
)


@generate_app.command("concept")
def concept_command(
    spec: Annotated[Path, typer.Argument(metavar="SPEC.md", help="The concept's spec.")],
    model: Annotated[str, typer.Option(help="The model, e.g. anthropic:claude-sonnet-4-5.")],
    out: Annotated[
        Path | None,
        typer.Option(help="The module to write (a new file); default: beside the spec."),
    ] = None,
    concept: Annotated[
        str | None, typer.Option(help="Which concept of the spec, if it has several.")
    ] = None,
    attempts: Annotated[int, typer.Option(min=1, help="Candidates to try at most.")] = 3,
    time_limit: Annotated[
        float, typer.Option(help="Seconds one candidate may take to be judged.")
    ] = 20.0,
    memory_mb: Annotated[int, typer.Option(help="Memory one candidate may use, in MB.")] = 1024,
) -> None:
    """Write a concept module from SPEC.md; refused candidates go back to the model."""
    if not spec.is_file():
        fail(f"no spec at {spec}; pass the concept's Markdown spec")
    target = out or spec.with_name(spec.name.removesuffix(".spec.md").removesuffix(".md") + ".py")
    record = target.with_suffix(".generation.json")
    for path in (target, record):
        if path.exists():
            fail(f"{path} exists; generation writes new files only: pass another --out")
    try:
        generated = generate_concept(
            spec,
            model,
            concept=concept,
            attempts=attempts,
            time_limit=time_limit,
            memory_mb=memory_mb,
        )
    except (SpecError, ValueError) as exc:
        fail(str(exc))
    except GenerationFailed as exc:
        record.write_text(exc.generated.record(), encoding="utf-8")
        for attempt in exc.generated.attempts:
            console.print(f"attempt {attempt.number} refused:", markup=False)
            for failure in attempt.failures:
                console.print(f"  - {failure}", markup=False, highlight=False)
        fail(f"{exc}; every attempt is in {record}", code=1)
    target.write_text(generated.output, encoding="utf-8")
    record.write_text(generated.record(), encoding="utf-8")
    for attempt in generated.attempts[:-1]:
        console.print(f"attempt {attempt.number} refused:", markup=False)
        for failure in attempt.failures:
            console.print(f"  - {failure}", markup=False, highlight=False)
    console.print(
        f"accepted attempt {len(generated.attempts)}: wrote {target} (record: {record})",
        markup=False,
    )

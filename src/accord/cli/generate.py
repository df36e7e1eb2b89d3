"""``accord generate concept SPEC.md --model M``: a verified concept module from a spec;
``accord generate sync "SENTENCE" --app APP --model M``: a checked sync from a sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.checks.diagnostics import SyncCheckError
from accord.cli._common import console, fail
from accord.generate import Attempt, GenerationFailed, generate_concept, generate_sync
from accord.loading import AppLoadError, load_app
from accord.specs import SpecError
from accord.sync.text.parser import SyncSyntaxError

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
    max_tokens: Annotated[
        int | None,
        typer.Option(min=1, help="Tokens all requests may use together (input and output)."),
    ] = None,
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
            max_tokens=max_tokens,
        )
    except (SpecError, ValueError) as exc:
        fail(str(exc))
    except GenerationFailed as exc:
        record.write_text(exc.generated.record(), encoding="utf-8")
        _refusals(exc.generated.attempts)
        fail(f"{exc}; every attempt is in {record}", code=1)
    target.write_text(generated.output, encoding="utf-8")
    record.write_text(generated.record(), encoding="utf-8")
    _refusals(generated.attempts[:-1])
    console.print(
        f"accepted attempt {len(generated.attempts)} ({generated.tokens} tokens): wrote {target} "
        f"(record: {record})",
        markup=False,
    )


@generate_app.command("sync")
def sync_command(
    sentence: Annotated[str, typer.Argument(metavar="SENTENCE", help="What the sync does.")],
    app: Annotated[
        str,
        typer.Option(
            "--app",
            metavar="APP",
            help="The app the sync joins (path/to/app.py:app, a package or a folder).",
        ),
    ],
    model: Annotated[str, typer.Option(help="The model, e.g. anthropic:claude-sonnet-4-5.")],
    out: Annotated[Path, typer.Option(help="The .sync file to write (a new file).")],
    attempts: Annotated[int, typer.Option(min=1, help="Candidates to try at most.")] = 3,
    max_tokens: Annotated[
        int | None,
        typer.Option(min=1, help="Tokens all requests may use together (input and output)."),
    ] = None,
) -> None:
    """Write a sync from a sentence, accepted only when it passes the checks against APP."""
    record = out.with_suffix(".generation.json")
    for path in (out, record):
        if path.exists():
            fail(f"{path} exists; generation writes new files only: pass another --out")
    try:
        loaded = load_app(app)
    except (AppLoadError, SyncSyntaxError, SyncCheckError) as exc:
        fail(f"cannot load {app}: {exc}")
    try:
        generated = generate_sync(
            sentence, loaded, model, app_name=app, attempts=attempts, max_tokens=max_tokens
        )
    except ValueError as exc:
        fail(str(exc))
    except GenerationFailed as exc:
        record.write_text(exc.generated.record(), encoding="utf-8")
        _refusals(exc.generated.attempts)
        fail(f"{exc}; every attempt is in {record}", code=1)
    out.write_text(generated.output, encoding="utf-8")
    record.write_text(generated.record(), encoding="utf-8")
    _refusals(generated.attempts[:-1])
    console.print(
        f"accepted attempt {len(generated.attempts)} ({generated.tokens} tokens): wrote "
        f"{', '.join(generated.names)} to {out} (record: {record}); put it beside the app's "
        "syncs to use it",
        markup=False,
    )


def _refusals(attempts: list[Attempt]) -> None:
    for attempt in attempts:
        console.print(f"attempt {attempt.number} refused:", markup=False)
        for failure in attempt.failures:
            console.print(f"  - {failure}", markup=False, highlight=False)

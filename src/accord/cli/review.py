"""``accord review``: decide the items waiting in the Reviewing queue.

Decisions are validated here first (against the item's schema, imported from where the app
defined it) and then posted to the database's inbox; the app's engine applies them in the
item's flow as soon as it runs (at once, if it is running now).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.syntax import Syntax
from rich.table import Table

from accord.cli._common import DEFAULT_DB, DbOption, console, fail, missing_table, open_log
from accord.concepts.reviewing import describe_errors, import_schema, validate_value
from accord.store.base import Store

ItemArgument = Annotated[
    str, typer.Argument(metavar="ITEM", help="The review item's id (see `accord review list`).")
]
NoteOption = Annotated[str, typer.Option(help="Why (recorded with the decision).")]
ReviewerOption = Annotated[str, typer.Option(help="Who decided (recorded).")]

review_app = typer.Typer(help="Decide items waiting for human review.", no_args_is_help=True)


def _items(store: Store, where: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    try:
        return store.reader().all(f"SELECT * FROM review_items WHERE {where}", params)
    except Exception as exc:
        if not missing_table(exc):
            raise
        fail("this database has no review queue (no Reviewing concept)")


def _open_item(store: Store, item: str) -> dict[str, Any]:
    rows = _items(store, "item = ?", (item,))
    if not rows:
        fail(f"no review item {item!r}; see `accord review list`", 1)
    if rows[0]["status"] != "open":
        fail(f"review item {item} is already {rows[0]['status']}", 1)
    return rows[0]


def _check(row: dict[str, Any], value: Any, what: str) -> None:
    if not row["schema_ref"]:
        return
    # The app's schemas import as they do when the app runs: from the folder it runs in.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        model = import_schema(row["schema_ref"])
    except (ImportError, AttributeError, TypeError) as exc:
        fail(
            f"cannot validate the {what} value: {row['schema_ref']} does not import ({exc}); "
            "run this command from the folder the app runs from, or set PYTHONPATH so its "
            "modules import. Nothing was changed",
            1,
        )
    try:
        validate_value(model, value)
    except ValidationError as exc:
        console.print(
            f"[red]refused:[/] the {what} value fails {row['schema_name']}: {describe_errors(exc)}"
        )
        console.print(f"item {row['item']} stays open; nothing was changed")
        raise typer.Exit(1) from None


def _post(store: Store, row: dict[str, Any], **inputs: Any) -> None:
    store.post("Reviewing", "resolve", {"item": row["item"], **inputs}, row["flow"])
    console.print(
        f"[green]{inputs['decision']}[/] {row['item']}: posted to the app, which applies it in "
        f"flow {row['flow']} (now if it is running, else when it next starts)"
    )


def _when(ts: float | None) -> str:
    return "" if ts is None else dt.datetime.fromtimestamp(ts).isoformat(" ", "seconds")


@review_app.command("list")
def list_items(db: DbOption = DEFAULT_DB) -> None:
    """List the open items."""
    with open_log(db) as store:
        rows = _items(store, "status = 'open' ORDER BY created_at, item")
        table = Table("item", "flow", "subject", "reason", "created", "deadline")
        for r in rows:
            table.add_row(
                r["item"],
                str(r["flow"]),
                r["subject"],
                r["reason"],
                _when(r["created_at"]),
                _when(r["deadline"]),
            )
        console.print(table)
        console.print(f"{len(rows)} open item(s)")


@review_app.command()
def show(item: ItemArgument, db: DbOption = DEFAULT_DB) -> None:
    """Show one item: payload, proposed value, status."""
    with open_log(db) as store:
        rows = _items(store, "item = ?", (item,))
        if not rows:
            fail(f"no review item {item!r}; see `accord review list`", 1)
        r = rows[0]
        console.print(f"[bold]{r['item']}[/] ({r['status']}) flow {r['flow']}: {r['subject']}")
        console.print(f"reason: {r['reason']}")
        for key in ("payload", "proposed", "value"):
            if r[key] is not None and r[key] != "null":
                console.print(f"{key}:")
                console.print(Syntax(json.dumps(json.loads(r[key]), indent=2), "json"))


@review_app.command()
def approve(
    item: ItemArgument,
    db: DbOption = DEFAULT_DB,
    note: NoteOption = "",
    reviewer: ReviewerOption = "",
) -> None:
    """Accept the proposed value as it is."""
    with open_log(db) as store:
        row = _open_item(store, item)
        proposed = json.loads(row["proposed"]) if row["proposed"] else None
        if proposed in (None, {}, [], ""):
            fail(
                f"review item {item} has no proposed value to approve; use `accord review edit "
                f"{item} --value JSON` to give one, or `accord review reject {item}`",
                1,
            )
        _check(row, proposed, "proposed")
        _post(store, row, decision="approve", note=note, reviewer=reviewer)


@review_app.command()
def edit(
    item: ItemArgument,
    db: DbOption = DEFAULT_DB,
    value: Annotated[
        str | None, typer.Option(help="The corrected value as JSON; without it, $EDITOR opens.")
    ] = None,
    note: NoteOption = "",
    reviewer: ReviewerOption = "",
) -> None:
    """Correct the value (validated against the item's schema) and accept it."""
    with open_log(db) as store:
        row = _open_item(store, item)
        text = value if value is not None else _edit_in_editor(row["proposed"])
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            fail(f"the value is not valid JSON: {exc}", 1)
        _check(row, parsed, "edited")
        _post(store, row, decision="edit", value=parsed, note=note, reviewer=reviewer)


@review_app.command()
def reject(
    item: ItemArgument,
    db: DbOption = DEFAULT_DB,
    reason: Annotated[str, typer.Option(help="Why it is rejected (recorded).")] = "",
    reviewer: ReviewerOption = "",
) -> None:
    """Reject the item; the flow records the reason."""
    with open_log(db) as store:
        row = _open_item(store, item)
        _post(store, row, decision="reject", note=reason, reviewer=reviewer)


def _edit_in_editor(proposed: str | None) -> str:
    editor = os.environ.get("EDITOR") or os.environ.get("VISUAL") or "vi"
    initial = json.dumps(json.loads(proposed) if proposed else {}, indent=2)
    with tempfile.NamedTemporaryFile("w+", suffix=".json", delete=False) as handle:
        handle.write(initial)
        path = handle.name
    try:
        subprocess.run([*shlex.split(editor), path], check=True)
        return Path(path).read_text()
    finally:
        os.unlink(path)

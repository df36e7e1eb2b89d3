"""``accord flows``, ``trace`` and ``why``: what happened, and why, from the log.

These read only the durable log, so they work on any database, live or not.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from accord.cli._common import DEFAULT_DB, DbOption, console, fail, open_log
from accord.records import Record
from accord.store.base import Store

__all__ = ["describe", "flow_tree", "flows", "provenance", "trace", "why"]


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(record: Record) -> Text:
    """One line: ``#id Concept/action {inputs} => {outputs}  ← sync``."""
    line = Text()
    line.append(f"#{record.id} ", style="dim")
    line.append(record.name, style="bold")
    line.append(f" {_short(record.input)}")
    if record.output is None:
        line.append("  (pending)", style="yellow")
    elif record.error is not None:
        line.append(f" => {_short(record.output)}", style="red")
    else:
        line.append(f" => {_short(record.output)}", style="green")
    if record.sync:
        line.append(f"  ← {record.sync}", style="cyan")
    if record.attempt > 1:
        line.append(f"  (attempt {record.attempt})", style="yellow")
    return line


def flow_tree(records: Sequence[Record], events: Sequence[tuple[float, str, str]] = ()) -> Tree:
    """The flow as a tree: each action under the completion that triggered it."""
    if not records:
        raise LookupError("no such flow")
    flow = records[0].flow
    tree = Tree(Text(f"flow {flow}", style="bold"))
    nodes: dict[int, Tree] = {}
    for record in records:
        parent_id = record.trigger
        parent = nodes.get(parent_id, tree) if parent_id is not None else tree
        nodes[record.id] = parent.add(describe(record))
    for _, kind, detail in events:
        tree.add(Text(f"! {kind}: {detail}", style="bold red"))
    return tree


def provenance(store: Store, record_id: int) -> Tree:
    """Why a record exists: the sync that produced it and the completions it matched, back to
    the root of the flow."""
    record = store.record(record_id)
    if record is None:
        raise LookupError(f"no record #{record_id}")
    tree = Tree(describe(record))
    stack: list[tuple[Record, Tree]] = [(record, tree)]
    while stack:
        current, node = stack.pop()
        if not current.cause:
            node.add(Text("root action (external stimulus)", style="dim"))
            continue
        branch = node.add(Text(f"because sync {current.sync} matched:", style="cyan"))
        for cause_id in current.cause:
            cause = store.record(cause_id)
            if cause is None:
                branch.add(Text(f"#{cause_id} (missing)", style="red"))
                continue
            stack.append((cause, branch.add(describe(cause))))
    return tree


def flows(
    db: DbOption = DEFAULT_DB,
    limit: Annotated[int, typer.Option(min=1, help="How many recent flows.")] = 20,
) -> None:
    """List recent flows with their status."""
    with open_log(db) as store:
        table = Table("flow", "root action", "status", "actions", "pending", "errors", "started")
        colors = {"done": "green", "running": "yellow", "failed": "red", "halted": "red"}
        for f in store.flows(limit):
            started = dt.datetime.fromtimestamp(f.started_at).isoformat(" ", "seconds")
            status = f"[{colors[f.status]}]{f.status}[/]"
            table.add_row(
                str(f.flow), f.root, status, str(f.actions), str(f.pending), str(f.errors), started
            )
        console.print(table)


def trace(
    flow: Annotated[int, typer.Argument(metavar="FLOW", help="The flow id (see `accord flows`).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print a flow as a tree of actions, with the sync that caused each."""
    with open_log(db) as store:
        records = store.flow_records(flow)
        if not records:
            fail(f"no flow {flow} in {db}; list flows with `accord flows`", 1)
        console.print(flow_tree(records, store.flow_events(flow)))


def why(
    record: Annotated[
        int, typer.Argument(metavar="RECORD", help="A record id (as shown by `accord trace`).")
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Walk a record's provenance back to the root action of its flow."""
    with open_log(db) as store:
        try:
            chain = provenance(store, record)
        except LookupError as exc:
            fail(f"{exc} in {db}", 1)
        console.print(chain)

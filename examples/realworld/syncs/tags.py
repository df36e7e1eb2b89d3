"""The tags in use."""

from __future__ import annotations

from typing import Any

from accord import Sync, Var, bind, collect
from examples.realworld.concepts import Tagging
from examples.realworld.rules import ROUTE
from examples.realworld.syncs._answers import on, respond

__all__ = ["syncs"]

rows, view = Var("rows"), Var("view")


def tags_json(rows: list[dict[str, Any]]) -> Any:
    return {"tags": [r["tag"] for r in rows]}


syncs = [
    Sync(
        "GetTags",
        when=[on(ROUTE["GET /tags"])],
        where=[collect(Tagging.in_use(), into=rows), bind(view, tags_json, rows)],
        then=[respond(200, view)],
    ),
]

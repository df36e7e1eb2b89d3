"""The tags in use."""

from __future__ import annotations

from typing import Any

from accord import Var, bind, collect
from examples.realworld.concepts import Tagging
from examples.realworld.syncs._endpoint import Endpoint

__all__ = ["syncs"]

rows, view = Var("rows"), Var("view")
tags = Endpoint("GET /tags")


def tags_json(rows: list[dict[str, Any]]) -> Any:
    return {"tags": [r["tag"] for r in rows]}


syncs = [
    tags.sync(
        "GetTags",
        where=[collect(Tagging.in_use(), into=rows), bind(view, tags_json, rows)],
        then=[tags.respond(200, view)],
    ),
]

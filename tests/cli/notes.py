"""The notes concept of tests/cli/notes_app.py."""

from __future__ import annotations

import asyncio
import uuid

from typing_extensions import TypedDict

from accord import Concept, action


class Added(TypedDict):
    note: str
    title: str


class Listed(TypedDict):
    titles: list[str]


class Notes(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS notes (note TEXT PRIMARY KEY, title TEXT NOT NULL)",)

    @action
    def add(self, title: str) -> Added:
        note = uuid.uuid4().hex  # differs in every run: a flow run twice would show
        self.db.execute("INSERT INTO notes (note, title) VALUES (?, ?)", (note, title))
        return {"note": note, "title": title}

    @action
    async def add_slowly(self, title: str) -> Added:
        """Like a model call: a second of waiting, then the write."""
        await asyncio.sleep(1.0)
        note = uuid.uuid4().hex
        self.db.execute("INSERT INTO notes (note, title) VALUES (?, ?)", (note, title))
        return {"note": note, "title": title}

    @action
    def titles(self, request: str) -> Listed:
        rows = self.db.all("SELECT title FROM notes ORDER BY title")
        return {"titles": [r["title"] for r in rows]}

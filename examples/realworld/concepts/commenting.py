"""Commenting: comments by authors on opaque targets."""

from __future__ import annotations

import datetime as dt

from typing_extensions import TypedDict

from accord import Concept, Error, action, query


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Commented(TypedDict):
    comment: int


class Cleared(TypedDict):
    target: str


class CommentRow(TypedDict):
    comment: int
    target: str
    author: str
    body: str
    created_at: str
    updated_at: str


_COLUMNS = "comment, target, author, body, created_at, updated_at"


class Commenting(Concept):
    """Comments, numbered in the order they were written."""

    schema = (
        """CREATE TABLE IF NOT EXISTS commenting_comments (
            comment INTEGER PRIMARY KEY AUTOINCREMENT,
            target TEXT NOT NULL,
            author TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS commenting_by_target ON commenting_comments(target)",
    )

    @action
    def create(self, target: str, author: str, body: str) -> Commented | Error:
        """Write a comment; its number is the output."""
        if not body.strip():
            return {"error": "body can't be blank"}
        now = _now()
        row = self.db.one(
            "INSERT INTO commenting_comments (target, author, body, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING comment",
            (target, author, body, now, now),
        )
        assert row is not None
        return {"comment": int(row["comment"])}

    @action
    def delete(self, comment: int) -> Commented | Error:
        """Remove a comment."""
        if not self.db.execute("DELETE FROM commenting_comments WHERE comment = ?", (comment,)):
            return {"error": "comment not found"}
        return {"comment": comment}

    @action
    def clear(self, target: str) -> Cleared:
        """Remove every comment on a target."""
        self.db.execute("DELETE FROM commenting_comments WHERE target = ?", (target,))
        return {"target": target}

    @query(cached=True)
    def get(self, comment: int) -> list[CommentRow]:
        """The comment with this number (zero or one row)."""
        sql = f"SELECT {_COLUMNS} FROM commenting_comments WHERE comment = ?"
        return self.db.all(sql, (comment,))  # type: ignore[return-value]

    @query(cached=True)
    def of(self, target: str) -> list[CommentRow]:
        """The comments on a target, newest first."""
        sql = f"SELECT {_COLUMNS} FROM commenting_comments WHERE target = ? ORDER BY comment DESC"
        return self.db.all(sql, (target,))  # type: ignore[return-value]

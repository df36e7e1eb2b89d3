"""Tickets two versions later: a priority column, then a title normalized by a Python step."""

from typing_extensions import TypedDict

from accord import App, Concept, action, migration, query
from accord.state import Db


class Opened(TypedDict):
    ticket: str


class TicketRow(TypedDict):
    ticket: str
    title: str
    priority: int


def _trim_titles(db: Db) -> None:
    for row in db.all("SELECT ticket, title FROM tickets"):
        db.execute(
            "UPDATE tickets SET title = ? WHERE ticket = ?", (row["title"].strip(), row["ticket"])
        )


class Tickets(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS tickets (ticket TEXT PRIMARY KEY, title TEXT NOT NULL, "
        "body TEXT NOT NULL, status TEXT NOT NULL, opened_at REAL NOT NULL, "
        "priority INTEGER NOT NULL DEFAULT 3)",
        "CREATE INDEX IF NOT EXISTS tickets_priority ON tickets(priority)",
    )
    migrations = (
        migration(1, "ALTER TABLE tickets ADD COLUMN priority INTEGER NOT NULL DEFAULT 3"),
        migration(2, _trim_titles, description="trim titles"),
    )

    @action
    def open(self, ticket: str, title: str, body: str, priority: int = 3) -> Opened:
        self.db.execute(
            "INSERT INTO tickets VALUES (?, ?, ?, 'open', 0, ?)", (ticket, title, body, priority)
        )
        return {"ticket": ticket}

    @query
    def all(self) -> list[TicketRow]:
        return self.db.all(  # type: ignore[return-value]
            "SELECT ticket, title, priority FROM tickets ORDER BY ticket"
        )


app = App([Tickets()])

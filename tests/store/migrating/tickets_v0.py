"""Tickets as first released: five columns, no migrations."""

from typing_extensions import TypedDict

from accord import App, Concept, action


class Opened(TypedDict):
    ticket: str


class Tickets(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS tickets (ticket TEXT PRIMARY KEY, title TEXT NOT NULL, "
        "body TEXT NOT NULL, status TEXT NOT NULL, opened_at REAL NOT NULL)",
    )

    @action
    def open(self, ticket: str, title: str, body: str) -> Opened:
        self.db.execute("INSERT INTO tickets VALUES (?, ?, ?, 'open', 0)", (ticket, title, body))
        return {"ticket": ticket}


app = App([Tickets()])

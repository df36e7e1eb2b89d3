"""Inbox: messages arrive (the root action of every intake flow) and may be dropped."""

from __future__ import annotations

from pydantic import AwareDatetime
from typing_extensions import TypedDict

from accord import Concept, Error, action, error, query

__all__ = ["Dropped", "Inbox", "MessageRow", "Received"]


class Received(TypedDict):
    message: str
    text: str  # the message as a model reads it: From, Subject, body
    received_on: str  # the local calendar date of arrival (YYYY-MM-DD)


class Dropped(TypedDict):
    dropped: str
    reason: str


class MessageRow(TypedDict):
    message: str
    sender: str
    subject: str
    body: str
    received_at: str
    status: str  # received | dropped
    reason: str | None


def render(sender: str, subject: str, body: str) -> str:
    """The text of a message as it is shown to a model."""
    return f"From: {sender}\nSubject: {subject}\n\n{body.strip()}"


class Inbox(Concept):
    """Customer messages, each received once (by id) and possibly dropped with a reason."""

    schema = (
        """CREATE TABLE IF NOT EXISTS inbox_messages (
            message TEXT PRIMARY KEY,
            sender TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            received_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'received',
            reason TEXT
        )""",
    )

    @action
    def receive(
        self, message: str, sender: str, subject: str, body: str, received_at: AwareDatetime
    ) -> Received | Error:
        """A message arrives. A second arrival of the same id is refused (``duplicate``)."""
        if self.db.one("SELECT 1 FROM inbox_messages WHERE message = ?", (message,)):
            return error("duplicate", f"message {message!r} was already received")
        self.db.execute(
            "INSERT INTO inbox_messages (message, sender, subject, body, received_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (message, sender, subject, body, received_at.isoformat()),
        )
        return {
            "message": message,
            "text": render(sender, subject, body),
            "received_on": received_at.date().isoformat(),
        }

    @action
    def drop(self, message: str, reason: str) -> Dropped | Error:
        """Drop a message that will not become a customer record, recording why."""
        changed = self.db.execute(
            "UPDATE inbox_messages SET status = 'dropped', reason = ? WHERE message = ?",
            (reason, message),
        )
        if changed == 0:
            return error("not_found", f"no message {message!r} in the inbox")
        return {"dropped": message, "reason": reason}

    @query
    def get(self, message: str) -> list[MessageRow]:
        """One message (zero or one row)."""
        return [
            _row(r)
            for r in self.db.all("SELECT * FROM inbox_messages WHERE message = ?", (message,))
        ]


def _row(row: dict[str, object]) -> MessageRow:
    return MessageRow(
        message=str(row["message"]),
        sender=str(row["sender"]),
        subject=str(row["subject"]),
        body=str(row["body"]),
        received_at=str(row["received_at"]),
        status=str(row["status"]),
        reason=None if row["reason"] is None else str(row["reason"]),
    )

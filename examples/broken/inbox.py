"""Inbox: messages arriving from outside (a clean concept)."""

from __future__ import annotations

from typing_extensions import TypedDict

from accord import Concept, action, query


class Received(TypedDict):
    message: str


class Message(TypedDict):
    message: str
    sender: str


class Inbox(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS inbox_messages (message TEXT PRIMARY KEY, sender TEXT)",)

    @action
    def receive(self, message: str, sender: str = "") -> Received:
        self.db.execute("INSERT INTO inbox_messages VALUES (?, ?)", (message, sender))
        return {"message": message}

    @query
    def by_sender(self, sender: str) -> list[Message]:
        rows = self.db.all("SELECT message, sender FROM inbox_messages WHERE sender = ?", (sender,))
        return [{"message": r["message"], "sender": r["sender"]} for r in rows]

"""A concept whose SQL only SQLite runs, one construct per line (for tests/checks)."""

from typing_extensions import TypedDict

from accord import Concept, action

NEWEST = "SELECT entry FROM ledger_entries ORDER BY rowid DESC LIMIT 1"


class Entry(TypedDict):
    entry: int


class Ledger(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS ledger_entries "
        "(entry INTEGER PRIMARY KEY, who TEXT COLLATE NOCASE, body TEXT)",
    )

    @action
    def add(self, who: str, body: str) -> Entry:
        self.db.execute(
            "INSERT OR REPLACE INTO ledger_entries (who, body) VALUES (?, ?)", (who, body)
        )
        row = self.db.one("SELECT last_insert_rowid() AS entry")
        self.db.one(NEWEST)
        marks = "?"
        self.db.all(f"SELECT json_group_array(body) FROM ledger_entries WHERE who IN ({marks})")
        self.db.all("SELECT body FROM ledger_entries WHERE body = 'rowid::text'")  # a value
        return {"entry": 0 if row is None else int(row["entry"])}


class Journal(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS journal_lines (line SERIAL PRIMARY KEY, body TEXT)",)

    @action
    def write(self, body: str) -> Entry:
        row = self.db.one(
            "INSERT INTO journal_lines (body) VALUES (%s) RETURNING line::text AS entry", (body,)
        )
        self.db.all("SELECT line FROM journal_lines WHERE body ILIKE $1", (body,))
        return {"entry": 0 if row is None else int(row["entry"])}

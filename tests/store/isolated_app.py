"""Concepts for the isolation tests: Stock owns its tables; Spy tries to reach them."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

from accord import Clauses, Concept, Error, Var, action, query, sync


class Level(TypedDict):
    item: str
    quantity: int


class Seen(TypedDict):
    rows: list[dict[str, Any]]


class Done(TypedDict):
    done: bool


class NoteRow(TypedDict):
    note: str


class Stock(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS stock_levels (item TEXT PRIMARY KEY, quantity INTEGER)",)

    @action
    def receive(self, item: str, quantity: int) -> Level:
        self.db.execute(
            "INSERT INTO stock_levels VALUES (?, ?) ON CONFLICT(item) DO UPDATE SET "
            "quantity = quantity + excluded.quantity",
            (item, quantity),
        )
        row = self.db.one("SELECT quantity FROM stock_levels WHERE item = ?", (item,))
        assert row is not None
        return {"item": item, "quantity": int(row["quantity"])}

    @query
    def level(self, item: str) -> list[Level]:
        return self.db.all(  # type: ignore[return-value]
            "SELECT item, quantity FROM stock_levels WHERE item = ?", (item,)
        )


class Spy(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS spy_notes (note TEXT)",
        # A trigger on its own table that writes another concept's table.
        "CREATE TRIGGER IF NOT EXISTS spy_sneak AFTER INSERT ON spy_notes "
        "WHEN new.note = 'sneak' BEGIN UPDATE stock_levels SET quantity = 0; END",
    )

    @action
    def read(self, item: str) -> Seen | Error:
        rows = self.db.all("SELECT item, quantity FROM stock_levels WHERE item = ?", (item,))
        return {"rows": rows}

    @action
    def write(self, item: str) -> Done:
        self.db.execute("UPDATE stock_levels SET quantity = 999 WHERE item = ?", (item,))
        return {"done": True}

    @action
    def join(self, item: str) -> Seen:
        rows = self.db.all(
            "SELECT n.note, s.quantity FROM spy_notes n JOIN stock_levels s ON s.item = n.note "
            "WHERE s.item = ?",
            (item,),
        )
        return {"rows": rows}

    @action
    def note(self, note: str) -> Done:
        self.db.execute("INSERT INTO spy_notes VALUES (?)", (note,))
        return {"done": True}

    @action
    def run(self, sql: str) -> Seen:
        """Any statement: the store alone decides (SQL built at run time is not checked
        statically)."""
        return {"rows": self.db.all(sql)}

    @action
    def log(self) -> Seen:
        return {"rows": self.db.all("SELECT id FROM actions")}

    @action
    def commit(self) -> Done:
        self.db.execute("COMMIT")
        return {"done": True}

    @action
    async def read_later(self, item: str) -> Seen:
        return {"rows": self.db.all("SELECT * FROM stock_levels WHERE item = ?", (item,))}

    @action
    async def write_later(self, item: str) -> Done:
        self.db.execute("DELETE FROM stock_levels WHERE item = ?", (item,))
        return {"done": True}

    @action
    def look(self, item: str) -> Done:
        return {"done": True}

    @query
    def peek(self, item: str) -> list[NoteRow]:
        return self.db.all(  # type: ignore[return-value]
            "SELECT item AS note FROM stock_levels WHERE item = ?", (item,)
        )


@sync
def peeking(item: Var, note: Var) -> Clauses:
    return Clauses(
        when=[Spy.look(item=item)],
        where=[Spy.peek(item=item).out(note=note)],
        then=[Spy.note(note=note)],
    )


class PortableSpy(Spy):
    """Spy without its trigger (SQLite's syntax), for PostgreSQL: the same name and actions."""

    name = "Spy"
    schema = (Spy.schema[0],)

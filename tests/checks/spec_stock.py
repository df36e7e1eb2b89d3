"""A Stock concept for the spec tests (its spec is in the test, edited per case)."""

from __future__ import annotations

from typing_extensions import TypedDict

from accord import Concept, Error, action, error, query


class Level(TypedDict):
    item: str
    quantity: int


class Moved(TypedDict):
    item: str
    quantity: int
    left: int


class Stock(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS stock_levels (item TEXT PRIMARY KEY, quantity INTEGER)",)

    @action
    def receive(self, item: str, quantity: int) -> Level:
        self.db.execute(
            "INSERT INTO stock_levels VALUES (?, ?) ON CONFLICT(item) DO UPDATE SET "
            "quantity = quantity + excluded.quantity",
            (item, quantity),
        )
        return {"item": item, "quantity": quantity}

    @action
    def take(self, item: str, quantity: int) -> Moved | Error:
        row = self.db.one("SELECT quantity FROM stock_levels WHERE item = ?", (item,))
        have = 0 if row is None else int(row["quantity"])
        if have < quantity:
            return error("insufficient", f"{have} left")
        self.db.execute(
            "UPDATE stock_levels SET quantity = quantity - ? WHERE item = ?", (quantity, item)
        )
        return {"item": item, "quantity": quantity, "left": have - quantity}

    @query
    def level(self, item: str) -> list[Level]:
        return self.db.all(  # type: ignore[return-value]
            "SELECT item, quantity FROM stock_levels WHERE item = ?", (item,)
        )

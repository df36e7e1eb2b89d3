from typing_extensions import TypedDict

from accord import Concept, action

TAKE = "UPDATE stock_levels SET quantity = quantity - 1 " + "WHERE item = ?"


class Placed(TypedDict):
    order: str


class Orders(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS orders_placed (id TEXT PRIMARY KEY, item TEXT)",)

    @action
    def place(self, order: str, item: str) -> Placed:
        have = self.db.one(
            "SELECT o.id FROM orders_placed o JOIN stock_levels s ON s.item = o.item"
        )
        self.db.execute(TAKE, (item,))
        self.db.execute("INSERT INTO orders_placed VALUES (?, ?)", (order, item))
        self.db.all(f"SELECT * FROM {item}")  # built at run time: not visible statically
        return {"order": order if have is None else f"{order} (joined)"}

from typing_extensions import TypedDict

from accord import Concept, action

LEVEL_SQL = "SELECT quantity FROM stock_levels WHERE item = ?"


class Level(TypedDict):
    quantity: int


class Stock(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS stock_levels (item TEXT PRIMARY KEY, quantity INTEGER)",)

    @action
    def receive(self, item: str, quantity: int) -> Level:
        self.db.execute("INSERT INTO stock_levels VALUES (?, ?)", (item, quantity))
        row = self.db.one(LEVEL_SQL, (item,))
        return {"quantity": 0 if row is None else int(row["quantity"])}

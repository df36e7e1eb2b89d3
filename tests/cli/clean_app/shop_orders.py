"""Orders: placing orders."""

from __future__ import annotations

from shop_types import Placed

from accord import Concept, action


class Orders(Concept):
    @action
    def place(self, order: str, total: int) -> Placed:
        return {"order": order, "total": total}

"""A small app for ``accord generate sync``: orders, billing and mail, one sync between them."""

from __future__ import annotations

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Error, Var, action, error, sync


class Placed(TypedDict):
    order: str
    amount: int


class Charged(TypedDict):
    charge: str


class Sent(TypedDict):
    to: str


class Orders(Concept):
    @action
    def place(self, order: str, amount: int) -> Placed:
        return {"order": order, "amount": amount}


class Billing(Concept):
    @action
    def charge(self, order: str, amount: int) -> Charged | Error:
        if amount <= 0:
            return error("invalid_amount", f"cannot charge {amount}")
        return {"charge": f"ch-{order}"}


class Mail(Concept):
    @action
    def send(self, to: str, text: str) -> Sent:
        return {"to": to}


@sync
def ChargeOnPlace(order: Var, amount: Var) -> Clauses:
    return Clauses(
        when=[Orders.place().out(order=order, amount=amount)],
        then=[Billing.charge(order=order, amount=amount)],
    )


app = App([Orders(), Billing(), Mail()], [ChargeOnPlace])

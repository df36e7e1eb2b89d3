"""The Python-notation sync of the clean app."""

from __future__ import annotations

from shop_billing import Billing
from shop_orders import Orders

from accord import Clauses, Var, sync, where


@sync
def charge_order(order: Var, total: Var) -> Clauses:
    return Clauses(
        when=[Orders.place(order=order).out(total=total)],
        where=[where(lambda t: t > 0, total)],
        then=[Billing.charge(ref=order, amount=total)],
    )

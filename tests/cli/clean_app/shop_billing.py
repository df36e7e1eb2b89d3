"""Billing: charging for things, knowing nothing of orders but their ids."""

from __future__ import annotations

from typing_extensions import TypedDict

from accord import Concept, Error, action


class Charged(TypedDict):
    charge: str


class Billing(Concept):
    @action
    def charge(self, ref: str, amount: int) -> Charged | Error:
        return {"charge": f"charge-{ref}"}

    @action
    def refund(self, charge: str) -> Charged:
        return {"charge": charge}

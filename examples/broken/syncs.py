"""Broken syncs in the Python notation (each comment names what `accord check` reports)."""

from __future__ import annotations

from customers import Customers
from extracting import Extracting
from inbox import Inbox

from accord import Clauses, Var, bind, sync, uuid


@sync
def extract_message(m: Var) -> Clauses:
    # fine
    return Clauses(when=[Inbox.receive(message=m).out()], then=[Extracting.extract(ref=m)])


@sync
def store_customer(m: Var, record: Var, customer: Var) -> Clauses:
    # unknown input 'custmer' (did you mean 'customer'?)
    return Clauses(
        when=[
            Inbox.receive(message=m).out(),
            Extracting.extract(ref=m).out(output=record),
        ],
        where=[bind(customer, uuid)],
        then=[Customers.add(custmer=customer, record=record)],
    )


@sync
def never_fires(m: Var, e: Var, out: Var, note: Var) -> Clauses:
    # output keys of two cases (error + output): can never fire; ?note is never bound
    return Clauses(
        when=[Extracting.extract(ref=m).out(error=e, output=out)],
        then=[Customers.add(customer=m, record=note)],
    )

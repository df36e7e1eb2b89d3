"""Deterministic mode: the same inputs give the same records, ``uuid()`` values included."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, bind, query, sync, uuid

from .support import Entry, entries, running, stored_rows


class Placed(TypedDict):
    order: str


class Added(TypedDict):
    customer: str


class LineRow(TypedDict):
    line: int


class Orders(Concept):
    @action
    def place(self, order: str) -> Placed:
        return {"order": order}

    @query
    def lines(self, order: str) -> list[LineRow]:
        return [{"line": n} for n in range(len(order))]


class Customers(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS customers (customer TEXT, line INTEGER)",)

    @action
    async def add(self, customer: str, line: int) -> Added:
        await asyncio.sleep(random.random() / 1000)  # timing must not change the order
        self.db.execute("INSERT INTO customers VALUES (?, ?)", (customer, line))
        return {"customer": customer}


@sync
def store_customer(order: Var, line: Var, customer: Var) -> Clauses:
    return Clauses(
        when=[Orders.place().out(order=order)],
        where=[Orders.lines(order=order).out(line=line), bind(customer, lambda: uuid())],
        then=[Customers.add(customer=customer, line=line)],
    )


async def _run(db: Path, seed: int) -> list[Entry]:
    app = App([Orders(), Customers()], [store_customer])
    async with running(app, db, deterministic=True, seed=seed) as engine:
        roots = await asyncio.gather(*(engine.invoke(Orders.place, order=o) for o in "abc"))
        roots.append(await engine.invoke(Orders.place, order="dd"))
        await engine.idle()
        return [e for root in roots for e in entries(engine.records(root.flow))]


async def test_two_deterministic_runs_give_identical_records(tmp_path: Path) -> None:
    first = await _run(tmp_path / "one.db", seed=7)
    second = await _run(tmp_path / "two.db", seed=7)
    assert first == second
    customers = [e[2]["customer"] for e in first if e[1] == "Customers/add"]
    assert len(customers) == 5 and len(set(customers)) == 5
    assert all(len(c) == 32 and int(c, 16) >= 0 for c in customers)
    assert [(e[0], e[1], e[4], e[5]) for e in first] == [
        (1, "Orders/place", None, ()),
        (4, "Customers/add", "store_customer", (1,)),
        (2, "Orders/place", None, ()),
        (5, "Customers/add", "store_customer", (2,)),
        (3, "Orders/place", None, ()),
        (6, "Customers/add", "store_customer", (3,)),
        (7, "Orders/place", None, ()),
        (8, "Customers/add", "store_customer", (7,)),
        (9, "Customers/add", "store_customer", (7,)),
    ]


async def test_another_seed_gives_other_uuids_and_the_same_shape(tmp_path: Path) -> None:
    first = await _run(tmp_path / "one.db", seed=7)
    other = await _run(tmp_path / "two.db", seed=8)

    def without_uuid(log: list[Entry]) -> list[object]:
        return [(e[0], e[1], e[2].get("line"), e[4], e[5]) for e in log]

    assert without_uuid(first) == without_uuid(other)
    assert {e[2].get("customer") for e in first}.isdisjoint(
        {e[2]["customer"] for e in other if "customer" in e[2]}
    )


async def test_uuids_do_not_repeat_after_a_deterministic_restart(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    app = App([Orders(), Customers()], [store_customer])
    for order in ("ab", "cd"):  # two engines, one after the other, on the same file
        async with running(app, db, deterministic=True, seed=7) as engine:
            await engine.invoke(Orders.place, order=order)
            await engine.idle()
    customers = [c for (c,) in stored_rows(db, "SELECT customer FROM customers")]
    assert len(customers) == 4
    assert len(set(customers)) == 4, "uuid() handed out the same values again after a restart"


class Ids(TypedDict):
    id: str


class Minter(Concept):
    @action
    def mint(self, n: int) -> Ids:
        return {"id": uuid()}

    @action
    async def mint_later(self, n: int) -> Ids:
        await asyncio.sleep(0)
        return {"id": uuid()}


async def test_uuid_called_inside_actions_is_deterministic_and_fresh_after_restart(
    tmp_path: Path,
) -> None:
    async def minted(db: Path) -> list[str]:
        async with running(App([Minter()], []), db, deterministic=True, seed=3) as engine:
            for n in range(2):
                await engine.invoke(Minter.mint, n=n)
                await engine.invoke(Minter.mint_later, n=n)
            await engine.idle()
        return [out for (out,) in stored_rows(db, "SELECT output FROM actions ORDER BY id")]

    first = await minted(tmp_path / "one.db")
    assert first == await minted(tmp_path / "two.db")
    assert len(set(first)) == 4
    again = await minted(tmp_path / "one.db")  # a second engine on the first file
    assert len(again) == 8 and len(set(again)) == 8

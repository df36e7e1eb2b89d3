"""A five-way join waits for all five completions; a cascading delete fans out through a tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, query, sync

from .support import entries, running, stored_rows


class Arrived(TypedDict):
    part: int


class Built(TypedDict):
    order: str


class Parts(Concept):
    @action
    def arrive(self, order: str, part: int) -> Arrived:
        return {"part": part}

    @action
    def build(self, order: str) -> Built:
        return {"order": order}


@sync
def assemble(order: Var) -> Clauses:
    return Clauses(
        when=[Parts.arrive(order=order, part=n) for n in range(1, 6)],
        then=[Parts.build(order=order)],
    )


# With a flow cache of one, every flow is evicted between batches and reloaded from the store.
@pytest.mark.parametrize("flow_cache", [10_000, 1])
async def test_a_five_way_join_waits_for_all_five_completions(
    tmp_path: Path, flow_cache: int
) -> None:
    app = App([Parts()], [assemble])
    async with running(app, tmp_path / "app.db", deterministic=True, flow_cache=flow_cache) as e:
        first = await e.invoke(Parts.arrive, order="o", part=3)
        flow = first.flow
        await e.idle()
        # A sixth arrival in another flow must not help: joins stay inside one flow.
        other = await e.invoke(Parts.arrive, order="o", part=1)
        await e.idle()
        for part in (1, 5, 2):
            await e.invoke(Parts.arrive, flow=flow, order="o", part=part)
            await e.idle()
            assert [r.name for r in e.records(flow)].count("Parts/build") == 0
            assert e.waiting_syncs(flow) == ["assemble"]
        await e.invoke(Parts.arrive, flow=flow, order="o", part=4)
        await e.idle()
        assert entries(e.records(flow)) == [
            (1, "Parts/arrive", {"order": "o", "part": 3}, {"part": 3}, None, ()),
            (3, "Parts/arrive", {"order": "o", "part": 1}, {"part": 1}, None, ()),
            (4, "Parts/arrive", {"order": "o", "part": 5}, {"part": 5}, None, ()),
            (5, "Parts/arrive", {"order": "o", "part": 2}, {"part": 2}, None, ()),
            (6, "Parts/arrive", {"order": "o", "part": 4}, {"part": 4}, None, ()),
            # causes in pattern order: parts 1..5
            (7, "Parts/build", {"order": "o"}, {"order": "o"}, "assemble", (3, 5, 1, 6, 4)),
        ]
        assert entries(e.records(other.flow)) == [
            (2, "Parts/arrive", {"order": "o", "part": 1}, {"part": 1}, None, ()),
        ]
        assert e.waiting_syncs(flow) == []


class Deleted(TypedDict):
    node: str


class ChildRow(TypedDict):
    node: str


class Nodes(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS nodes (node TEXT PRIMARY KEY, parent TEXT)",)

    def setup(self) -> None:
        tree = [("r", None), ("a", "r"), ("b", "r"), ("a1", "a"), ("a2", "a"), ("a3", "a")]
        self.db.executemany("INSERT OR IGNORE INTO nodes VALUES (?, ?)", [*tree, ("b1", "b")])

    @action
    def delete(self, node: str) -> Deleted:
        self.db.execute("DELETE FROM nodes WHERE node = ?", (node,))
        return {"node": node}

    @query
    def children(self, parent: str) -> list[ChildRow]:
        return self.db.all(  # type: ignore[return-value]
            "SELECT node FROM nodes WHERE parent = ? ORDER BY node", (parent,)
        )


@sync
def cascade(node: Var, child: Var) -> Clauses:
    return Clauses(
        when=[Nodes.delete(node=node).out(node=node)],
        where=[Nodes.children(parent=node).out(node=child)],
        then=[Nodes.delete(node=child)],
    )


async def test_one_delete_cascades_to_every_descendant(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    async with running(App([Nodes()], [cascade]), db, deterministic=True) as engine:
        root = await engine.invoke(Nodes.delete, node="r")
        await engine.idle()
        assert entries(engine.records(root.flow)) == [
            (1, "Nodes/delete", {"node": "r"}, {"node": "r"}, None, ()),
            (2, "Nodes/delete", {"node": "a"}, {"node": "a"}, "cascade", (1,)),
            (3, "Nodes/delete", {"node": "b"}, {"node": "b"}, "cascade", (1,)),
            (4, "Nodes/delete", {"node": "a1"}, {"node": "a1"}, "cascade", (2,)),
            (5, "Nodes/delete", {"node": "a2"}, {"node": "a2"}, "cascade", (2,)),
            (6, "Nodes/delete", {"node": "a3"}, {"node": "a3"}, "cascade", (2,)),
            (7, "Nodes/delete", {"node": "b1"}, {"node": "b1"}, "cascade", (3,)),
        ]
    assert stored_rows(db, "SELECT * FROM nodes") == []

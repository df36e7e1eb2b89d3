"""A click increments a counter exactly once; a threshold sync fires only when its filter holds."""

from __future__ import annotations

from pathlib import Path

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, query, sync, where

from .support import entries, running, stored_rows


class Clicked(TypedDict):
    button: str


class Count(TypedDict):
    count: int


class CounterRow(TypedDict):
    name: str
    count: int


class Rang(TypedDict):
    name: str


class Button(Concept):
    @action
    def click(self, button: str) -> Clicked:
        return {"button": button}


class Counter(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, count INTEGER)",)

    @action
    def increment(self, name: str) -> Count:
        self.db.execute(
            "INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET count = count + 1",
            (name,),
        )
        row = self.db.one("SELECT count FROM counters WHERE name = ?", (name,))
        assert row is not None
        return {"count": row["count"]}

    @query
    def by_name(self, name: str) -> list[CounterRow]:
        return self.db.all("SELECT name, count FROM counters WHERE name = ?", (name,))  # type: ignore[return-value]


class Alarm(Concept):
    @action
    def ring(self, name: str) -> Rang:
        return {"name": name}


@sync
def click_increments(button: Var) -> Clauses:
    return Clauses(when=[Button.click(button=button)], then=[Counter.increment(name=button)])


@sync
def threshold(name: Var, count: Var) -> Clauses:
    return Clauses(
        when=[Counter.increment(name=name).out(count=count)],
        where=[where(lambda c: c >= 3, count)],
        then=[Alarm.ring(name=name)],
    )


def app() -> App:
    return App([Button(), Counter(), Alarm()], [click_increments, threshold])


async def test_a_click_increments_the_counter_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    async with running(app(), db, deterministic=True) as engine:
        root = await engine.invoke(Button.click, button="b")
        await engine.idle()
        assert entries(engine.records(root.flow)) == [
            (1, "Button/click", {"button": "b"}, {"button": "b"}, None, ()),
            (2, "Counter/increment", {"name": "b"}, {"count": 1}, "click_increments", (1,)),
        ]
        assert engine.query(Counter.by_name, name="b") == [{"name": "b", "count": 1}]
    assert stored_rows(db, "SELECT sync, key, flow FROM firings ORDER BY key") == [
        ("click_increments", "1", 1),
        ("threshold", "2", 1),  # evaluated; its filter dropped the frame
    ]
    assert stored_rows(db, "SELECT * FROM counters") == [("b", 1)]


async def test_threshold_fires_only_in_the_flows_where_its_filter_holds(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    async with running(app(), db, deterministic=True) as engine:
        flows = []
        for _ in range(4):
            root = await engine.invoke(Button.click, button="b")
            await engine.idle()
            flows.append(root.flow)
        logs = [entries(engine.records(flow)) for flow in flows]
    assert logs[0] == [
        (1, "Button/click", {"button": "b"}, {"button": "b"}, None, ()),
        (2, "Counter/increment", {"name": "b"}, {"count": 1}, "click_increments", (1,)),
    ]
    assert logs[1] == [
        (3, "Button/click", {"button": "b"}, {"button": "b"}, None, ()),
        (4, "Counter/increment", {"name": "b"}, {"count": 2}, "click_increments", (3,)),
    ]
    assert logs[2] == [
        (5, "Button/click", {"button": "b"}, {"button": "b"}, None, ()),
        (6, "Counter/increment", {"name": "b"}, {"count": 3}, "click_increments", (5,)),
        (7, "Alarm/ring", {"name": "b"}, {"name": "b"}, "threshold", (6,)),
    ]
    assert logs[3] == [
        (8, "Button/click", {"button": "b"}, {"button": "b"}, None, ()),
        (9, "Counter/increment", {"name": "b"}, {"count": 4}, "click_increments", (8,)),
        (10, "Alarm/ring", {"name": "b"}, {"name": "b"}, "threshold", (9,)),
    ]
    # A filtered-out frame still counts as evaluated: the firing is recorded, nothing invoked.
    fired = "SELECT sync, key FROM firings WHERE sync = 'threshold' ORDER BY key"
    assert stored_rows(db, fired) == [
        ("threshold", "2"),
        ("threshold", "4"),
        ("threshold", "6"),
        ("threshold", "9"),
    ]

"""``@query(cached=True)``: results reused until the next action of the same concept."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any, ClassVar

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, collect, query, sync
from accord.engine._query_cache import QueryCache

from .support import running


class Counted(TypedDict):
    n: int


class Named(TypedDict):
    name: str


class Seen(TypedDict):
    names: list[str]


class Shelf(Concept):
    """A set of names; counts how often each query really ran."""

    schema = ("CREATE TABLE IF NOT EXISTS shelf (name TEXT PRIMARY KEY)",)
    ran: ClassVar[dict[str, int]] = {}

    @action
    def put(self, name: str) -> Named:
        self.db.execute("INSERT OR IGNORE INTO shelf VALUES (?)", (name,))
        return {"name": name}

    @action
    async def put_later(self, name: str) -> Named:
        await asyncio.sleep(0)
        self.db.execute("INSERT OR IGNORE INTO shelf VALUES (?)", (name,))
        return {"name": name}

    @query(cached=True)
    def names(self, prefix: str) -> list[Named]:
        Shelf.ran["names"] = Shelf.ran.get("names", 0) + 1
        return self.db.all(  # type: ignore[return-value]
            "SELECT name FROM shelf WHERE name LIKE ? || '%' ORDER BY name", (prefix,)
        )

    @query
    def count(self, prefix: str) -> list[Counted]:
        Shelf.ran["count"] = Shelf.ran.get("count", 0) + 1
        return self.db.all(  # type: ignore[return-value]
            "SELECT COUNT(*) AS n FROM shelf WHERE name LIKE ? || '%'", (prefix,)
        )


class Desk(Concept):
    @action
    def look(self, prefix: Any) -> Named:
        return {"name": str(prefix)}

    @action
    def saw(self, names: list[str], n: int) -> Seen:
        return {"names": names}

    @action
    def touch(self) -> Named:
        return {"name": "desk"}


@sync
def report(prefix: Var, rows: Var, n: Var) -> Clauses:
    return Clauses(
        when=[Desk.look(prefix=prefix)],
        where=[collect(Shelf.names(prefix=prefix), into=rows), Shelf.count(prefix=prefix).out(n=n)],
        then=[Desk.saw(names=rows, n=n)],
    )


APP = App([Shelf(), Desk()], [report])


async def _look(engine: Any, prefix: Any) -> tuple[list[str], int]:
    root = await engine.invoke(Desk.look, prefix=prefix)
    await engine.idle()
    saw = [r for r in engine.records(root.flow) if r.action == "saw"]
    assert len(saw) == 1, engine.records(root.flow)
    return [row["name"] for row in saw[0].input["names"]], saw[0].input["n"]


async def test_a_cached_query_runs_once_until_its_concept_acts(tmp_path: Path) -> None:
    Shelf.ran = {}
    async with running(APP, tmp_path / "app.db") as engine:
        await engine.invoke(Shelf.put, name="apple")
        await engine.idle()
        assert await _look(engine, "a") == (["apple"], 1)
        assert await _look(engine, "a") == (["apple"], 1)
        assert Shelf.ran == {"names": 1, "count": 2}  # the uncached query ran each time

        # Other inputs are another entry.
        assert await _look(engine, "b") == ([], 0)
        assert Shelf.ran["names"] == 2

        # An action of another concept changes nothing of Shelf's: still cached.
        await engine.invoke(Desk.touch)
        await engine.idle()
        assert await _look(engine, "a") == (["apple"], 1)
        assert Shelf.ran["names"] == 2

        # An action of Shelf may have changed its state: the next call reads it again.
        await engine.invoke(Shelf.put, name="avocado")
        await engine.idle()
        assert await _look(engine, "a") == (["apple", "avocado"], 2)
        assert Shelf.ran["names"] == 3


async def test_writes_of_an_async_action_invalidate_when_they_are_applied(tmp_path: Path) -> None:
    Shelf.ran = {}
    async with running(APP, tmp_path / "app.db") as engine:
        assert await _look(engine, "a") == ([], 0)
        await engine.invoke(Shelf.put_later, name="apricot")
        await engine.idle()
        assert await _look(engine, "a") == (["apricot"], 1)
        assert Shelf.ran["names"] == 2


async def test_a_restart_starts_with_nothing_cached(tmp_path: Path) -> None:
    Shelf.ran = {}
    db = tmp_path / "app.db"
    engine_app = App([Shelf(), Desk()], [report])
    async with running(engine_app, db) as engine:
        assert await _look(engine, "a") == ([], 0)
    # Written behind the stopped engine's back (a migration, say): seen after a restart.
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO shelf VALUES ('almond')")
    async with running(engine_app, db) as engine:
        assert await _look(engine, "a") == (["almond"], 1)


def test_inputs_without_a_json_form_are_not_cached() -> None:
    assert QueryCache.key("names", {"prefix": object()}) is None
    assert QueryCache.key("names", {"prefix": "a"}) == ("names", b'{"prefix":"a"}')
    # True and 1 are equal in Python but different inputs.
    assert QueryCache.key("q", {"x": True}) != QueryCache.key("q", {"x": 1})


def test_the_cache_is_bounded_per_concept() -> None:
    cache = QueryCache(max_entries=2)
    for i in range(3):
        key = QueryCache.key("q", {"i": i})
        assert key is not None
        cache.put("Shelf", key, [{"i": i}])
    cache.put("Desk", ("q", b"{}"), [])
    third = QueryCache.key("q", {"i": 2})
    assert third is not None and cache.get("Shelf", third) == [{"i": 2}]
    assert cache.get("Shelf", ("q", b'{"i":0}')) is None  # dropped when the bound was hit
    assert cache.get("Desk", ("q", b"{}")) == []

"""Errors are data: error completions match patterns, exceptions become ``internal`` errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Error, Var, action, error, query, sync, where
from accord.engine import Engine, EngineError
from accord.store import SqliteStore

from .support import entries, running, stored_rows


class Done(TypedDict):
    ok: str


class Noted(TypedDict):
    what: str


class Written(TypedDict):
    key: str


class KeyRow(TypedDict):
    key: str


class Risky(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY)",)

    @action
    def attempt(self, mode: str) -> Done | Error:
        if mode == "ok":
            return {"ok": mode}
        return error(mode, f"failed with {mode}")

    @action
    def write(self, key: str) -> Written:
        self.db.execute("INSERT INTO kv VALUES (?)", (key,))
        return {"key": key}

    @action
    def explode(self, key: str) -> Written:
        self.db.execute("INSERT INTO kv VALUES (?)", (f"{key}-partial",))
        raise RuntimeError("boom")

    @action
    async def write_later(self, key: str, fail: bool = False) -> Written:
        self.db.execute("INSERT INTO kv VALUES (?)", (key,))
        # Buffered: not visible to reads until the completion commits.
        assert self.db.one("SELECT key FROM kv WHERE key = ?", (key,)) is None
        if fail:
            raise ValueError("async boom")
        return {"key": key}

    @action
    def count(self, count: int) -> Written:
        return {"key": str(count)}

    @query
    def keys(self, key: str) -> list[KeyRow]:
        return self.db.all("SELECT key FROM kv WHERE key = ?", (key,))  # type: ignore[return-value]


class Out(Concept):
    @action
    def note(self, what: str, value: Any = None) -> Noted:
        return {"what": what}


@sync
def on_error(problem: Var) -> Clauses:
    return Clauses(
        when=[Risky.attempt().err(problem)], then=[Out.note(what="error", value=problem)]
    )


@sync
def on_any(mode: Var) -> Clauses:
    return Clauses(when=[Risky.attempt(mode=mode).out()], then=[Out.note(what="any", value=mode)])


@sync
def on_kind_x() -> Clauses:
    return Clauses(when=[Risky.attempt().err({"kind": "x"})], then=[Out.note(what="kind x")])


async def test_error_completions_match_error_empty_and_nested_patterns(tmp_path: Path) -> None:
    app = App([Risky(), Out()], [on_error, on_any, on_kind_x])
    async with running(app, tmp_path / "app.db", deterministic=True) as engine:
        flows = []
        for mode in ("x", "y", "ok"):
            root = await engine.invoke(Risky.attempt, mode=mode)
            await engine.idle()
            flows.append(entries(engine.records(root.flow)))
    x = {"kind": "x", "message": "failed with x"}
    y = {"kind": "y", "message": "failed with y"}
    assert flows[0] == [
        (1, "Risky/attempt", {"mode": "x"}, {"error": x}, None, ()),
        (2, "Out/note", {"what": "error", "value": x}, {"what": "error"}, "on_error", (1,)),
        (3, "Out/note", {"what": "any", "value": "x"}, {"what": "any"}, "on_any", (1,)),
        (4, "Out/note", {"what": "kind x"}, {"what": "kind x"}, "on_kind_x", (1,)),
    ]
    assert flows[1] == [
        (5, "Risky/attempt", {"mode": "y"}, {"error": y}, None, ()),
        (6, "Out/note", {"what": "error", "value": y}, {"what": "error"}, "on_error", (5,)),
        (7, "Out/note", {"what": "any", "value": "y"}, {"what": "any"}, "on_any", (5,)),
    ]
    assert flows[2] == [
        (8, "Risky/attempt", {"mode": "ok"}, {"ok": "ok"}, None, ()),
        (9, "Out/note", {"what": "any", "value": "ok"}, {"what": "any"}, "on_any", (8,)),
    ]


@sync
def write_and_explode(key: Var) -> Clauses:
    return Clauses(
        when=[Out.note(what="go", value=key)],
        then=[Risky.write(key=key), Risky.explode(key=key)],
    )


@sync
def recover(key: Var, message: Var) -> Clauses:
    return Clauses(
        when=[Risky.explode(key=key).err({"kind": "internal", "message": message})],
        then=[Out.note(what="recovered", value=message)],
    )


async def test_an_exception_becomes_an_internal_error_and_its_writes_roll_back(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    app = App([Risky(), Out()], [write_and_explode, recover])
    async with running(app, db, deterministic=True) as engine:
        root = await engine.invoke(Out.note, what="go", value="k")
        await engine.idle()
        records = engine.records(root.flow)
    message = "Risky/explode raised RuntimeError: boom"
    exploded = records[2].output
    assert exploded is not None
    assert set(exploded["error"]) == {"kind", "message", "details"}
    assert set(exploded["error"]["details"]) == {"traceback"}
    assert "RuntimeError: boom" in exploded["error"]["details"]["traceback"]
    assert entries(records) == [
        (1, "Out/note", {"what": "go", "value": "k"}, {"what": "go"}, None, ()),
        (2, "Risky/write", {"key": "k"}, {"key": "k"}, "write_and_explode", (1,)),
        (3, "Risky/explode", {"key": "k"}, exploded, "write_and_explode", (1,)),
        (
            4,
            "Out/note",
            {"what": "recovered", "value": message},
            {"what": "recovered"},
            "recover",
            (3,),
        ),
    ]
    assert exploded["error"]["kind"] == "internal"
    assert exploded["error"]["message"] == message
    # The sibling action of the same batch keeps its write; the failed one leaves nothing.
    assert stored_rows(db, "SELECT key FROM kv") == [("k",)]


@sync
def seen_after_write(key: Var, found: Var) -> Clauses:
    return Clauses(
        when=[Risky.write_later(key=key).out(key=key)],
        where=[Risky.keys(key=key).out(key=found)],
        then=[Out.note(what="seen", value=found)],
    )


@sync
def async_failed(key: Var) -> Clauses:
    return Clauses(
        when=[Risky.write_later(key=key).err({"kind": "internal"})],
        then=[Out.note(what="failed", value=key)],
    )


@pytest.mark.parametrize("deterministic", [True, False])
async def test_an_async_actions_buffered_writes_commit_with_its_completion(
    tmp_path: Path, deterministic: bool
) -> None:
    db = tmp_path / "app.db"
    app = App([Risky(), Out()], [seen_after_write, async_failed])
    async with running(app, db, deterministic=deterministic) as engine:
        good = await engine.invoke(Risky.write_later, key="a")
        await engine.idle()
        bad = await engine.invoke(Risky.write_later, key="b", fail=True)
        await engine.idle()
        good_log = entries(engine.records(good.flow))
        bad_log = entries(engine.records(bad.flow))
    # The sync's query, run in the completion's transaction, already sees the write.
    assert good_log == [
        (1, "Risky/write_later", {"key": "a"}, {"key": "a"}, None, ()),
        (2, "Out/note", {"what": "seen", "value": "a"}, {"what": "seen"}, "seen_after_write", (1,)),
    ]
    failure = bad_log[0][3]
    assert failure is not None
    assert failure["error"]["message"] == "Risky/write_later raised ValueError: async boom"
    assert bad_log == [
        (3, "Risky/write_later", {"key": "b", "fail": True}, failure, None, ()),
        (4, "Out/note", {"what": "failed", "value": "b"}, {"what": "failed"}, "async_failed", (3,)),
    ]
    assert stored_rows(db, "SELECT key FROM kv") == [("a",)]


async def test_invalid_root_input_raises_before_anything_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    async with running(App([Risky(), Out()], []), db, deterministic=True) as engine:
        with pytest.raises(ValidationError, match="count"):
            await engine.invoke(Risky.count, count="many")
        with pytest.raises(ValueError, match="has no input 'colour'"):
            await engine.invoke(Risky.count, count=1, colour="red")
        with pytest.raises(ValidationError, match="count"):
            await engine.invoke(Risky.count)
        assert stored_rows(db, "SELECT COUNT(*) FROM actions") == [(0,)]
        root = await engine.invoke(Risky.count, count="7")  # lax coercion is still allowed
        await engine.idle()
        assert entries(engine.records(root.flow)) == [
            (1, "Risky/count", {"count": 7}, {"key": "7"}, None, ()),
        ]


@sync
def bad_count(text: Var) -> Clauses:
    return Clauses(when=[Out.note(what="count", value=text)], then=[Risky.count(count=text)])


@sync
def bad_input_noticed(problem: Var) -> Clauses:
    return Clauses(
        when=[Risky.count().err({"kind": "invalid_input", "message": problem})],
        then=[Out.note(what="invalid", value=problem)],
    )


async def test_invalid_input_from_a_sync_is_an_invalid_input_error_completion(
    tmp_path: Path,
) -> None:
    app = App([Risky(), Out()], [bad_count, bad_input_noticed])
    async with running(app, tmp_path / "app.db", deterministic=True) as engine:
        root = await engine.invoke(Out.note, what="count", value="many")
        await engine.idle()
        records = engine.records(root.flow)
    problem = records[1].error
    assert isinstance(problem, dict)
    assert problem["kind"] == "invalid_input"
    assert problem["message"].startswith("Risky/count: count: ")
    assert entries(records) == [
        (1, "Out/note", {"what": "count", "value": "many"}, {"what": "count"}, None, ()),
        (2, "Risky/count", {"count": "many"}, {"error": problem}, "bad_count", (1,)),
        (
            3,
            "Out/note",
            {"what": "invalid", "value": problem["message"]},
            {"what": "invalid"},
            "bad_input_noticed",
            (2,),
        ),
    ]


async def test_continuing_a_flow_that_does_not_exist_raises(tmp_path: Path) -> None:
    # Otherwise the record would sit in a flow whose id a later root takes, merging two flows.
    db = tmp_path / "app.db"
    async with running(App([Risky(), Out()], []), db, deterministic=True) as engine:
        with pytest.raises(EngineError, match="no flow 5"):
            await engine.invoke(Risky.count, flow=5, count=1)
        assert stored_rows(db, "SELECT COUNT(*) FROM actions") == [(0,)]
        root = await engine.invoke(Risky.count, count=1)
        later = await engine.invoke(Risky.count, flow=root.flow, count=2)
        await engine.idle()
        assert [(r.id, r.flow) for r in engine.records(root.flow)] == [(1, 1), (2, 1)]
        assert later.flow == root.flow


@sync
def broken_where(text: Var) -> Clauses:
    return Clauses(
        when=[Out.note(what="divide", value=text)],
        where=[where(lambda t: t < 1 / 0, text)],
        then=[Out.note(what="unreachable")],
    )


@sync
def healthy_sibling(text: Var) -> Clauses:
    return Clauses(when=[Out.note(what="divide", value=text)], then=[Out.note(what="sibling")])


async def test_a_failing_where_records_a_flow_event_and_other_syncs_still_fire(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    async with running(App([Out()], [broken_where, healthy_sibling]), db, deterministic=True) as e:
        root = await e.invoke(Out.note, what="divide", value=1)
        await e.idle()
        assert entries(e.records(root.flow)) == [
            (1, "Out/note", {"what": "divide", "value": 1}, {"what": "divide"}, None, ()),
            (2, "Out/note", {"what": "sibling"}, {"what": "sibling"}, "healthy_sibling", (1,)),
        ]
        events = [(kind, detail) for _, kind, detail in e.store.flow_events(root.flow)]
        assert events == [("sync_failed", "broken_where: ZeroDivisionError: division by zero")]
    # The failed evaluation counts as the firing: a restart does not retry it forever.
    assert stored_rows(db, "SELECT sync, key FROM firings ORDER BY sync") == [
        ("broken_where", "1"),
        ("healthy_sibling", "1"),
    ]


def test_a_store_passed_as_the_database_path_is_refused_with_the_fix(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "app.db")
    with pytest.raises(TypeError, match=r"Engine\(app, store=\.\.\.\)"):
        Engine(App([Risky(), Out()], []), store)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []  # and nothing was created under a strange name

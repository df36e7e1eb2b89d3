"""State isolation at run time: a concept touches only the tables its schema creates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from accord import App, Concept
from accord.engine import Engine
from accord.ownership import IsolationError, OwnershipError
from accord.store.postgres import PostgresStore

from .isolated_app import PortableSpy, Spy, Stock, peeking

# On PostgreSQL each concept's tables are in a schema of its own, reached as a role of its own.
STORES = [
    ("sqlite", False),
    ("sqlite", True),
    ("postgres", False),
    ("postgres", True),
]


@pytest.fixture(params=STORES, ids=[f"{s}-{'det' if d else 'concurrent'}" for s, d in STORES])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Engine]:
    kind, deterministic = request.param
    if kind == "sqlite":
        engine = Engine(
            App([Stock(), Spy()], [peeking]), tmp_path / "app.db", deterministic=deterministic
        )
    else:
        url, schema = request.getfixturevalue("pg_url"), request.getfixturevalue("pg_schema")
        engine = Engine(
            App([Stock(), PortableSpy()], [peeking]),
            store=PostgresStore(url, schema=schema),
            deterministic=deterministic,
        )
    async with engine:
        root = await engine.invoke(Stock.receive, item="apple", quantity=5)
        await engine.completion(root.id, timeout=10)
        yield engine


async def _run(engine: Engine, action: Any, **inputs: Any) -> dict[str, Any]:
    root = await engine.invoke(action, **inputs)
    output = (await engine.completion(root.id, timeout=10)).output
    assert output is not None
    return output


def _failure(output: dict[str, Any]) -> str:
    error = output["error"]
    assert error["kind"] == "internal", output
    message: str = error["message"]
    return message


async def test_reading_another_concepts_table_fails_naming_both_and_the_table(
    engine: Engine,
) -> None:
    message = _failure(await _run(engine, Spy.read, item="apple"))
    assert "IsolationError" in message
    assert "Spy may not read table stock_levels: it belongs to concept Stock" in message


async def test_writing_another_concepts_table_fails_and_changes_nothing(engine: Engine) -> None:
    message = _failure(await _run(engine, Spy.write, item="apple"))
    assert "Spy may not write table stock_levels: it belongs to concept Stock" in message
    assert engine.query(Stock.level, item="apple") == [{"item": "apple", "quantity": 5}]


async def test_a_join_with_another_concepts_table_fails(engine: Engine) -> None:
    assert "Spy may not read table stock_levels" in _failure(
        await _run(engine, Spy.join, item="apple")
    )


async def test_a_trigger_of_its_own_table_cannot_reach_another_concepts(engine: Engine) -> None:
    if isinstance(engine.store, PostgresStore):
        pytest.skip("the trigger is SQLite's syntax; on PostgreSQL it runs as the table's owner")
    # The statement is judged with everything it may run, so even a harmless note is refused.
    for note in ("harmless", "sneak"):
        message = _failure(await _run(engine, Spy.note, note=note))
        assert "Spy may not write table stock_levels" in message
    assert engine.query(Stock.level, item="apple") == [{"item": "apple", "quantity": 5}]


async def test_the_engines_log_is_out_of_reach(engine: Engine) -> None:
    message = _failure(await _run(engine, Spy.log))
    assert "Spy may not read table actions: it belongs to the engine's log" in message


async def test_a_concept_cannot_end_the_engines_transaction(engine: Engine) -> None:
    message = _failure(await _run(engine, Spy.commit))
    assert "Spy may not run this statement (a transaction)" in message
    assert await _run(engine, Stock.receive, item="apple", quantity=1) == {
        "item": "apple",
        "quantity": 6,
    }


async def test_async_actions_are_isolated_for_reads_and_writes(engine: Engine) -> None:
    assert "Spy may not read table stock_levels" in _failure(
        await _run(engine, Spy.read_later, item="apple")
    )
    assert "Spy may not write table stock_levels" in _failure(
        await _run(engine, Spy.write_later, item="apple")
    )
    assert engine.query(Stock.level, item="apple") == [{"item": "apple", "quantity": 5}]


async def test_a_query_in_where_obeys_isolation_and_fails_the_flow(engine: Engine) -> None:
    root = await engine.invoke(Spy.look, item="apple")
    await engine.idle()
    records = engine.records(root.flow)
    assert [r.name for r in records] == ["Spy/look"]  # peeking gave no invocation
    events = engine.store.flow_events(root.flow)
    assert [kind for _, kind, _ in events] == ["sync_failed"]
    assert "peeking: IsolationError: Spy may not read table stock_levels" in events[0][2]


async def test_a_query_run_outside_syncs_raises(engine: Engine) -> None:
    with pytest.raises(IsolationError, match="Spy may not read table stock_levels"):
        engine.query(Spy.peek, item="apple")


async def test_the_same_sql_text_is_judged_per_concept(engine: Engine) -> None:
    # Stock runs the very text Spy.read runs: Stock's authorization must not carry over.
    assert engine.query(Stock.level, item="apple") == [{"item": "apple", "quantity": 5}]
    assert "Spy may not read table stock_levels" in _failure(
        await _run(engine, Spy.read, item="apple")
    )
    assert engine.query(Stock.level, item="apple") == [{"item": "apple", "quantity": 5}]


def test_two_concepts_declaring_one_table_are_refused(tmp_path: Path) -> None:
    class Other(Concept):
        schema = ("CREATE TABLE IF NOT EXISTS stock_levels (item TEXT)",)

    engine = Engine(App([Stock(), Other()]), tmp_path / "app.db")
    with pytest.raises(OwnershipError, match="stock_levels is declared by both Stock and Other"):
        asyncio.run(engine.start())

    async def start_again() -> None:  # the refused start released the database
        async with Engine(App([Stock()]), tmp_path / "app.db"):
            pass

    asyncio.run(start_again())


def test_a_concept_may_not_declare_an_engine_table(tmp_path: Path) -> None:
    class Sneaky(Concept):
        schema = ("CREATE TABLE IF NOT EXISTS inbox (x TEXT)",)

    with pytest.raises(OwnershipError, match="Sneaky declares table inbox"):
        asyncio.run(Engine(App([Sneaky()]), tmp_path / "app.db").start())


@pytest.fixture
async def pg_engine(pg_url: str, pg_schema: str) -> AsyncIterator[Engine]:
    store = PostgresStore(pg_url, schema=pg_schema)
    async with Engine(App([Stock(), PortableSpy()], [peeking]), store=store) as engine:
        await _run(engine, Stock.receive, item="apple", quantity=5)
        yield engine


async def test_on_postgres_each_concept_has_a_schema_and_role_of_its_own(
    pg_engine: Engine, pg_schema: str
) -> None:
    rows = await _run(
        pg_engine,
        Stock.receive,
        item="pear",
        quantity=1,
    )
    assert rows == {"item": "pear", "quantity": 1}
    store = pg_engine.store
    assert isinstance(store, PostgresStore)
    found = store.reader().all(
        "SELECT schemaname, tableowner FROM pg_tables "
        "WHERE tablename = 'stock_levels' AND starts_with(schemaname, ?)",
        (pg_schema,),
    )
    assert found == [{"schemaname": f"{pg_schema}__stock", "tableowner": f"{pg_schema}__stock"}]


async def test_on_postgres_naming_another_concepts_schema_is_refused_by_the_server(
    pg_engine: Engine, pg_schema: str
) -> None:
    for sql, verb in (
        (f"SELECT * FROM {pg_schema}__stock.stock_levels", "read"),
        (f"DELETE FROM {pg_schema}__stock.stock_levels RETURNING item", "write"),
        (
            f"SELECT n.note FROM spy_notes n JOIN {pg_schema}__stock.stock_levels s "
            "ON s.item = n.note",
            "read",
        ),
    ):
        message = _failure(await _run(pg_engine, Spy.run, sql=sql))
        assert f"Spy may not {verb} table stock_levels: it belongs to concept Stock" in message
    message = _failure(await _run(pg_engine, Spy.run, sql=f"SELECT id FROM {pg_schema}.actions"))
    assert "Spy may not read table actions: it belongs to the engine's log" in message
    assert pg_engine.query(Stock.level, item="apple") == [{"item": "apple", "quantity": 5}]


async def test_on_postgres_a_concept_cannot_take_back_the_engines_role(pg_engine: Engine) -> None:
    for sql in ("RESET ROLE", "SELECT 1; RESET ROLE", "SELECT set_config('role', 'none', true)"):
        message = _failure(await _run(pg_engine, Spy.run, sql=sql))
        assert "Spy may not run this statement" in message
    assert await _run(pg_engine, Stock.receive, item="apple", quantity=1) == {
        "item": "apple",
        "quantity": 6,
    }


async def test_on_postgres_a_typo_keeps_the_servers_own_message(pg_engine: Engine) -> None:
    message = _failure(await _run(pg_engine, Spy.run, sql="SELECT * FROM spy_nots"))
    assert 'relation "spy_nots" does not exist' in message


async def test_on_postgres_tables_of_the_old_layout_move_to_their_concepts_schema(
    pg_url: str, pg_schema: str
) -> None:
    store = PostgresStore(pg_url, schema=pg_schema)
    with store.connect() as conn:
        conn.execute("CREATE TABLE stock_levels (item TEXT PRIMARY KEY, quantity BIGINT)")
        conn.execute("INSERT INTO stock_levels VALUES ('fig', 3)")
    async with Engine(App([Stock(), PortableSpy()], [peeking]), store=store) as engine:
        assert engine.query(Stock.level, item="fig") == [{"item": "fig", "quantity": 3}]
        assert await _run(engine, Stock.receive, item="fig", quantity=1) == {
            "item": "fig",
            "quantity": 4,
        }
        assert "Spy may not read table stock_levels" in _failure(
            await _run(engine, Spy.read, item="fig")
        )

"""`accord flows`, `accord trace` and `accord why` on a real database file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Error, Var, action, error, sync
from accord.cli import app as cli
from accord.engine import Engine


class Made(TypedDict):
    order: str


class Sent(TypedDict):
    sent: bool


class Shop(Concept):
    @action
    def order(self, item: str) -> Made | Error:
        if item == "unicorn":
            return error("out_of_stock", "no unicorns left")
        if item == "bomb":
            return error("forbidden", "we do not sell that")
        return {"order": f"o-{item}"}


class Mail(Concept):
    @action
    def confirm(self, order: str) -> Sent:
        return {"sent": True}

    @action
    def apologize(self, reason: str) -> Sent:
        return {"sent": True}


@sync
def confirm_order(o: Var) -> Clauses:
    return Clauses(when=[Shop.order().out(order=o)], then=[Mail.confirm(order=o)])


@sync
def apologize_when_out_of_stock(m: Var) -> Clauses:
    return Clauses(
        when=[Shop.order().err({"kind": "out_of_stock", "message": m})],
        then=[Mail.apologize(reason=m)],
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inspect") / "shop.db"

    async def run() -> None:
        app = App([Shop(), Mail()], [confirm_order, apologize_when_out_of_stock])
        async with Engine(app, path, deterministic=True) as engine:
            for item in ("book", "unicorn", "bomb"):  # flows 1, 3 and 5
                await engine.invoke(Shop.order, item=item)
                await engine.idle()

    asyncio.run(run())
    return path


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_flows_lists_status_and_counts(db: Path) -> None:
    code, out = run_cli("flows", "--db", str(db))
    assert code == 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if "Shop/order" in line}
    assert set(rows) == {"1", "3", "5"}
    assert "done" in rows["1"]
    assert "done" in rows["3"]  # the error was routed to an apology: handled, not a failure
    assert "failed" in rows["5"]  # nothing handled the forbidden order


def test_trace_prints_the_tree_with_causing_syncs(db: Path) -> None:
    code, out = run_cli("trace", "3", "--db", str(db))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "flow 3"
    assert 'Shop/order {"item": "unicorn"} => {"error": {"kind": "out_of_stock"' in lines[1]
    assert "Mail/apologize" in lines[2] and "← apologize_when_out_of_stock" in lines[2]
    assert lines[2].index("Mail") > lines[1].index("Shop")  # nested under its cause


def test_why_walks_back_to_the_root(db: Path) -> None:
    code, out = run_cli("why", "2", "--db", str(db))
    assert code == 0
    assert out.splitlines()[0].startswith("#2 Mail/confirm")
    assert "because sync confirm_order matched:" in out
    assert "#1 Shop/order" in out
    assert "root action (external stimulus)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("trace", "99"), "no flow 99"),
        (("why", "99"), "no record #99"),
    ],
)
def test_unknown_ids_are_clear_errors(db: Path, args: tuple[str, str], message: str) -> None:
    code, out = run_cli(*args, "--db", str(db))
    assert code == 1
    assert message in out


def test_missing_database_is_named(tmp_path: Path) -> None:
    code, out = run_cli("flows", "--db", str(tmp_path / "nope.db"))
    assert code == 2
    assert "no database at" in out

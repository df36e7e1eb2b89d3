"""``accord check`` reports SQL in a concept's source that touches another concept's tables."""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from accord.checks.sql import check_state_access
from accord.cli import app as cli

APP = Path(__file__).parent / "state_app"


def _concepts() -> list[object]:
    sys.path.insert(0, str(APP))
    try:
        from orders import Orders  # type: ignore[import-not-found]
        from stock import Stock  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(APP))
    return [Stock(), Orders()]


def test_reads_joins_and_writes_of_another_concepts_table_are_reported_with_lines() -> None:
    found = check_state_access(_concepts())  # type: ignore[arg-type]
    assert [(Path(v.path).name, v.line, v.concept) for v in found] == [
        ("orders.py", 17, "Orders"),
        ("orders.py", 20, "Orders"),
    ]
    assert found[0].message == (
        "Orders may not read table stock_levels: it belongs to concept Stock; concepts never "
        "share state: read it through a query of Stock in a sync's where, or pass ids"
    )
    assert "Orders may not write table stock_levels" in found[1].message  # via a constant


def test_accord_check_fails_on_them() -> None:
    result = CliRunner().invoke(cli, ["check", str(APP)])
    assert result.exit_code == 1, result.output
    assert "orders.py:17: Orders may not read table stock_levels" in result.output
    assert "orders.py:20: Orders may not write table stock_levels" in result.output
    assert "2 errors" in result.output

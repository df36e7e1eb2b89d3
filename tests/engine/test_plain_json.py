"""Values bound in ``where`` reach ``then`` as plain JSON, the same in memory and in the log."""

from __future__ import annotations

import datetime as dt
import enum
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, bind, sync
from accord._json import dumps, plain

from .support import running


class Colour(enum.StrEnum):
    RED = "red"


class Dated(BaseModel):
    on: dt.date


WHEN = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": [1, 2.5, None, True]}, {"a": [1, 2.5, None, True]}),
        (WHEN, "2024-01-02T03:04:05Z"),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (Colour.RED, "red"),
        (Dated(on=dt.date(2024, 1, 1)), {"on": "2024-01-01"}),
        ((1, 2), [1, 2]),
        (2**70, 2**70),  # beyond 64 bits: exact, not a float
        ({1: "x"}, {"1": "x"}),
        (float("nan"), None),  # not JSON
        (float("inf"), None),
    ],
)
def test_plain_gives_json_data_and_the_text_it_reads_back_from(value: Any, expected: Any) -> None:
    data, text = plain(value)
    assert data == expected
    assert type(data) is type(expected)
    assert json.loads(text) == expected
    assert json.loads(dumps(value)) == expected


class Said(TypedDict):
    value: Any


class Talk(Concept):
    @action
    def ask(self) -> Said:
        return {"value": None}

    @action
    def tell(self, value: Any) -> Said:
        return {"value": value}


def _odd_values() -> Any:
    return {"when": WHEN, "colour": Colour.RED, "ratio": float("nan"), "big": 2**70}


@sync
def answer(v: Var) -> Clauses:
    return Clauses(when=[Talk.ask()], where=[bind(v, _odd_values)], then=[Talk.tell(value=v)])


async def test_then_inputs_are_stored_as_they_are_seen(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    expected = {"when": "2024-01-02T03:04:05Z", "colour": "red", "ratio": None, "big": 2**70}
    async with running(App([Talk()], [answer]), db) as engine:
        root = await engine.invoke(Talk.ask)
        in_memory = await engine.wait_for(root.flow, Talk.tell, timeout=10)
        assert in_memory.input == {"value": expected}
    async with running(App([Talk()], [answer]), db) as engine:
        [told] = [r for r in engine.records(root.flow) if r.action == "tell"]
        assert told.input == {"value": expected}

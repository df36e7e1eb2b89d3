"""The drift page shows each model's circuit breaker as the log's attempts imply it: the app
that made the calls runs its own breaker in memory; the console replays the recorded
attempts, so it agrees with that breaker without sharing its process memory."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from pydantic import BaseModel
from tests.web.console.conftest import login, settings
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync
from accord.concepts.extracting import Extracting
from accord.engine import Engine
from accord.llm import Budget, CircuitBreaker, FunctionModel, ModelError, Prompt, Task
from accord.llm.messages import Request
from accord.llm.models.function import AnswerFunction
from accord.web import live_server
from accord.web.console import create_console
from accord.web.console.breakers import BreakerSettings

STEADY = "test:steady"
FLAKY = "test:flaky"


class Answer(BaseModel):
    text: str


class Asked(TypedDict):
    question: str
    model: str


class Desk(Concept):
    @action
    def ask(self, question: str, model: str) -> Asked:
        return {"question": question, "model": model}


def down(_: Request) -> str:
    raise ModelError("unavailable", "down for maintenance")


def make_app(flaky_breaker: CircuitBreaker, flaky_answer: AnswerFunction = down) -> App:
    steady = FunctionModel(lambda _: '{"text": "fine"}', name=STEADY)
    flaky = FunctionModel(flaky_answer, name=FLAKY, breaker=flaky_breaker)
    tasks = [
        Task(name, output=Answer, prompt=Prompt("{q}", version="v1"), models=[model],
             budget=Budget(attempts=1))
        for name, model in (("steady", steady), ("flaky", flaky))
    ]  # fmt: skip

    @sync
    def route(q: Var, m: Var) -> Clauses:
        return Clauses(
            when=[Desk.ask().out(question=q, model=m)],
            then=[Extracting.extract(task=m, input={"q": q}, ref="r")],
        )

    return App([Desk(), Extracting(tasks)], [route])


async def drift_page(
    db: Path, breakers: dict[str, BreakerSettings] | None = None
) -> httpx.Response:
    console = create_console(settings(db, breakers=breakers))
    async with live_server(console) as base, httpx.AsyncClient(base_url=base) as client:
        await login(client)
        return await client.get("/drift")


def row_of(html: str, model: str) -> str:
    found = re.search(rf'<tr data-model="{re.escape(model)}">(.*?)</tr>', html, re.S)
    assert found, f"no breaker row for {model}"
    return found.group(1)


async def test_the_drift_page_shows_each_models_breaker_from_the_log(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    breaker = CircuitBreaker(failure_threshold=3, reset_after=3600)
    async with Engine(make_app(breaker), db, poll_interval=0.05) as engine:
        for n in range(4):  # three failures open the circuit; the fourth call is refused
            await engine.invoke(Desk.ask, question=f"q{n}", model="flaky")
            await engine.invoke(Desk.ask, question=f"q{n}", model="steady")
        await engine.idle()
    assert breaker.state == "open"  # the app's own breaker, for comparison

    thresholds = {FLAKY: BreakerSettings(failure_threshold=3, reset_after=3600)}
    page = await drift_page(db, breakers=thresholds)
    assert page.status_code == 200
    flaky = row_of(page.text, FLAKY)
    assert ">open<" in flaky
    assert "3 of 3" in flaky  # failures since the model last answered, of the threshold
    assert re.search(r"<td>1</td>", flaky)  # the fourth call, refused by the open circuit
    assert "then one probe" in flaky  # when the open circuit lets a probe through
    steady = row_of(page.text, STEADY)
    assert ">closed<" in steady
    assert "0 of 5 (opens after 5 more)" in steady  # a model the settings do not name

    # Past reset_after the same facts read as half-open: the next call probes the model.
    soon = {FLAKY: BreakerSettings(failure_threshold=3, reset_after=0.001)}
    page = await drift_page(db, breakers=soon)
    assert ">half-open<" in row_of(page.text, FLAKY)
    assert "the next call probes" in row_of(page.text, FLAKY)


async def test_an_answer_after_failures_closes_the_circuit_in_the_replay(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    calls: list[int] = []

    def recovering(_: Request) -> str:
        calls.append(1)
        if len(calls) <= 2:
            raise ModelError("timeout", "slow")
        return '{"text": "back"}'

    app = make_app(CircuitBreaker(failure_threshold=5, reset_after=60), recovering)
    async with Engine(app, db, poll_interval=0.05) as engine:
        for n in range(3):
            await engine.invoke(Desk.ask, question=f"q{n}", model="flaky")
        await engine.idle()
    page = await drift_page(db)
    flaky = row_of(page.text, FLAKY)
    assert ">closed<" in flaky
    assert "0 of 5" in flaky  # the answer reset the count


async def test_a_new_attempt_replaces_what_the_console_kept(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    outages: list[int] = []

    def sometimes(_: Request) -> str:
        if outages:
            raise ModelError("unavailable", "down")
        return '{"text": "fine"}'

    app = make_app(CircuitBreaker(failure_threshold=2, reset_after=3600), sometimes)
    thresholds = {FLAKY: BreakerSettings(failure_threshold=2, reset_after=3600)}
    console = create_console(settings(db, breakers=thresholds))
    async with (
        Engine(app, db, poll_interval=0.05) as engine,
        live_server(console) as base,
        httpx.AsyncClient(base_url=base) as client,
    ):
        await engine.invoke(Desk.ask, question="q0", model="flaky")
        await engine.idle()
        await login(client)
        assert ">closed<" in row_of((await client.get("/drift")).text, FLAKY)
        outages.append(1)
        for n in range(2):
            await engine.invoke(Desk.ask, question=f"q{n + 1}", model="flaky")
        await engine.idle()
        flaky = row_of((await client.get("/drift")).text, FLAKY)
        assert ">open<" in flaky and "2 of 2" in flaky

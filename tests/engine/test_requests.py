"""Request -> action -> response: exactly one of the success and error responses fires."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Error, Var, action, error, sync

from .support import entries, running


class Requested(TypedDict):
    request: str


class Registered(TypedDict):
    user: str


class Requesting(Concept):
    @action
    def request(self, request: str, name: str) -> Requested:
        return {"request": request}

    @action
    def respond(self, request: str, body: dict[str, Any]) -> Requested:
        return {"request": request}


class Users(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY)",)

    @action
    def register(self, name: str) -> Registered | Error:
        if self.db.one("SELECT name FROM users WHERE name = ?", (name,)) is not None:
            return error("conflict", f"{name} is taken")
        self.db.execute("INSERT INTO users VALUES (?)", (name,))
        return {"user": name}


@sync
def register(request: Var, name: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(name=name).out(request=request)],
        then=[Users.register(name=name)],
    )


@sync
def registered_response(request: Var, name: Var, user: Var) -> Clauses:
    return Clauses(
        when=[
            Requesting.request(name=name).out(request=request),
            Users.register(name=name).out(user=user),
        ],
        then=[Requesting.respond(request=request, body={"user": user})],
    )


@sync
def error_response(request: Var, name: Var, problem: Var) -> Clauses:
    return Clauses(
        when=[
            Requesting.request(name=name).out(request=request),
            Users.register(name=name).err(problem),
        ],
        then=[Requesting.respond(request=request, body={"error": problem})],
    )


def app() -> App:
    return App([Requesting(), Users()], [register, registered_response, error_response])


async def test_success_gives_the_success_response_only(tmp_path: Path) -> None:
    async with running(app(), tmp_path / "app.db", deterministic=True) as engine:
        root = await engine.invoke(Requesting.request, request="r1", name="ann")
        response = await engine.wait_for(root.flow, Requesting.respond)
        await engine.idle()
        assert entries(engine.records(root.flow)) == [
            (
                1,
                "Requesting/request",
                {"request": "r1", "name": "ann"},
                {"request": "r1"},
                None,
                (),
            ),
            (2, "Users/register", {"name": "ann"}, {"user": "ann"}, "register", (1,)),
            (
                3,
                "Requesting/respond",
                {"request": "r1", "body": {"user": "ann"}},
                {"request": "r1"},
                "registered_response",
                (1, 2),
            ),
        ]
        assert response.id == 3


async def test_error_gives_the_error_response_only(tmp_path: Path) -> None:
    async with running(app(), tmp_path / "app.db", deterministic=True) as engine:
        await engine.invoke(Requesting.request, request="r1", name="ann")
        await engine.idle()
        root = await engine.invoke(Requesting.request, request="r2", name="ann")
        await engine.idle()
        problem = {"kind": "conflict", "message": "ann is taken"}
        assert entries(engine.records(root.flow)) == [
            (
                4,
                "Requesting/request",
                {"request": "r2", "name": "ann"},
                {"request": "r2"},
                None,
                (),
            ),
            (5, "Users/register", {"name": "ann"}, {"error": problem}, "register", (4,)),
            (
                6,
                "Requesting/respond",
                {"request": "r2", "body": {"error": problem}},
                {"request": "r2"},
                "error_response",
                (4, 5),
            ),
        ]
        assert engine.waiting_syncs(root.flow) == ["registered_response"]


async def test_a_checked_invoke_records_what_invoke_records(tmp_path: Path) -> None:
    async with running(app(), tmp_path / "app.db", deterministic=True) as engine:
        plain = await engine.invoke(Requesting.request, request="r1", name="ann")
        await engine.idle()
        checked = await engine.invoke_checked(Requesting.request, {"request": "r2", "name": "bob"})
        await engine.idle()
        first, second = engine.records(plain.flow), engine.records(checked.flow)
        assert [(r.name, r.sync, len(r.cause)) for r in first] == [
            (r.name, r.sync, len(r.cause)) for r in second
        ]
        assert second[0].input == {"request": "r2", "name": "bob"}
        assert second[-1].input == {"request": "r2", "body": {"user": "bob"}}


async def test_a_checked_invoke_with_a_wrong_input_fails_the_action_not_the_engine(
    tmp_path: Path,
) -> None:
    async with running(app(), tmp_path / "app.db", deterministic=True) as engine:
        root = await engine.invoke_checked(Requesting.request, {"request": "r1", "name": 7})
        await engine.idle()
        (record,) = engine.records(root.flow)
        assert record.output is not None
        assert record.output["error"]["kind"] == "invalid_input"
        assert "name" in record.output["error"]["message"]

"""The pytest plugin, used from a test project exactly as a user would."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_APP = """
from typing_extensions import TypedDict
import pytest
from accord import App, Clauses, Concept, Error, Var, action, error, query, sync

class Signed(TypedDict):
    user: str

class Welcomed(TypedDict):
    sent: bool

class Row(TypedDict):
    user: str

class Users(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY)",)

    @action
    def register(self, name: str) -> Signed | Error:
        if self.db.one("SELECT 1 FROM users WHERE name = ?", (name,)):
            return error("taken", f"{name} is taken")
        self.db.execute("INSERT INTO users VALUES (?)", (name,))
        return {"user": name}

    @query
    def named(self, name: str) -> list[Row]:
        rows = self.db.all("SELECT name FROM users WHERE name = ?", (name,))
        return [{"user": r["name"]} for r in rows]

class Mail(Concept):
    @action
    def welcome(self, user: str) -> Welcomed:
        return {"sent": True}

@sync
def welcome_new_users(u: Var) -> Clauses:
    return Clauses(when=[Users.register().out(user=u)], then=[Mail.welcome(user=u)])

@pytest.fixture
def accord_app() -> App:
    return App([Users(), Mail()], [welcome_new_users])
"""


def project(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(USER_APP)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )


def test_user_project_passes_with_flow_assertions(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        """
        from conftest import Users, Mail
        from accord.testing import principle

        async def test_registration_welcomes(accord_engine, check_flow):
            root = await accord_engine.invoke(Users.register, name="ada")
            await accord_engine.idle()
            (check_flow(root.flow)
                .produced(["Users/register", "Mail/welcome"])
                .reached("Mail/welcome", sent=True)
                .not_stuck()
                .outputs_valid())

        async def test_taken_name_sends_nothing(accord_engine, check_flow):
            await accord_engine.invoke(Users.register, name="ada")
            root = await accord_engine.invoke(Users.register, name="ada")
            await accord_engine.idle()
            check_flow(root.flow).never("Mail/welcome").ended_in("Users/register")

        def test_principle():
            principle(Users(), after=[Users.register(name="x")], then=Users.named(name="x"),
                      gives=[{"user": "x"}])
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_failing_assertion_names_the_flow_and_the_missing_action(
    pytester: pytest.Pytester,
) -> None:
    project(pytester)
    pytester.makepyfile(
        """
        from conftest import Users

        async def test_expects_welcome(accord_engine, check_flow):
            await accord_engine.invoke(Users.register, name="ada")
            root = await accord_engine.invoke(Users.register, name="ada")
            await accord_engine.idle()
            check_flow(root.flow).reached("Mail/welcome")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FlowAssertionError: flow 3 never reached Mail/welcome; it ran:",
            "*#3 Users/register => error taken",
        ]
    )


def test_principle_violation_explains_what_happened(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        """
        from conftest import Users
        from accord.testing import principle

        def test_principle():
            principle(Users(), after=[Users.register(name="x"), Users.register(name="x")],
                      then=Users.register(name="x"), gives={"user": "x"})
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*PrincipleViolation: Users: Users/register*gave*taken*"])


def test_real_models_forbidden_by_default(pytester: pytest.Pytester) -> None:
    project(pytester)
    pytester.makepyfile(
        """
        import os
        import pytest

        def test_forbidden():
            assert os.environ["ACCORD_FORBID_REAL_MODELS"] == "1"

        @pytest.mark.real_models
        def test_allowed():
            assert os.environ["ACCORD_FORBID_REAL_MODELS"] == "0"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)

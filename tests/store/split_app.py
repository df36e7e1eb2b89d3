"""The workload of ``accord worker --concepts``: every flow needs two concepts.

``Desk`` takes a question and files the answer; ``Model`` answers it (a scripted model call
with a pause, and a state write). Each concept's state records which process wrote it.
"""

from __future__ import annotations

import asyncio
import os

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync


class Asked(TypedDict):
    key: str


class Answered(TypedDict):
    key: str
    answer: str


class Desk(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS desk_filed "
        "(key TEXT PRIMARY KEY, answer TEXT NOT NULL, pid INTEGER NOT NULL)",
    )

    @action
    def ask(self, key: str) -> Asked:
        return {"key": key}

    @action
    def file(self, key: str, answer: str) -> Answered:
        self.db.execute(
            "INSERT INTO desk_filed (key, answer, pid) VALUES (?, ?, ?)", (key, answer, os.getpid())
        )
        return {"key": key, "answer": answer}


class Model(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS model_calls "
        "(key TEXT PRIMARY KEY, pid INTEGER NOT NULL, attempt INTEGER NOT NULL)",
    )

    @action
    async def answer(self, key: str) -> Answered:
        await asyncio.sleep(float(os.environ.get("ACCORD_TEST_MODEL_DELAY", "0.05")))
        self.db.execute(
            "INSERT INTO model_calls (key, pid, attempt) VALUES (?, ?, ?)",
            (key, os.getpid(), self.invocation.attempt),
        )
        return {"key": key, "answer": key.upper()}

    @action
    def check(self, key: str, answer: str) -> Answered:
        """A synchronous action run for another worker's flow."""
        if answer != key.upper():
            raise ValueError(f"wrong answer {answer!r}")
        return {"key": key, "answer": answer}


@sync
def to_model(key: Var) -> Clauses:
    return Clauses(when=[Desk.ask().out(key=key)], then=[Model.answer(key=key)])


@sync
def to_check(key: Var, answer: Var) -> Clauses:
    return Clauses(
        when=[Model.answer().out(key=key, answer=answer)],
        then=[Model.check(key=key, answer=answer)],
    )


@sync
def to_desk(key: Var, answer: Var) -> Clauses:
    return Clauses(
        when=[Model.check().out(key=key, answer=answer)],
        then=[Desk.file(key=key, answer=answer)],
    )


def build() -> App:
    return App(concepts=[Desk(), Model()], syncs=[to_model, to_check, to_desk])


app = build()

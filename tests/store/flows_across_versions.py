"""One app in two versions: version 2 removes two syncs and adds two."""

from __future__ import annotations

import asyncio

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync


class Job(TypedDict):
    job: str


class Jobs(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS jobs_done (job TEXT, step TEXT)",)

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.gate = gate

    def _did(self, job: str, step: str) -> Job:
        self.db.execute("INSERT INTO jobs_done VALUES (?, ?)", (job, step))
        return {"job": job}

    @action
    def submit(self, job: str) -> Job:
        return self._did(job, "submit")

    @action
    async def wait(self, job: str) -> Job:
        if self.gate is not None:
            await self.gate.wait()  # version 1 never opens it: the flow is in flight at stop
        return self._did(job, "wait")

    @action
    def old_followup(self, job: str) -> Job:
        return self._did(job, "old_followup")

    @action
    def new_followup(self, job: str) -> Job:
        return self._did(job, "new_followup")

    @action
    def replayed(self, job: str) -> Job:
        return self._did(job, "replayed")


@sync
def kick(job: Var) -> Clauses:
    return Clauses(when=[Jobs.submit(job=job)], then=[Jobs.wait(job=job)])


@sync
def after_wait(job: Var) -> Clauses:
    return Clauses(when=[Jobs.wait(job=job)], then=[Jobs.old_followup(job=job)])


@sync
def after_wait_v2(job: Var) -> Clauses:
    return Clauses(when=[Jobs.wait(job=job)], then=[Jobs.new_followup(job=job)])


@sync
def on_submit_v2(job: Var) -> Clauses:
    return Clauses(when=[Jobs.submit(job=job)], then=[Jobs.replayed(job=job)])


def version1(gate: asyncio.Event | None = None) -> App:
    return App([Jobs(gate)], [kick, after_wait])


def version2() -> App:
    return App([Jobs()], [after_wait_v2, on_submit_v2])


v2 = version2()

"""Log retention on a real database: `accord log compact` shrinks old finished flows, leaves
unfinished flows and open review items alone, and trace, why, flows, drift and recovery still
work on the compacted log."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner
from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync
from accord.cli import app as cli
from accord.concepts.extracting import Extracting
from accord.concepts.reviewing import Reviewing
from accord.engine import Engine
from accord.llm import Budget, FunctionModel, Prompt, Request, Task
from accord.store.retention import LogFileError, compact_log, compact_value, parse_age
from accord.store.sqlite import SqliteStore

BIG = "lorem ipsum " * 2_000  # 24,000 characters


class Customer(BaseModel):
    full_name: str
    notes: str = ""


class Listed(TypedDict):
    comments: list[dict[str, Any]]


class Received(TypedDict):
    message: str


class Queued(TypedDict):
    queued: str


class Waited(TypedDict):
    done: bool


class Catalog(Concept):
    @action
    def comments(self, count: int) -> Listed:
        """A bulky HTTP-like body: a long list of small records."""
        return {"comments": [{"id": i, "body": f"comment number {i}"} for i in range(count)]}


class Inbox(Concept):
    @action
    def receive(self, message: str, text: str) -> Received:
        return {"message": message}


class Triage(Concept):
    @action
    def manual(self, ref: str, reason: str) -> Queued:
        return {"queued": ref}


class Desk(Concept):
    @action
    def escalate(self, subject: str, text: str) -> Received:
        return {"message": subject}


class Slow(Concept):
    def __init__(self, finishes: bool) -> None:
        self.finishes = finishes

    @action
    async def wait(self, text: str) -> Waited:
        if not self.finishes:
            await asyncio.Event().wait()  # until the engine stops and cancels it
        return {"done": True}


@sync
def extract_received(message: Var, text: Var) -> Clauses:
    return Clauses(
        when=[Inbox.receive(message=message, text=text)],
        then=[Extracting.extract(task="customer", input={"text": text}, ref=message)],
    )


@sync
def triage_invalid_output(message: Var, why: Var) -> Clauses:
    return Clauses(
        when=[
            Inbox.receive(message=message),
            Extracting.extract(ref=message).err({"kind": "invalid_output", "message": why}),
        ],
        then=[Triage.manual(ref=message, reason=why)],
    )


@sync
def review_escalated(subject: Var, text: Var) -> Clauses:
    return Clauses(
        when=[Desk.escalate(subject=subject, text=text)],
        then=[Reviewing.request(subject=subject, payload={"text": text}, reason="escalated")],
    )


def answer(request: Request) -> str:
    prompt = next(m.content for m in request.messages if m.content.startswith("Who wrote?"))
    if "invalid" in prompt:
        return json.dumps({"notes": "no name here " + BIG})
    name = prompt.split("\n", 1)[1][:20]
    return json.dumps({"full_name": name, "notes": BIG if "long" in prompt else ""})


def make_app(*, finishes: bool = False) -> App:
    task = Task(
        "customer",
        output=Customer,
        prompt=Prompt("Who wrote?\n{text}", version="v1"),
        models=[FunctionModel(answer)],
        budget=Budget(attempts=2),
    )
    return App(
        concepts=[
            Catalog(),
            Inbox(),
            Extracting([task]),
            Triage(),
            Desk(),
            Reviewing(),
            Slow(finishes),
        ],
        syncs=[extract_received, triage_invalid_output, review_escalated],
    )


async def build(db: Path) -> dict[str, int]:
    """One flow of each kind; returns their flow ids by name."""
    flows: dict[str, int] = {}
    async with Engine(make_app(), db=str(db), deterministic=True) as engine:
        flows["http"] = (await engine.invoke(Catalog.comments, count=3_000)).flow
        flows["long"] = (await engine.invoke(Inbox.receive, message="m1", text="long Ada")).flow
        flows["bad"] = (await engine.invoke(Inbox.receive, message="m2", text="invalid")).flow
        for i in range(6):
            await engine.invoke(Inbox.receive, message=f"s{i}", text=f"Person {i}")
        flows["review"] = (await engine.invoke(Desk.escalate, subject="r1", text=BIG)).flow
        flows["small"] = (await engine.invoke(Inbox.receive, message="m3", text="Bo")).flow
        await engine.idle()
    async with Engine(make_app(), db=str(db)) as engine:  # an action that never completes
        flows["pending"] = (await engine.invoke(Slow.wait, text=BIG)).flow
    return flows


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    db = tmp_path_factory.mktemp("log") / "app.db"
    flows = asyncio.run(build(db))
    return db, flows


@pytest.fixture
def copy(built: tuple[Path, dict[str, int]], tmp_path: Path) -> tuple[Path, dict[str, int]]:
    db, flows = built
    target = tmp_path / "app.db"
    with sqlite3.connect(db) as source, sqlite3.connect(target) as dest:
        source.backup(dest)
    return target, flows


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def rows(db: Path, flow: int) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM actions WHERE flow = ? ORDER BY id", (flow,)).fetchall()


def body_sizes(db: Path, flow: int) -> list[int]:
    with sqlite3.connect(db) as conn:
        found = conn.execute(
            "SELECT length(CAST(input AS BLOB)), length(CAST(COALESCE(output, '') AS BLOB)) "
            "FROM actions WHERE flow = ?",
            (flow,),
        ).fetchall()
    return [size for pair in found for size in pair]


def file_size(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


def summaries(db: Path) -> dict[int, tuple[Any, ...]]:
    store = SqliteStore(db)
    store.open()
    try:
        return {f.flow: (f.root, f.actions, f.pending, f.errors, f.status) for f in store.flows()}
    finally:
        store.close()


def test_compact_shrinks_old_finished_flows_and_keeps_what_the_tools_read(
    copy: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    db, flows = copy
    code, _ = run_cli("drift", "baseline", "--db", str(db), "--name", "before")
    assert code == 0
    untouched = {name: rows(db, flows[name]) for name in ("review", "pending", "small")}
    statuses = summaries(db)
    size_before = file_size(db)
    dropped = sum(sum(body_sizes(db, flows[name])) for name in ("http", "long", "bad"))
    assert dropped > 150_000

    code, out = run_cli("log", "compact", "--db", str(db), "--older-than", "0s")

    assert code == 0, out
    assert "compacted 3 records and 3 LLM answers in 3 finished flows" in out
    assert "left alone: 1 unfinished flow, 1 flow with an open review item" in out
    for name in ("http", "long", "bad"):
        assert max(body_sizes(db, flows[name])) <= 4_096
    for name, before in untouched.items():
        assert rows(db, flows[name]) == before
    # The vacuum gives the space back: the file shrinks by most of what was dropped.
    assert file_size(db) < size_before - 0.7 * dropped
    assert summaries(db) == statuses  # flows, status and error counts read the same

    with sqlite3.connect(db) as conn:
        listed = json.loads(
            conn.execute("SELECT output FROM actions WHERE id = ?", (flows["http"],)).fetchone()[0]
        )
        (error_text,) = conn.execute(
            "SELECT output FROM actions WHERE flow = ? AND action = 'extract'", (flows["bad"],)
        ).fetchone()
        notes = conn.execute(
            "SELECT record_id, input_bytes, input_kept, output_bytes, output_kept "
            "FROM log_compactions ORDER BY record_id"
        ).fetchall()
        raws = [r for (r,) in conn.execute("SELECT raw FROM llm_attempts WHERE length(raw) > 400")]
    assert listed["comments"][:2] == [
        {"id": 0, "body": "comment number 0"},
        {"id": 1, "body": "comment number 1"},
    ]
    assert listed["comments"][-1] == "…[compacted: 2,980 more items of 3,000]"
    error = json.loads(error_text)["error"]
    assert error["kind"] == "invalid_output"
    assert error["message"].startswith("test:function: the answer did not validate")
    attempts = error["details"]["attempts"]
    assert [(a["model"], a["outcome"], a["input_tokens"] is None) for a in attempts] == [
        ("test:function", "invalid_output", True)
    ] * 2
    assert all(a["latency_ms"] >= 0 and "raw_chars" in a for a in attempts)
    answer_chars = len(json.dumps({"notes": "no name here " + BIG}))
    stored = 16_384 + len(f"…[truncated: {answer_chars:,} chars, kept the first 16,384]")
    assert error["details"]["raw"].endswith(f"…[compacted: {stored:,} chars, kept the first 256]")
    assert len(notes) == 3 and all(before > kept for _, _, _, before, kept in notes)
    assert raws == []

    for name in ("http", "long", "bad", "review", "pending"):
        code, out = run_cli("trace", str(flows[name]), "--db", str(db))
        assert code == 0 and out.startswith(f"flow {flows[name]}"), out
    triage = rows(db, flows["bad"])[-1][0]
    code, out = run_cli("why", str(triage), "--db", str(db))
    assert code == 0 and "triage_invalid_output" in out and "Inbox/receive" in out
    code, out = run_cli("drift", "baseline", "--db", str(db), "--name", "after")
    assert code == 0, out
    code, out = run_cli("drift", "check", "--db", str(db), "--baseline", "before")
    assert code == 0, out

    code, out = run_cli("log", "compact", "--db", str(db), "--older-than", "0s")
    assert code == 0 and "compacted 0 records and 0 LLM answers in 0 finished flows" in out


async def test_the_engine_resumes_an_unfinished_flow_after_compaction(
    copy: tuple[Path, dict[str, int]],
) -> None:
    db, flows = copy
    report = compact_log(db, older_than=0)
    assert report.records == 3 and report.skipped_unfinished == 1
    async with Engine(make_app(finishes=True), db=str(db)) as engine:
        await engine.idle()
        done = engine.records(flows["pending"])
        again = await engine.invoke(Inbox.receive, message="m9", text="long Cy")
        await engine.idle()
        after = engine.records(again.flow)
    assert done[0].output == {"done": True}
    assert after[-1].output is not None and after[-1].output["output"]["full_name"] == "long Cy"


async def test_compaction_runs_while_the_app_writes(copy: tuple[Path, dict[str, int]]) -> None:
    db, _ = copy
    async with Engine(make_app(), db=str(db)) as engine:
        report, root = await asyncio.gather(
            asyncio.to_thread(compact_log, db, older_than=0),
            engine.invoke(Catalog.comments, count=10),
        )
        await engine.completion(root.id, timeout=60)
        done = engine.records(root.flow)
    assert report.records >= 3 and report.vacuumed
    assert done[0].output is not None and len(done[0].output["comments"]) == 10


def test_dry_run_reports_and_changes_nothing(copy: tuple[Path, dict[str, int]]) -> None:
    db, flows = copy
    before = {f: rows(db, f) for f in flows.values()}
    code, out = run_cli("log", "compact", "--db", str(db), "--older-than", "0s", "--dry-run")
    assert code == 0
    assert "would compact 3 records and 3 LLM answers in 3 finished flows" in out
    assert {f: rows(db, f) for f in flows.values()} == before


def test_recent_flows_are_not_compacted(copy: tuple[Path, dict[str, int]]) -> None:
    db, flows = copy
    before = rows(db, flows["http"])
    report = compact_log(db, older_than=timedelta(days=30))
    assert (report.flows, report.records) == (0, 0)
    assert rows(db, flows["http"]) == before
    later = compact_log(db, older_than=timedelta(days=30), now=time.time() + 31 * 86400)
    assert later.flows == 3


def test_the_threshold_decides_which_bodies_are_bulky(copy: tuple[Path, dict[str, int]]) -> None:
    db, flows = copy
    report = compact_log(db, older_than=0, threshold=30_000)
    # Only the 3,000 comments pass 30 KB; the 24 KB answers stay whole.
    assert (report.flows, report.records, report.attempts) == (1, 1, 0)
    assert max(body_sizes(db, flows["http"])) <= 30_000
    assert max(body_sizes(db, flows["long"])) > 24_000


def bad_path(kind: str, where: Path) -> Path:
    """A --db path that is not an accord database, of the given kind."""
    if kind == "directory":
        return where
    path = where / "file.db"
    if kind == "text-file":
        path.write_text("hello " * 100)
    elif kind == "no-log":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (x)")
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "no database at"),
        ("directory", "is not a file"),
        ("text-file", "is not an SQLite database"),
        ("no-log", "has no action log"),
    ],
)
def test_a_bad_db_path_is_a_one_line_error(tmp_path: Path, kind: str, message: str) -> None:
    path = bad_path(kind, tmp_path)
    code, out = run_cli("log", "compact", "--db", str(path), "--older-than", "30d")
    assert code == 2
    assert out.startswith("error: ") and message in out and out.count("\n") == 1, out
    with pytest.raises(LogFileError, match=message):
        compact_log(path, older_than=0)


def test_a_bad_age_is_a_one_line_error(copy: tuple[Path, dict[str, int]]) -> None:
    db, _ = copy
    code, out = run_cli("log", "compact", "--db", str(db), "--older-than", "30 days")
    assert code == 2 and out.count("\n") == 1
    assert "invalid age '30 days': write a number and a unit, e.g. 30d" in out


def test_parse_age_reads_units() -> None:
    assert parse_age("30d") == timedelta(days=30)
    assert parse_age("1.5h") == timedelta(minutes=90)
    assert parse_age("2W") == timedelta(weeks=2)
    with pytest.raises(ValueError, match="invalid age"):
        parse_age("-3d")


def test_compact_value_keeps_the_shape_and_the_error_kind() -> None:
    value = {"error": {"kind": "timeout", "message": "m" * 10_000, "details": {"x": [1] * 999}}}
    small = compact_value(value, 4_096)
    assert small["error"]["kind"] == "timeout"
    assert small["error"]["message"].endswith("…[compacted: 10,000 chars, kept the first 256]")
    assert small["error"]["details"]["x"][-1] == "…[compacted: 979 more items of 999]"
    wide = {"output": {f"k{i}": "v" * 100 for i in range(500)}}
    assert len(json.dumps(compact_value(wide, 1_000))) <= 1_000
    nested = {"error": {"kind": "internal", "message": "boom", "details": [[["x" * 50] * 20] * 20]}}
    last = compact_value(nested, 200)
    assert last["error"]["kind"] == "internal" and last["error"]["message"] == "boom"
    assert last["error"]["details"].startswith("…[compacted: ")

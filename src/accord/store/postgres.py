"""The shared store: the action log and concept state in PostgreSQL, for many engines at once.

Every engine on the database is a *worker* with an id of its own, alive exactly while its
writer connection holds a session advisory lock on that id (PostgreSQL frees it when the
session ends: a process killed, a connection lost). A flow is *claimed* by one worker at a time
(a ``flow_claims`` row): only the owner advances it, and every batch checks, in its own
transaction, that it still owns each flow it touches. Flows whose owner is dead are taken over
by :meth:`PostgresStore.adopt` with ``FOR UPDATE SKIP LOCKED``, so two workers never take the
same flow. Posted stimuli go through the ``inbox`` table and wake workers with ``NOTIFY``.

Durability is PostgreSQL's: a batch is durable when its ``COMMIT`` returns (with the server's
``synchronous_commit`` on, its default), before anything it caused runs. See docs/scaling.md.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import TransactionStatus
from pydantic_core import to_json

from accord.ownership import Ownership
from accord.records import Record
from accord.state import Db, Params, Row
from accord.store import _pgscope
from accord.store._log import COLUMNS, LogReader, log_row, record_from_row
from accord.store._pgahead import AheadDb, all_rows, first_row, mergeable, retry
from accord.store._pgsql import ddl, translate
from accord.store.base import is_postgres_url

__all__ = ["CHANNEL", "ClaimLost", "PostgresDb", "PostgresStore"]

CHANNEL = "accord_inbox"
ID_BLOCK = 1000  # ids a worker takes from the shared sequence at once
_MERGE_ROWS = 1000  # one-row INSERTs sent as one statement at most
_STREAM_EVERY = 200  # completions between two sends of final rows, in pipeline mode
_MAX_PARAMS = 65535  # parameters of one statement, at most (the protocol's limit)

LOG_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS actions (
        id BIGINT PRIMARY KEY,
        flow BIGINT NOT NULL,
        concept TEXT NOT NULL,
        action TEXT NOT NULL,
        input TEXT NOT NULL,
        output TEXT,
        sync TEXT,
        cause TEXT NOT NULL DEFAULT '[]',
        attempt INTEGER NOT NULL DEFAULT 1,
        invoked_at DOUBLE PRECISION NOT NULL,
        completed_at DOUBLE PRECISION
    )""",
    "CREATE INDEX IF NOT EXISTS actions_flow ON actions(flow, id)",
    "CREATE INDEX IF NOT EXISTS actions_pending ON actions(flow, id) WHERE output IS NULL",
    "CREATE INDEX IF NOT EXISTS actions_name ON actions(concept, action, id)",
    """CREATE TABLE IF NOT EXISTS firings (
        sync TEXT NOT NULL,
        key TEXT NOT NULL,
        flow BIGINT NOT NULL,
        PRIMARY KEY (sync, key)
    )""",
    "CREATE INDEX IF NOT EXISTS firings_flow ON firings(flow)",
    """CREATE TABLE IF NOT EXISTS flow_events (
        flow BIGINT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS flow_events_flow ON flow_events(flow)",
    """CREATE TABLE IF NOT EXISTS inbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        flow BIGINT,
        concept TEXT NOT NULL,
        action TEXT NOT NULL,
        input TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    )""",
    # One row per flow: the worker that advances it. Kept while the worker lives (so a flow's
    # state cached in a worker's memory is never advanced by another), moved when it dies.
    """CREATE TABLE IF NOT EXISTS flow_claims (
        flow BIGINT PRIMARY KEY,
        owner BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS flow_claims_owner ON flow_claims(owner)",
    # `accord worker --concepts`: the concepts each worker runs the actions of (NULL: all), the
    # invocations a worker runs for a flow another worker holds, and their results, which the
    # flow's holder records in its own batch (see docs/scaling.md).
    """CREATE TABLE IF NOT EXISTS worker_concepts (
        worker BIGINT PRIMARY KEY,
        concepts TEXT[]
    )""",
    """CREATE TABLE IF NOT EXISTS action_claims (
        id BIGINT PRIMARY KEY,
        worker BIGINT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS action_results (
        id BIGINT PRIMARY KEY,
        flow BIGINT NOT NULL,
        output TEXT NOT NULL,
        writes TEXT NOT NULL
    )""",
    f"CREATE SEQUENCE IF NOT EXISTS accord_ids INCREMENT BY {ID_BLOCK}",
    "CREATE SEQUENCE IF NOT EXISTS accord_workers",
)

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class ClaimLost(RuntimeError):
    """A batch touched a flow another worker owns; the batch was not committed."""


def _dumps(value: Any) -> str:
    return to_json(value).decode()


class _BoolAsInt(Dumper):
    """Booleans stored as 0 and 1, as SQLite does: the same concept SQL on both."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class _PlainNumeric(Loader):
    """NUMERIC read as int or float (``SUM`` of integers is NUMERIC here, an int on SQLite)."""

    def load(self, data: Any) -> Any:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


_STATEMENT = "accord_statement"  # the savepoint around one concept statement in a batch
_SAVEPOINT = f"SAVEPOINT {_STATEMENT}".encode()
_RELEASE = f"RELEASE {_STATEMENT}".encode()
_UNDO = f"ROLLBACK TO {_STATEMENT}".encode()


class _Scope:
    """Whose scope (schema and role) a connection's transaction is in: a concept's name, ""
    for the engine's, None when unknown (after a rollback to a savepoint)."""

    __slots__ = ("current", "in_transaction")

    def __init__(self, in_transaction: bool) -> None:
        self.current: str | None = ""
        self.in_transaction = in_transaction


class PostgresDb:
    """:class:`accord.state.Db` over one psycopg connection; SQLite-style translate.

    Once the store isolates concepts, :meth:`for_concept` gives the handle a concept's
    statements go through: they run in its schema, as its role (see ``_pgscope``)."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        before: Any = None,
        *,
        scopes: _pgscope.Scopes | None = None,
        scope: _Scope | None = None,
        concept: str = "",
    ) -> None:
        self._conn = conn
        # Returns the statements to send first (a deferred savepoint), or "".
        self._before: Callable[[], str] | None = before
        self._scopes = scopes
        self._scope = scope if scope is not None else _Scope(in_transaction=False)
        self._concept = concept
        self._scoped: dict[str, PostgresDb] = {}

    schema_per_concept = True
    """A concept's tables are made in its own schema: through :meth:`for_concept`."""

    def for_concept(self, concept: str, *, migrating: bool = False) -> Db:
        """This handle as ``concept`` sees it: its schema, as its role (once isolated)."""
        if self._scopes is None:
            return self
        scoped = self._scoped.get(concept)
        if scoped is None:
            scoped = self._scoped[concept] = PostgresDb(
                self._conn, self._before, scopes=self._scopes, scope=self._scope, concept=concept
            )
        return scoped

    def around(self, db: Db) -> Db:
        """Reads through this handle, writes to ``db`` (an async action's buffered writes)."""
        return _pgscope.Around(self, db)

    def _first(self) -> str:
        """The statements to send before this handle's next one: a savepoint, a scope."""
        first = self._before() if self._before is not None else ""
        scopes, scope = self._scopes, self._scope
        if scopes is None:
            return first
        if not scope.in_transaction:  # autocommit: one implicit transaction per query
            enter = scopes.enter(self._concept) if self._concept else ""
        elif scope.current == self._concept:
            enter = ""
        else:
            enter = scopes.enter(self._concept) if self._concept else scopes.leave()
            scope.current = self._concept
        return f"{first}; {enter}" if first and enter else first or enter

    def _control(self, sql: str) -> None:
        if self._concept and self._scopes is not None:
            refused = _pgscope.refuse_control(self._concept, sql)
            if refused is not None:
                raise PermissionError(refused)

    def _refused(self, sql: str, exc: psycopg.Error) -> Exception | None:
        if self._scopes is None or not self._concept:
            return None
        return self._scopes.refusal(self._concept, sql, exc)

    def _cursor(self, sql: str, params: Params) -> psycopg.Cursor[Any]:
        self._control(sql)
        first = self._first()
        in_batch = self._before is not None
        if not first and not in_batch:
            try:
                return self._conn.execute(translate(sql), params)
            except psycopg.Error as exc:
                raise self._refused(sql, exc) or exc from None
        # In a batch, the statement goes between a savepoint of its own and its release: a
        # statement that fails is undone alone and the transaction goes on, as on SQLite; the
        # action sees the error. The action's deferred savepoint and the concept's scope go
        # first, all in one round trip (one query bound on this side: the server binds only
        # single statements). The scope is set before the statement's savepoint, so undoing
        # the statement keeps it.
        if in_batch:
            head = f"{first}; SAVEPOINT {_STATEMENT}" if first else f"SAVEPOINT {_STATEMENT}"
            text = f"{head}; {translate(sql)}; RELEASE {_STATEMENT}"
        else:
            head, text = first, f"{first}; {translate(sql)}"
        cursor = psycopg.ClientCursor(self._conn)
        try:
            cursor.execute(text, params)
        except psycopg.Error as exc:
            if in_batch:
                self._undo_statement()
            raise self._refused(sql, exc) or exc from None
        for _ in range(head.count(";") + 1):
            cursor.nextset()
        return cursor

    def _undo_statement(self) -> None:
        if self._conn.closed:
            return
        with contextlib.suppress(psycopg.Error):  # the original error is the one to report
            self._conn.execute(f"ROLLBACK TO {_STATEMENT}; RELEASE {_STATEMENT}".encode())

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._cursor(sql, params).rowcount

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self._control(sql)
        first = self._first()
        in_batch = self._before is not None
        try:
            with contextlib.ExitStack() as stack:
                if first and not self._scope.in_transaction:
                    stack.enter_context(self._conn.transaction())
                for statement in first.split("; ") if first else ():
                    self._conn.execute(statement.encode())
                if in_batch:
                    self._conn.execute(_SAVEPOINT)
                try:
                    with self._conn.cursor() as cursor:
                        cursor.executemany(translate(sql), rows)
                except psycopg.Error:
                    if in_batch:
                        self._undo_statement()
                    raise
                if in_batch:
                    self._conn.execute(_RELEASE)
        except psycopg.Error as exc:
            raise self._refused(sql, exc) or exc from None

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return first_row(self._cursor(sql, params))

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return all_rows(self._cursor(sql, params))


# The log's rows of a batch, one statement per table: the rows as one JSON array of arrays,
# which pydantic-core writes and the server reads in C (psycopg dumps arrays in Python).
_INSERT_ACTIONS = (
    "INSERT INTO actions (id, flow, concept, action, input, sync, cause, attempt, invoked_at, "
    "output, completed_at) SELECT (r->>0)::bigint, (r->>1)::bigint, r->>2, r->>3, r->>4, r->>5, "
    "r->>6, (r->>7)::integer, (r->>8)::float8, r->>9, (r->>10)::float8 "
    "FROM json_array_elements(%s::json) AS r"
)
_COMPLETE_ACTIONS = (
    "UPDATE actions a SET output = u.r->>0, completed_at = (u.r->>1)::float8 "
    "FROM json_array_elements(%s::json) AS u(r) "
    "WHERE a.id = (u.r->>2)::bigint AND a.output IS NULL"
)
_INSERT_FIRINGS = (
    "INSERT INTO firings (sync, key, flow) "
    "SELECT r->>0, r->>1, (r->>2)::bigint FROM json_array_elements(%s::json) AS r"
)
_INSERT_EVENTS = (
    "INSERT INTO flow_events (flow, at, kind, detail) "
    "SELECT (r->>0)::bigint, (r->>1)::float8, r->>2, r->>3 FROM json_array_elements(%s::json) AS r"
)


def _ids(ids: Iterable[int]) -> str:
    """Ids as a PostgreSQL array literal (psycopg's array dumper runs in Python, per element)."""
    return "{" + ",".join(map(str, ids)) + "}"


def _rows(rows: Sequence[Sequence[Any]]) -> tuple[str]:
    """Rows as the one parameter of the statements above."""
    return (to_json(rows).decode(),)


class _PgTransaction:
    def __init__(self, store: PostgresStore, conn: psycopg.Connection[Any], *, ahead: bool) -> None:
        self._store = store
        self._conn = conn
        self._scope = _Scope(in_transaction=True)
        self._invoked: dict[int, list[Any]] = {}
        self._completed: list[tuple[Any, ...]] = []
        self._fired: list[tuple[str, str, int]] = []
        self._events: list[tuple[int, float, str, str]] = []
        self._new_flows: set[int] = set()
        self._flows: set[int] = set()
        # Savepoints cost a round trip each: one is opened only when the action runs SQL, and
        # the release of the last one travels with the next one (COMMIT releases the rest).
        self._depth = 0
        self._opened: list[bool] = []
        self._release = ""
        self._done = False
        # Sent ahead (accord.store._pgahead): statements are queued in pipeline mode and
        # checked at the next sync; `_unchecked` counts those whose failure would come as a
        # surprise, `_wrote` says per action scope whether it wrote, `_doomed` why the batch
        # must run again.
        self._ahead = ahead
        self._pipeline: contextlib.AbstractContextManager[Any] | None = None
        self._unchecked = 0
        self._wrote: list[bool] = []
        self._doomed = ""
        self._queued: list[tuple[str, tuple[str, str], Params]] = []
        self._since_stream = 0
        self._claimed: psycopg.Cursor[Any] | None = None
        self._claim_flows: list[int] = []
        self.db: PostgresDb | AheadDb
        if ahead:
            self._pipeline = conn.pipeline()
            self._pipe = self._pipeline.__enter__()
            self.db = AheadDb(self, scopes=store.scopes)
        else:
            self.db = PostgresDb(conn, self._open_savepoint, scopes=store.scopes, scope=self._scope)
        try:
            conn.execute("BEGIN")
            if store.first_transaction:
                # Concepts' setup() of workers starting together: one after the other.
                store.first_transaction = False
                conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (store.lock_class,))
        except BaseException:
            self.rollback()  # nobody else will: the caller never gets this transaction
            raise

    # -- sent ahead (pipeline mode) -----------------------------------------------------------

    def _run(self, sql: Any, params: Any = None, *, many: bool = False) -> Any:
        """Send a statement; in pipeline mode, an error here is an earlier statement's."""
        try:
            if many:
                with self._conn.cursor() as cursor:
                    cursor.executemany(sql, params)
                return None
            return self._conn.execute(sql, params)
        except psycopg.Error as exc:
            if not self._ahead or self._conn.closed:
                raise
            self._doom(f"a statement sent ahead failed ({type(exc).__name__}: {exc})")
            raise retry(self._doomed) from exc

    def enter(self, concept: str) -> None:
        """Make ``concept``'s scope (its schema and role) the batch's, "" the engine's."""
        scopes = self._store.scopes
        if scopes is None or self._scope.current == concept:
            return
        if self._queued:  # the inserts kept so far run in the scope they were made in
            self._send_queued()
        switch = scopes.enter(concept) if concept else scopes.leave()
        for statement in switch.split("; "):  # pipeline mode sends one statement a query
            self._run(statement.encode())
        self._scope.current = concept

    def queue(self, sql: str, insert: tuple[str, str], params: Params) -> None:
        """Keep a one-row INSERT until the batch next needs an answer from the server."""
        if self._doomed:
            raise retry(self._doomed)
        if self._wrote:
            self._wrote = [True] * len(self._wrote)
        self._unchecked += 1
        self._queued.append((sql, insert, params))

    def _send_queued(self) -> None:
        queued, self._queued = self._queued, []
        i, n = 0, len(queued)
        while i < n:
            sql, (head, row), params = queued[i]
            j = i + 1
            if isinstance(params, Sequence) and mergeable(row):
                limit = i + min(_MERGE_ROWS, _MAX_PARAMS // max(len(params), 1))
                while j < n and j < limit and queued[j][1] == (head, row):
                    j += 1
            if j - i == 1:
                self._run(sql, params)
            else:
                values: list[Any] = []
                for _, _, p in queued[i:j]:
                    values.extend(p)
                self._run(f"{head}{','.join([row] * (j - i))}", values)
            i = j

    def send(self, sql: str, params: Params, *, write: bool = True) -> psycopg.Cursor[Any]:
        """Send one statement after those kept; its outcome is known at the next sync."""
        if self._doomed:
            raise retry(self._doomed)
        if write and self._wrote:
            self._wrote = [True] * len(self._wrote)
        if self._queued:
            self._send_queued()
        # In a savepoint of its own, in the same round trip: if it fails, it alone is undone
        # and the batch goes on, as on SQLite (see sync).
        self._run(_SAVEPOINT)
        cursor: psycopg.Cursor[Any] = self._run(sql, params)
        self._run(_RELEASE)
        return cursor

    def send_many(self, sql: str, rows: Sequence[Params]) -> None:
        if self._doomed:
            raise retry(self._doomed)
        if self._wrote:
            self._wrote = [True] * len(self._wrote)
        if self._queued:
            self._send_queued()
        self._unchecked += 1
        self._run(sql, rows, many=True)

    def sync(self) -> None:
        """Send what is kept and queued, and wait for every outcome."""
        if self._queued:
            self._send_queued()
        try:
            self._pipe.sync()
        except psycopg.Error as exc:
            if self._unchecked or isinstance(exc, psycopg.OperationalError):
                self._doom(f"a statement sent ahead failed ({type(exc).__name__}: {exc})")
                raise retry(self._doomed) from exc
            # The statement that was waited for failed, as it would have on its own: it is
            # undone alone (its savepoint) and its caller sees the error.
            self._run(_UNDO)
            self._run(_RELEASE)
            raise
        finally:
            self._unchecked = 0

    def _doom(self, reason: str) -> None:
        if not self._doomed:
            self._doomed = reason
            self._store.strict_next = True

    def _open_savepoint(self) -> str:
        """The savepoints to open before the action's first statement (sent with it)."""
        first = []
        for level, opened in enumerate(self._opened):
            if not opened:
                first.append(f"SAVEPOINT s{level + 1}")
                self._opened[level] = True
        if not first:
            return ""
        release, self._release = self._release, ""
        return release + "; ".join(first)

    def _flush(self) -> None:
        if self._release:
            self._conn.execute(self._release.encode())
            self._release = ""

    def savepoint(self) -> None:
        self._depth += 1
        if self._ahead:
            self._wrote.append(False)
            return
        self._opened.append(False)

    def release(self) -> None:
        self._depth -= 1
        if self._ahead:
            self._wrote.pop()
            return
        if self._opened.pop():
            self._flush()
            self._release = f"RELEASE s{self._depth + 1}; "

    def rollback_to(self) -> None:
        self._depth -= 1
        if self._ahead:
            if self._wrote.pop():  # no savepoint to go back to: run the batch again, strictly
                self._doom("an action failed after writing state")
                raise retry(self._doomed)
            return
        if self._opened.pop():
            self._flush()
            level = self._depth + 1
            self._conn.execute(f"ROLLBACK TO s{level}; RELEASE s{level}".encode())
            self._scope.current = None  # back to the savepoint's scope, whichever it was

    def invoked(self, r: Record, input_json: str | None = None) -> None:
        if r.id == r.flow:
            self._new_flows.add(r.flow)
        else:
            self._flows.add(r.flow)
        self._invoked[r.id] = log_row(r, _dumps(r.input) if input_json is None else input_json)

    def completed(self, r: Record, output_json: str | None = None) -> None:
        output = _dumps(r.output) if output_json is None else output_json
        self._flows.add(r.flow)
        row = self._invoked.get(r.id)
        if row is None:
            self._completed.append((output, r.completed_at, r.id))
        else:
            row[9:] = output, r.completed_at
        if self._ahead:
            self._since_stream += 1
            if self._since_stream >= _STREAM_EVERY:
                self._stream()

    def _stream(self) -> None:
        """Send what is final so far (the server writes it while the batch goes on): kept
        inserts, completed invocations, completions, firings, events. Flows are checked and
        the rest written at ``write``."""
        self._since_stream = 0
        if self._queued:
            self._send_queued()
        done = [rid for rid, row in self._invoked.items() if row[9] is not None]
        rows = [self._invoked.pop(rid) for rid in done]
        self._unchecked += 1
        self._write_rows(rows)

    def fired(self, sync: str, key: str, flow: int) -> None:
        self._flows.add(flow)
        self._fired.append((sync, key, flow))

    def event(self, flow: int, kind: str, detail: str) -> None:
        self._flows.add(flow)
        self._events.append((flow, time.time(), kind, detail))

    def _as_engine(self) -> None:
        """Leave the last concept's scope: the log's statements follow."""
        if self._ahead:
            self.enter("")
            return
        scopes = self._store.scopes
        if scopes is not None and self._scope.current != "":
            self._conn.execute(scopes.leave().encode())
            self._scope.current = ""

    def take_inbox(self, limit: int) -> list[tuple[int | None, str, str, dict[str, Any]]]:
        self._as_engine()
        return self._store.take_inbox(self._conn, limit)

    def take_results(self, limit: int) -> list[tuple[Record, str, list[Any]]]:
        """Results of invocations other workers ran for this worker's flows (``--concepts``)."""
        return self._store.take_results(self._conn, limit)

    def _check_claims(self) -> None:
        store = self._store
        if self._new_flows:
            self._run(
                "INSERT INTO flow_claims (flow, owner) SELECT f, %s FROM unnest(%s::bigint[]) f",
                (store.worker, _ids(self._new_flows)),
            )
        old = sorted(self._flows - self._new_flows)
        if old:
            # A flow nobody claims (a log copied in) is nobody's cache: whoever touches it
            # first takes it. One claimed by another worker fails the check. One statement:
            # its count sees the rows it claimed through `taken`, and those it held before.
            self._claimed = self._run(
                "WITH taken AS (INSERT INTO flow_claims (flow, owner) "
                "SELECT f, %(me)s FROM unnest(%(flows)s::bigint[]) f "
                "ON CONFLICT (flow) DO NOTHING RETURNING flow) "
                "SELECT (SELECT count(*) FROM taken) + (SELECT count(*) FROM flow_claims "
                "WHERE flow = ANY(%(flows)s::bigint[]) AND owner = %(me)s)",
                {"me": store.worker, "flows": _ids(old)},
            )
            self._claim_flows = old
            if not self._ahead:  # sent ahead, the count is read at commit
                self._claims_held()
        self._flows.update(self._new_flows)
        self._new_flows.clear()

    def _claims_held(self) -> None:
        if self._claimed is None:
            return
        row, self._claimed = self._claimed.fetchone(), None
        if row is None or row[0] != len(self._claim_flows):
            raise ClaimLost(
                f"worker {self._store.worker} no longer owns every flow of this batch "
                f"(flows {self._claim_flows[:10]}); the batch is dropped and its work resumes "
                "from the log"
            )

    def write(self) -> None:
        if self._done:
            return
        if self._doomed:
            raise retry(self._doomed)
        if self._queued:
            self._send_queued()
        self._as_engine()
        self._check_claims()
        self._write_rows(list(self._invoked.values()))
        self._invoked = {}

    def _write_rows(self, invoked: list[list[Any]]) -> None:
        # One statement per table: the server binds and plans it once, not once per row as
        # executemany would.
        if invoked:
            self._run(_INSERT_ACTIONS, _rows(invoked))
        if self._completed:
            # `output IS NULL`: a completion is recorded once, whoever tries twice.
            self._run(_COMPLETE_ACTIONS, _rows(self._completed))
        if self._fired:
            self._run(_INSERT_FIRINGS, _rows(self._fired))
        if self._events:
            self._run(_INSERT_EVENTS, _rows(self._events))
        self._completed, self._fired, self._events = [], [], []

    def commit(self) -> None:
        self.write()
        if self._ahead:
            # One round trip for what was queued, the ownership check read from it; then the
            # COMMIT, sent only once every statement of the batch is known to have succeeded.
            self._unchecked += 1
            self.sync()
            self._claims_held()
            self._run("COMMIT")
            try:
                self._end_pipeline()
            except psycopg.Error as exc:
                if self._conn.closed or isinstance(exc, psycopg.OperationalError):
                    raise
                self._doom(f"the commit failed ({type(exc).__name__}: {exc})")
                raise retry(self._doomed) from exc
        else:
            self._conn.execute("COMMIT")
        self._done = True

    def _end_pipeline(self) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.__exit__(None, None, None)

    def rollback(self) -> None:
        if self._done:
            return
        self._done = True
        # A lost connection: nothing to end (psycopg may also have let go of the pipeline).
        with contextlib.suppress(psycopg.Error, AssertionError):
            self._end_pipeline()
        if self._conn.closed:
            return
        if self._conn.info.transaction_status != TransactionStatus.IDLE:
            self._conn.execute("ROLLBACK")


class PostgresStore(LogReader):
    """The action log and concept state in a PostgreSQL database, shared by many workers.

    ``url`` is a libpq URL (``postgresql://user@host:5432/db``); ``schema`` the schema that
    holds the tables (created if absent; default: the connection's ``search_path``).
    ``send_ahead=False`` checks every concept statement as it runs (a round trip each), as a
    batch does anyway after one that could not be applied with statements sent ahead.
    """

    _param = "%s"

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        concepts: Iterable[str] | None = None,
        send_ahead: bool = True,
    ) -> None:
        if not is_postgres_url(url):
            raise ValueError(
                f"{url!r} is not a PostgreSQL URL; pass one like postgresql://user@host:5432/db"
            )
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise ValueError(
                f"schema {schema!r}: use lower-case letters, digits and _ (at most 63)"
            )
        self.url = url
        self.schema = schema
        self.concepts = None if concepts is None else sorted(set(concepts))
        """The concepts whose actions this worker runs (None: every concept)."""
        self._conn: psycopg.Connection[Any] | None = None
        self._reader: psycopg.Connection[Any] | None = None
        self._ids_conn: psycopg.Connection[Any] | None = None
        self._ids = threading.Lock()
        self._posting = threading.Lock()
        self._next_id = 0
        self._block_end = 0
        self.worker = 0
        # The advisory lock class of this schema's workers (several schemas, one database),
        # and the schema itself: both known once connected (a URL may set the search_path).
        self.lock_class = 0
        self.current_schema = ""
        self._post_conn: psycopg.Connection[Any] | None = None
        self.first_transaction = False
        # Each concept's schema and role, once :meth:`isolate` made them (accord.evolution).
        self.scopes: _pgscope.Scopes | None = None
        # Batches send concept SQL ahead in pipeline mode (accord.store._pgahead); after a
        # batch that could not be applied so, the next one checks every statement.
        self.send_ahead = send_ahead
        self.strict_next = False

    # -- connections ------------------------------------------------------------------------

    def connect(self) -> psycopg.Connection[Any]:
        """A new autocommit connection to this store's schema (the caller closes it)."""
        try:
            conn = psycopg.connect(self.url, autocommit=True)
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConnectionError(f"cannot connect to {self._safe_url()}: {first}") from None
        conn.adapters.register_dumper(bool, _BoolAsInt)
        conn.adapters.register_loader("numeric", _PlainNumeric)
        if self.schema is not None:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            conn.execute(f'SET search_path TO "{self.schema}"')
        if not self.current_schema:
            row = conn.execute("SELECT current_schema()").fetchone()
            if row is None or row[0] is None:
                conn.close()
                raise LookupError(
                    f"{self._safe_url()}: no schema in the search_path exists; create it or "
                    "name one with ?options=-csearch_path%3DNAME"
                )
            self.current_schema = str(row[0])
            self.lock_class = zlib.crc32(f"accord:{self.current_schema}".encode()) & 0x7FFFFFFF
        # The engine (and every tool reading the database) sees the log and all concepts'
        # tables; a concept's statements see only its own schema (_pgscope).
        _pgscope.set_path(conn, _pgscope.engine_path(conn, self.current_schema))
        return conn

    def _safe_url(self) -> str:
        return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", self.url)

    @property
    def conn(self) -> psycopg.Connection[Any]:
        if self._conn is None:
            raise RuntimeError("the store is not open; start the engine first")
        return self._conn

    def claim(self) -> None:
        """Nothing to reserve: any number of workers share the database."""

    def isolate(self, ownership: Ownership) -> None:
        """From now on, each concept's statements run in a schema of its own, as a role of its
        own: another concept's tables are out of its reach, refused by the server."""
        conn = self.conn
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (self.lock_class,))
            self.scopes = _pgscope.setup(conn, self.current_schema, ownership)
        path = _pgscope.engine_path(conn, self.current_schema)
        for other in (self._conn, self._reader, self._ids_conn, self._post_conn):
            if other is not None:
                _pgscope.set_path(other, path)

    def open(self, schemas: Iterable[str] = ()) -> None:
        conn = self.connect()
        try:
            with conn.transaction():
                # Workers starting together create the tables one after the other.
                conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (self.lock_class,))
                for statement in (*LOG_SCHEMA, *(ddl(s) for s in schemas)):
                    conn.execute(translate(statement))
                if not self._live(conn):
                    # Alone: no block of ids is in use, so ids go on from the log's last one
                    # (as on SQLite) instead of skipping the rest of a dead worker's block.
                    conn.execute(
                        "SELECT setval('accord_ids', COALESCE(MAX(id), 0) + 1, false) FROM actions"
                    )
                self._become_worker(conn)
                conn.execute(
                    "INSERT INTO worker_concepts (worker, concepts) VALUES (%s, %s) "
                    "ON CONFLICT (worker) DO UPDATE SET concepts = EXCLUDED.concepts",
                    (self.worker, self.concepts),
                )
            self._reader = self.connect()
            self._ids_conn = self.connect()
        except BaseException:
            conn.close()
            self._close_helpers()
            raise
        self._conn = conn
        self._block_end = 0
        self.first_transaction = True

    def attach(self) -> None:
        """Open for reading only (``accord flows``): no tables created, no worker id taken.

        Raises :class:`ConnectionError` when the server cannot be reached and
        :class:`LookupError` when the database holds no accord log."""
        conn = self.connect()
        row = conn.execute("SELECT to_regclass('actions') IS NOT NULL").fetchone()
        if row is None or not row[0]:
            conn.close()
            raise LookupError(
                f"{self._safe_url()} has no accord action log (table actions) in its "
                "search_path; pass the URL the app runs on"
            )
        self._reader = conn

    def _become_worker(self, conn: psycopg.Connection[Any]) -> None:
        # A machine that vanishes sends nothing: the server finds its session dead after
        # about 10 + 3 x 5 s of silence (keepalives), and its flows move then.
        conn.execute("SET tcp_keepalives_idle = 10")
        conn.execute("SET tcp_keepalives_interval = 5")
        conn.execute("SET tcp_keepalives_count = 3")
        # The id's advisory lock is held by the writer's session for its whole life: the
        # worker is alive, for every other worker, exactly while its lock is held.
        while True:
            row = conn.execute("SELECT nextval('accord_workers')").fetchone()
            assert row is not None
            worker = int(row[0]) % 0x7FFFFFFF
            got = conn.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (self.lock_class, worker)
            ).fetchone()
            if got is not None and got[0]:
                self.worker = worker
                return

    def _close_helpers(self) -> None:
        for conn in (self._reader, self._ids_conn, self._post_conn):
            if conn is not None:
                conn.close()
        self._reader = self._ids_conn = self._post_conn = None

    def close(self) -> None:
        self._close_helpers()
        if self._conn is not None:
            # The lock goes now, not when the server gets round to ending the session: an
            # engine started right after this one takes over this worker's flows at once.
            with contextlib.suppress(psycopg.Error):
                if self._conn.info.transaction_status == TransactionStatus.INERROR:
                    self._conn.execute("ROLLBACK")
                self._conn.execute("SELECT pg_advisory_unlock_all()")
            self._conn.close()
            self._conn = None

    def next_id(self) -> int:
        with self._ids:
            if self._next_id >= self._block_end:
                self._new_block()
            value = self._next_id
            self._next_id += 1
            return value

    def _new_block(self) -> None:
        conn = self._ids_conn if self._ids_conn is not None else self.conn
        row = conn.execute("SELECT nextval('accord_ids')").fetchone()
        assert row is not None
        self._next_id = int(row[0])
        self._block_end = self._next_id + ID_BLOCK

    def _fresh_ids(self) -> None:
        """Ids from now on exceed every id given out so far, by any worker: work taken over
        from another worker keeps its records in id order."""
        with self._ids:
            self._block_end = 0

    def begin(self) -> _PgTransaction:
        ahead, self.strict_next = self.send_ahead and not self.strict_next, False
        return _PgTransaction(self, self.conn, ahead=ahead)

    # -- the inbox ----------------------------------------------------------------------------

    def post(self, concept: str, action: str, inputs: dict[str, Any], flow: int | None) -> None:
        """Leave a root invocation for whichever worker takes it, and wake the workers."""
        with self._posting:  # posts may come from several threads (a web server's)
            if self._post_conn is None:
                self._post_conn = self.connect()
            conn = self._post_conn
            with conn.transaction():
                conn.execute(
                    "INSERT INTO inbox (flow, concept, action, input, created_at) "
                    "VALUES (%s,%s,%s,%s,%s)",
                    (flow, concept, action, _dumps(inputs), time.time()),
                )
                conn.execute("SELECT pg_notify(%s, current_schema())", (CHANNEL,))

    def inbox_size(self) -> int:
        return int(self._read("SELECT count(*) FROM inbox")[0][0])

    _LIVE = (
        "SELECT l.objid::text::bigint FROM pg_locks l WHERE l.locktype = 'advisory' "
        "AND l.granted AND l.objsubid = 2 AND l.objid <> 0 AND l.classid::text::bigint = %(cls)s "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )

    def take_inbox(
        self, conn: psycopg.Connection[Any], limit: int
    ) -> list[tuple[int | None, str, str, dict[str, Any]]]:
        """Posted stimuli this worker may run: new flows, its own flows, and idle flows whose
        owner is gone (their claims move here). Other workers' flows wait for them."""
        params = {"me": self.worker, "cls": self.lock_class, "limit": limit}
        rows = conn.execute(
            f"""SELECT i.id, i.flow, i.concept, i.action, i.input, c.owner
                FROM inbox i LEFT JOIN flow_claims c ON c.flow = i.flow
                WHERE i.flow IS NULL OR c.owner = %(me)s
                   OR ((c.owner IS NULL OR c.owner NOT IN ({self._LIVE}))
                       AND NOT EXISTS (SELECT 1 FROM actions a
                                       WHERE a.flow = i.flow AND a.output IS NULL))
                ORDER BY i.id LIMIT %(limit)s FOR UPDATE OF i SKIP LOCKED""",
            params,
        ).fetchall()
        taken: list[tuple[int | None, str, str, dict[str, Any]]] = []
        ids: list[int] = []
        moved = False
        for rid, flow, concept, action, inp, owner in rows:
            if flow is not None and owner != self.worker:
                got = conn.execute(
                    f"""INSERT INTO flow_claims (flow, owner) VALUES (%(flow)s, %(me)s)
                        ON CONFLICT (flow) DO UPDATE SET owner = EXCLUDED.owner
                        WHERE flow_claims.owner NOT IN ({self._LIVE})
                        RETURNING flow""",
                    {**params, "flow": flow},
                ).fetchone()
                if got is None:  # another worker took the flow meanwhile: it gets the post
                    continue
                moved = True
            ids.append(rid)
            taken.append((flow, concept, action, json.loads(inp)))
        if ids:
            conn.execute("DELETE FROM inbox WHERE id = ANY(%s::bigint[])", (_ids(ids),))
        if moved:
            self._fresh_ids()
        return taken

    # -- taking over ----------------------------------------------------------------------------

    def adopt(self, limit: int = 1000) -> list[Record]:
        """Claim up to ``limit`` flows with pending work whose owner is gone (or that have
        none), and return their pending invocations, oldest first, counting a new attempt."""
        conn = self._ids_conn if self._ids_conn is not None else self.conn
        params = {"me": self.worker, "cls": self.lock_class, "limit": limit}
        with conn.transaction():
            rows = conn.execute(
                f"""WITH orphaned AS (
                        SELECT c.flow FROM flow_claims c
                        WHERE c.owner <> %(me)s AND c.owner NOT IN ({self._LIVE})
                          AND EXISTS (SELECT 1 FROM actions a
                                      WHERE a.flow = c.flow AND a.output IS NULL)
                        LIMIT %(limit)s FOR UPDATE OF c SKIP LOCKED)
                    UPDATE flow_claims c SET owner = %(me)s FROM orphaned o
                    WHERE c.flow = o.flow RETURNING c.flow""",
                params,
            ).fetchall()
            flows = [r[0] for r in rows]
            # Flows with pending work and no claim at all (a log copied by migrate-store).
            rows = conn.execute(
                """INSERT INTO flow_claims (flow, owner)
                   SELECT DISTINCT a.flow, %(me)s FROM actions a
                   WHERE a.output IS NULL
                     AND NOT EXISTS (SELECT 1 FROM flow_claims c WHERE c.flow = a.flow)
                   LIMIT %(limit)s
                   ON CONFLICT (flow) DO NOTHING RETURNING flow""",
                params,
            ).fetchall()
            flows += [r[0] for r in rows]
            if not flows:
                return []
            pending = conn.execute(
                f"""UPDATE actions SET attempt = attempt + 1
                    WHERE flow = ANY(%s) AND output IS NULL RETURNING {COLUMNS}""",
                (flows,),
            ).fetchall()
        self._fresh_ids()
        return sorted((record_from_row(r) for r in pending), key=lambda r: r.id)

    def resume(self) -> list[Record]:
        """The pending work this worker takes on at start: that of flows whose owner is gone."""
        records: list[Record] = []
        while True:
            more = self.adopt()
            if not more:
                return records
            records += more

    # -- actions run for other workers' flows (--concepts) ---------------------------------

    def claim_actions(self, limit: int = 100) -> list[Record]:
        """Claim pending invocations of this worker's concepts in flows held by live workers
        that do not run those concepts themselves (or whose runner here died), oldest first."""
        if self.concepts is None:
            return []
        conn = self._ids_conn if self._ids_conn is not None else self.conn
        params = {"me": self.worker, "cls": self.lock_class, "mine": self.concepts}
        params["limit"] = limit
        with conn.transaction():
            rows = conn.execute(
                f"""INSERT INTO action_claims (id, worker)
                    SELECT a.id, %(me)s FROM actions a
                    JOIN flow_claims c ON c.flow = a.flow
                    JOIN worker_concepts w ON w.worker = c.owner
                    WHERE a.output IS NULL AND a.concept = ANY(%(mine)s::text[])
                      AND c.owner <> %(me)s AND c.owner IN ({self._LIVE})
                      AND w.concepts IS NOT NULL AND NOT (a.concept = ANY(w.concepts))
                      AND NOT EXISTS (SELECT 1 FROM action_results r WHERE r.id = a.id)
                      AND NOT EXISTS (SELECT 1 FROM action_claims k WHERE k.id = a.id
                                      AND k.worker IN ({self._LIVE}))
                    ORDER BY a.id LIMIT %(limit)s
                    ON CONFLICT (id) DO UPDATE SET worker = EXCLUDED.worker
                    WHERE action_claims.worker NOT IN ({self._LIVE})
                    RETURNING id""",
                params,
            ).fetchall()
            if not rows:
                return []
            records = conn.execute(
                f"SELECT {COLUMNS} FROM actions WHERE id = ANY(%s) ORDER BY id",
                ([r[0] for r in rows],),
            ).fetchall()
        return [record_from_row(r) for r in records]

    def post_result(self, record: Record, output_json: str, writes: list[Any]) -> None:
        """Leave the outcome of an invocation run here for the worker holding its flow, which
        records it (writes and completion) in its own batch; and wake that worker."""
        with self._posting:
            if self._post_conn is None:
                self._post_conn = self.connect()
            conn = self._post_conn
            with conn.transaction():
                conn.execute(
                    "INSERT INTO action_results (id, flow, output, writes) VALUES (%s,%s,%s,%s) "
                    "ON CONFLICT (id) DO NOTHING",
                    (record.id, record.flow, output_json, _dumps(writes)),
                )
                conn.execute("SELECT pg_notify(%s, current_schema())", (CHANNEL,))

    def take_results(
        self, conn: psycopg.Connection[Any], limit: int
    ) -> list[tuple[Record, str, list[Any]]]:
        """The results other workers left for flows this worker holds: (the pending
        invocation, its output as JSON, its state writes). Removed in the caller's batch."""
        # A result whose invocation was completed meanwhile (rerun here after a takeover)
        # is dropped: a completion is recorded once.
        conn.execute(
            "DELETE FROM action_results r USING actions a "
            "WHERE a.id = r.id AND a.output IS NOT NULL"
        )
        rows = conn.execute(
            f"""DELETE FROM action_results r USING flow_claims c, actions a
                WHERE r.id IN (SELECT x.id FROM action_results x
                               JOIN flow_claims o ON o.flow = x.flow AND o.owner = %(me)s
                               ORDER BY x.id LIMIT %(limit)s FOR UPDATE OF x SKIP LOCKED)
                  AND c.flow = r.flow AND c.owner = %(me)s AND a.id = r.id
                RETURNING {", ".join("a." + c.strip() for c in COLUMNS.split(","))},
                          r.output, r.writes""",
            {"me": self.worker, "limit": limit},
        ).fetchall()
        if rows:
            conn.execute("DELETE FROM action_claims WHERE id = ANY(%s)", ([r[0] for r in rows],))
        return [(record_from_row(r[:-2]), r[-2], json.loads(r[-1])) for r in rows]

    def announce(self) -> None:
        """Wake the other workers: this one left invocations of concepts it does not run."""
        with self._posting:
            if self._post_conn is None:
                self._post_conn = self.connect()
            self._post_conn.execute("SELECT pg_notify(%s, current_schema())", (CHANNEL,))

    def claims(self) -> dict[int, int]:
        """Flow -> owning worker, for every claimed flow (operators and tests)."""
        return {flow: owner for flow, owner in self._read("SELECT flow, owner FROM flow_claims")}

    def live_workers(self) -> set[int]:
        """The ids of the workers alive on this schema now."""
        return {int(r[0]) for r in self._read(self._LIVE, {"cls": self.lock_class})}

    def _live(self, conn: psycopg.Connection[Any]) -> set[int]:
        return {int(r[0]) for r in conn.execute(self._LIVE, {"cls": self.lock_class})}

    # -- reads ----------------------------------------------------------------------------------

    def reader(self) -> PostgresDb:
        if self._reader is None:
            raise RuntimeError("the store is not open; start the engine first")
        return PostgresDb(self._reader, scopes=self.scopes)

    def _read(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        conn = self._reader if self._reader is not None else self.conn
        return conn.execute(sql, params).fetchall()

    def _acted_on(self) -> str:
        return (
            "EXISTS (SELECT 1 FROM actions r "
            "WHERE r.flow = x.flow AND r.cause::jsonb @> to_jsonb(x.id))"
        )

"""State isolation on SQLite: each statement of a concept is authorized by the database itself.

The first time a concept runs a given SQL text, the statement is compiled (``EXPLAIN``, which
does not execute it) with an authorizer on the connection that SQLite calls for every table and
column the statement would read or write, including through triggers and views. A statement
touching a table the concept does not own raises :class:`accord.ownership.IsolationError`
before it runs. Authorized texts are remembered per concept, so the steady-state cost of
isolation is one set lookup per statement; the authorizer is on the connection only during
those compilations (setting it expires SQLite's prepared statements, so it is not left there).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any

from accord.ownership import IsolationError, Ownership
from accord.state import Db, Params, Row

__all__ = ["Guard", "OwnedDb"]

_OK, _DENY = sqlite3.SQLITE_OK, sqlite3.SQLITE_DENY
_VERBS = {
    sqlite3.SQLITE_READ: "read",
    sqlite3.SQLITE_INSERT: "write",
    sqlite3.SQLITE_UPDATE: "write",
    sqlite3.SQLITE_DELETE: "write",
}
_DDL = {
    sqlite3.SQLITE_CREATE_TABLE: "create",
    sqlite3.SQLITE_CREATE_TEMP_TABLE: "create",
    sqlite3.SQLITE_CREATE_VIEW: "create",
    sqlite3.SQLITE_CREATE_TEMP_VIEW: "create",
    sqlite3.SQLITE_DROP_TABLE: "drop",
    sqlite3.SQLITE_DROP_TEMP_TABLE: "drop",
    sqlite3.SQLITE_DROP_VIEW: "drop",
    sqlite3.SQLITE_DROP_TEMP_VIEW: "drop",
    sqlite3.SQLITE_CREATE_INDEX: "index",
    sqlite3.SQLITE_CREATE_TEMP_INDEX: "index",
    sqlite3.SQLITE_DROP_INDEX: "index",
    sqlite3.SQLITE_DROP_TEMP_INDEX: "index",
    sqlite3.SQLITE_CREATE_TRIGGER: "create a trigger on",
    sqlite3.SQLITE_CREATE_TEMP_TRIGGER: "create a trigger on",
    sqlite3.SQLITE_DROP_TRIGGER: "drop a trigger on",
    sqlite3.SQLITE_DROP_TEMP_TRIGGER: "drop a trigger on",
}
_ALWAYS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
_READ_PRAGMAS = {"database_list"}
_SCHEMA_TABLES = {"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_sequence"}
_MEMO_LIMIT = 4096  # distinct SQL texts remembered per concept (dynamic SQL must not grow it)


class Guard:
    """The ownership rules of one store, and the SQL texts each concept may run."""

    def __init__(self, ownership: Ownership) -> None:
        self.ownership = ownership
        self._allowed: dict[tuple[str, bool], set[str]] = {}
        self._lock = threading.Lock()

    def allowed(self, concept: str, migrating: bool) -> set[str]:
        """The SQL texts authorized for a concept so far (shared, grows as texts pass)."""
        return self._allowed.setdefault((concept, migrating), set())

    def check(
        self, conn: sqlite3.Connection, concept: str, migrating: bool, sql: str, params: Params
    ) -> None:
        """Raise :class:`IsolationError` if ``sql`` touches a table ``concept`` does not own."""
        with self._lock:
            denied, compiled = self._compile(conn, concept, migrating, sql, params)
            if denied is not None:
                raise denied
            if not compiled:
                return  # the statement itself is wrong: running it raises SQLite's error
            memo = self.allowed(concept, migrating)
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo.add(sql)

    def _compile(
        self, conn: sqlite3.Connection, concept: str, migrating: bool, sql: str, params: Params
    ) -> tuple[Exception | None, bool]:
        found: list[IsolationError | sqlite3.Error] = []
        rules = self.ownership

        def authorize(
            code: int, arg1: str | None, arg2: str | None, _db: str | None, _inner: str | None
        ) -> int:
            if code in _ALWAYS:
                return _OK
            verb = _VERBS.get(code)
            if verb is not None and arg1 is not None:
                table = arg1.lower()
                if rules.may(concept, table):
                    return _OK
                # A migration may also reach the schema table (DDL writes it) and tables no
                # concept declares any more: the concept's own state of older versions.
                if migrating and (table in _SCHEMA_TABLES or rules.owner(table) is None):
                    return _OK
                found.append(IsolationError(concept, verb, arg1, rules.owner(table)))
                # A denied read is ignored so that compiling goes on and finds a write as well:
                # nothing runs here, and the statement is refused either way.
                return sqlite3.SQLITE_IGNORE if verb == "read" else _DENY
            what = _DDL.get(code)
            if what is not None:
                # For indexes and triggers arg1 is the index or trigger, arg2 the table.
                table = (arg2 if what in ("index",) or "trigger" in what else arg1) or ""
                if migrating and (rules.may(concept, table) or rules.owner(table) is None):
                    return _OK
                if not migrating:
                    found.append(
                        sqlite3.OperationalError(
                            f"{concept} may not {what} table {table} in an action or query: "
                            "change tables in the concept's schema or migrations"
                        )
                    )
                else:
                    found.append(IsolationError(concept, what, table, rules.owner(table)))
                return _DENY
            if code == sqlite3.SQLITE_ALTER_TABLE:
                table = (arg2 or "").lower()
                if migrating and rules.may(concept, table):
                    return _OK
                found.append(IsolationError(concept, "alter", arg2 or "?", rules.owner(table)))
                return _DENY
            if code == sqlite3.SQLITE_PRAGMA and (migrating or arg1 in _READ_PRAGMAS):
                return _OK  # table_info and friends in a migration; the database's file always
            found.append(
                sqlite3.OperationalError(
                    f"{concept} may not run this statement ({_describe(code, arg1)}): a concept "
                    "reads and writes its own tables, the engine owns transactions and settings"
                )
            )
            return _DENY

        conn.set_authorizer(authorize)
        try:
            conn.execute("EXPLAIN " + sql, params).fetchall()
        except sqlite3.Error:
            # Not authorized, or the statement's own error (a typo, no such table, wrong
            # bindings), which running it reports with SQLite's message as without isolation.
            return _worst(found), False
        finally:
            conn.set_authorizer(None)
        return _worst(found), True


def _worst(found: list[IsolationError | sqlite3.Error]) -> Exception | None:
    """The denial to report: a write over the reads the same statement makes."""
    for denial in found:
        if isinstance(denial, IsolationError) and denial.verb == "write":
            return denial
    return found[0] if found else None


def _describe(code: int, arg1: str | None) -> str:
    names = {
        sqlite3.SQLITE_TRANSACTION: "a transaction",
        sqlite3.SQLITE_SAVEPOINT: "a savepoint",
        sqlite3.SQLITE_PRAGMA: f"PRAGMA {arg1}",
        sqlite3.SQLITE_ATTACH: "ATTACH",
        sqlite3.SQLITE_DETACH: "DETACH",
    }
    return names.get(code, f"authorizer action {code}")


class OwnedDb:
    """A concept's view of a :class:`Db`: every statement is checked against its ownership.

    The hot path is one set lookup: texts already authorized for this concept skip the check.
    """

    __slots__ = ("_allowed", "_check", "_db")

    def __init__(self, db: Db, allowed: set[str], check: Callable[[str, Params], None]) -> None:
        self._db = db
        self._allowed = allowed
        self._check = check

    def around(self, db: Db) -> OwnedDb:
        """The same rules over another handle (an async action's buffered writes)."""
        return OwnedDb(db, self._allowed, self._check)

    def execute(self, sql: str, params: Params = ()) -> int:
        if sql not in self._allowed:
            self._check(sql, params)
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if sql not in self._allowed:
            rows = list(rows)
            if rows:
                self._check(sql, rows[0])
        self._db.executemany(sql, rows)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        if sql not in self._allowed:
            self._check(sql, params)
        return self._db.one(sql, params)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        if sql not in self._allowed:
            self._check(sql, params)
        return self._db.all(sql, params)


def owned(guard: Guard, conn: sqlite3.Connection, db: Db, concept: str, migrating: bool) -> Any:
    """``db`` seen by ``concept``: an :class:`OwnedDb` checking against ``guard``."""

    def check(sql: str, params: Params) -> None:
        guard.check(conn, concept, migrating, sql, params)

    return OwnedDb(db, guard.allowed(concept, migrating), check)

"""State isolation on PostgreSQL: a schema and a role per concept, enforced by the server.

Each concept's tables live in a schema of its own, ``<app schema>__<concept>``, owned by a role
of the same name. A concept's statements run with ``SET LOCAL ROLE <its role>`` and
``SET LOCAL search_path TO <its schema>``, sent with the statement when the connection's scope
changes: another concept's table is then either not found (unqualified) or not permitted
(qualified), and the server refuses the statement. :meth:`Scopes.refusal` turns that refusal
into :class:`accord.ownership.IsolationError`, naming both concepts and the table.

Roles need a user allowed to create them (``CREATEROLE`` or a superuser). Without that, the
schemas and search paths are kept and a warning says that a concept naming another's schema
explicitly is not refused (docs/concepts.md).
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import errors, sql

from accord.ownership import IsolationError, Ownership
from accord.state import Db, Params, Row

__all__ = ["Around", "Scopes", "concept_schema", "engine_path", "refuse_control", "setup"]

log = logging.getLogger("accord.store")

_MAX = 63  # PostgreSQL's identifier length


def concept_schema(app_schema: str, concept: str) -> str:
    """The schema (and role) of ``concept``'s tables in the app whose log is in ``app_schema``."""
    name = f"{app_schema}__{concept.lower()}"
    if len(name) <= _MAX and re.fullmatch(r"[a-z0-9_]+", name):
        return name
    tag = f"{zlib.crc32(name.encode()):08x}"
    plain = re.sub(r"[^a-z0-9_]", "_", concept.lower())
    return f"{app_schema[:24]}__{plain[:26]}_{tag}"


def engine_path(conn: psycopg.Connection[Any], app_schema: str) -> list[str]:
    """The engine's search_path: the app's schema, then every concept schema that exists."""
    pattern = app_schema.replace("_", r"\_") + r"\_\_%"
    rows = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY nspname", (pattern,)
    ).fetchall()
    return [app_schema, *(str(r[0]) for r in rows)]


def set_path(conn: psycopg.Connection[Any], path: list[str]) -> None:
    """Make ``path`` the session's search_path on ``conn``."""
    conn.execute(
        sql.SQL("SET search_path TO {}").format(sql.SQL(", ").join(map(sql.Identifier, path)))
    )


class Scopes:
    """Which schema and role each concept's statements run under, and the engine's path."""

    def __init__(
        self, app_schema: str, ownership: Ownership, schemas: dict[str, str], roles: bool
    ) -> None:
        self.app_schema = app_schema
        self.ownership = ownership
        self.schemas = schemas  # concept -> its schema
        self.roles = roles
        self._concept_of = {s: c for c, s in sorted(schemas.items(), reverse=True)}
        self.engine = ", ".join(f'"{s}"' for s in [app_schema, *sorted(set(schemas.values()))])
        self._enter: dict[str, str] = {}

    def enter(self, concept: str) -> str:
        """The statements that make ``concept``'s scope the transaction's."""
        found = self._enter.get(concept)
        if found is None:
            schema = self.schemas.get(concept) or concept_schema(self.app_schema, concept)
            role = f'SET LOCAL ROLE "{schema}"; ' if self.roles else ""
            found = self._enter[concept] = f'{role}SET LOCAL search_path TO "{schema}"'
        return found

    def leave(self) -> str:
        """The statements that give the transaction back to the engine."""
        role = "SET LOCAL ROLE NONE; " if self.roles else ""
        return f"{role}SET LOCAL search_path TO {self.engine}"

    def refusal(self, concept: str, statement: str, exc: psycopg.Error) -> IsolationError | None:
        """The isolation error the server's refusal of ``concept``'s statement means, if any."""
        message = str(exc).splitlines()[0] if str(exc) else ""
        table: str | None = None
        owner: str | None = None
        if isinstance(exc, errors.UndefinedTable):
            found = re.search(r'relation "(?:[^".]+\.)?([^"]+)" does not exist', message)
            table = found.group(1) if found else None
        elif isinstance(exc, errors.InsufficientPrivilege):
            found = re.search(r"permission denied for (?:table|view|relation) (\S+)", message)
            if found:
                table = found.group(1)
            else:
                schema = re.search(r"permission denied for schema (\S+)", message)
                if schema:
                    name = schema.group(1)
                    named = re.search(rf'"?{re.escape(name)}"?\s*\.\s*"?(\w+)', statement)
                    table = named.group(1) if named else name
                    owner = "" if name == self.app_schema else self._concept_of.get(name)
        if table is None:
            return None
        table = table.strip('"').lower()
        if owner is None:
            owner = self.ownership.owner(table)
        if owner is None or owner == concept or self.ownership.may(concept, table):
            return None  # nobody's table (a typo, one not created yet): the server's own message
        return IsolationError(concept, _verb(statement, table), table, owner)


_LITERALS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\\n]*|/\\*.*?\\*/", re.DOTALL)
_CONTROL = re.compile(
    r"^\s*(?:(?P<tx>BEGIN|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|START\s+TRANSACTION"
    r"|PREPARE\s+TRANSACTION)|(?P<setting>SET|RESET|DISCARD|LISTEN|UNLISTEN|NOTIFY|LOCK"
    r"|VACUUM|ANALYZE|CHECKPOINT|LOAD|COPY|DO|CALL|GRANT|REVOKE))\b",
    re.IGNORECASE,
)
_SET_CONFIG = re.compile(r"\bset_config\s*\(", re.IGNORECASE)


@lru_cache(maxsize=4096)
def refuse_control(concept: str, statement: str) -> str | None:
    """Why ``concept`` may not send ``statement`` (the engine owns the transaction, the role and
    the session), or None. One statement at a time: a second would run outside the checks."""
    code = _LITERALS.sub("''", statement)
    if ";" in code.rstrip().rstrip(";"):
        what = "several statements in one"
    else:
        found = _CONTROL.match(code)
        if found is not None:
            what = "a transaction" if found["tx"] else f"{found['setting'].upper()}"
        elif _SET_CONFIG.search(code):
            what = "set_config"
        else:
            return None
    return (
        f"{concept} may not run this statement ({what}): a concept reads and writes its own "
        "tables, the engine owns transactions and settings"
    )


_TARGET = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+(?:"?\w+"?\s*\.\s*)?"?(\w+)',
    re.IGNORECASE,
)


def _verb(statement: str, table: str) -> str:
    target = _TARGET.match(statement)
    return "write" if target and target.group(1).lower() == table else "read"


def setup(conn: psycopg.Connection[Any], app_schema: str, ownership: Ownership) -> Scopes:
    """Create each concept's schema (and role, when this user may create roles); inside the
    caller's transaction."""
    schemas: dict[str, str] = {}
    for concept, tables in sorted(ownership.tables.items()):
        # Concepts sharing an inherited schema share its tables: the first of them names both.
        owners = [sorted(ownership.owners.get(t, ())) for t in sorted(tables)]
        first = min((o[0] for o in owners if o), default=concept)
        schemas[concept] = concept_schema(app_schema, first)
    row = conn.execute(
        "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    superuser, may_create = (bool(row[0]), bool(row[1])) if row else (False, False)
    roles = superuser or may_create
    if not roles:
        log.warning(
            "%s may not create roles: each concept gets its own schema and search_path, but "
            "a statement naming another concept's schema is not refused; grant CREATEROLE "
            "for full isolation",
            conn.info.user,
        )
    for schema in sorted(set(schemas.values())):
        name = sql.Identifier(schema)
        if roles:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (schema,)).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(name))
                if not superuser:
                    conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(name))
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(name, name)
            )
        else:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
    _move_old_tables(conn, app_schema, ownership, schemas, roles)
    return Scopes(app_schema, ownership, schemas, roles)


def _move_old_tables(
    conn: psycopg.Connection[Any],
    app_schema: str,
    ownership: Ownership,
    schemas: dict[str, str],
    roles: bool,
) -> None:
    """Concept tables a store made before schemas per concept sat in the app's schema: each
    moves (rows, indexes and sequences with it) to its concept's schema, owned by its role."""
    rows = conn.execute(
        "SELECT t.tablename FROM pg_tables t WHERE t.schemaname = %s", (app_schema,)
    ).fetchall()
    for (table,) in rows:
        owners = ownership.owners.get(str(table).lower())
        if not owners or "" in owners:
            continue  # the log's, or nobody's
        target = schemas[sorted(owners)[0]]
        there = conn.execute("SELECT to_regclass(%s)", (f'"{target}"."{table}"',)).fetchone()
        if there is not None and there[0] is not None:
            continue
        conn.execute(
            sql.SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(
                sql.Identifier(app_schema), sql.Identifier(table), sql.Identifier(target)
            )
        )
        if roles:
            conn.execute(
                sql.SQL("ALTER TABLE {}.{} OWNER TO {}").format(
                    sql.Identifier(target), sql.Identifier(table), sql.Identifier(target)
                )
            )
        log.info("moved table %s to schema %s", table, target)


class Around:
    """A concept's view for an async action: reads in its scope, writes kept for later."""

    __slots__ = ("_db", "_reads")

    def __init__(self, reads: Db, db: Db) -> None:
        self._reads = reads
        self._db = db

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self._db.executemany(sql, rows)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return self._reads.one(sql, params)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return self._reads.all(sql, params)

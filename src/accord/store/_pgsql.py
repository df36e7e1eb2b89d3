"""Concept SQL written for SQLite, made runnable by psycopg on PostgreSQL.

Concepts write ``?`` (or ``:name``) placeholders; psycopg wants ``%s`` (``%(name)s``) and
treats every other ``%`` as special. :func:`placeholders` rewrites a statement outside string
literals, quoted identifiers and comments. :func:`ddl` maps SQLite's column type names in a
``CREATE TABLE`` to the PostgreSQL types that hold the same values (SQLite's INTEGER is 64-bit
and its REAL a double; PostgreSQL's INTEGER and REAL are not), and SQLite's rowid alias
(``INTEGER PRIMARY KEY``) to an identity column. The portable subset concepts write is in
docs/concepts.md ("Portable SQL"); ``accord check`` names what falls outside it.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["ddl", "translate"]


_OR_IGNORE = re.compile(r"^(\s*INSERT)\s+OR\s+IGNORE\b", re.IGNORECASE)
# SQLite's catalogue, as the tables and views of the store's own schema: the engine asks it
# which concept tables exist (accord.evolution).
_SQLITE_MASTER = re.compile(r"\bFROM\s+sqlite_master\b", re.IGNORECASE)
_CATALOGUE = (
    "FROM (SELECT CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS type, "
    "table_name AS name FROM information_schema.tables "
    "WHERE table_schema = ANY(current_schemas(false))) AS sqlite_master"
)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
# The database's file, which a concept may ask for (keys kept beside it): a server's database
# has none, so no row (an in-memory SQLite database answers a row with an empty file).
_DATABASE_LIST = re.compile(r"^\s*PRAGMA\s+database_list\s*;?\s*$", re.IGNORECASE)
_NO_FILE = "SELECT 0 AS seq, 'main' AS name, '' AS file WHERE false"
# Reserved by PostgreSQL, not by SQLite: a column named so must be quoted there. (A bare
# `user` is even valid PostgreSQL, the session's role: a concept would read the wrong value.)
_RESERVED = frozenset({"user"})


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """A concept's SQLite statement as psycopg runs it on PostgreSQL.

    ``?`` becomes ``%s``, ``:name`` ``%(name)s``, ``%`` ``%%``; ``INSERT OR IGNORE`` becomes
    ``INSERT ... ON CONFLICT DO NOTHING``; a column named ``user`` is quoted; in an upsert's
    ``DO UPDATE``, a bare column (the existing row's, on SQLite) is qualified with the table's
    name, which PostgreSQL requires; ``FROM sqlite_master`` reads the tables and views of the
    search path's schemas (a concept's own, while its statements run);
    ``PRAGMA database_list`` names no file (the database is a server's).
    """
    if _DATABASE_LIST.match(sql):
        return _NO_FILE
    sql = ddl(_SQLITE_MASTER.sub(_CATALOGUE, sql))
    ignore = _OR_IGNORE.match(sql)
    if ignore:
        sql = ignore.group(1) + sql[ignore.end() :]
    sql = _qualify_upsert(sql)
    sql = _rewrite(sql)
    if ignore:
        body = sql.rstrip().rstrip(";")
        returning = list(_RETURNING.finditer(body))
        at = returning[-1].start() if returning else len(body)
        sql = f"{body[:at].rstrip()} ON CONFLICT DO NOTHING {body[at:]}".rstrip()
    return sql


_INSERT_INTO = re.compile(r'^\s*INSERT\s+INTO\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)', re.I)
_DO_UPDATE = re.compile(r"\bDO\s+UPDATE\s+SET\b", re.IGNORECASE)
_NOT_COLUMNS = frozenset(
    [
        "null",
        "true",
        "false",
        "and",
        "or",
        "not",
        "is",
        "in",
        "like",
        "glob",
        "between",
        "case",
        "when",
        "then",
        "else",
        "end",
        "cast",
        "as",
        "collate",
        "distinct",
        "exists",
        "select",
        "from",
        "where",
        "escape",
        "returning",
        "excluded",
        "current_timestamp",
        "current_date",
        "current_time",
    ]
)


def _qualify_upsert(sql: str) -> str:
    """Qualify bare columns on the right of ``DO UPDATE SET col = ...`` and in its ``WHERE``."""
    into = _INSERT_INTO.match(sql)
    update = _DO_UPDATE.search(sql) if into else None
    if into is None or update is None:
        return sql
    table, at = into.group(1), update.end()
    out, i, n = [sql[:at]], at, len(sql)
    assigning = True  # before a `=` of an assignment: the column being set, left alone
    depth = 0
    while i < n:
        c = sql[i]
        if c in "'\"":
            end = sql.find(c, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == c:
                end = sql.find(c, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i : end + 1])
            i = end + 1
            continue
        if c.isalpha() or c == "_":
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] in "_$"):
                end += 1
            word = sql[i:end]
            before = sql[:i].rstrip()[-1:]
            after = sql[end:].lstrip()[:1]
            lower = word.lower()
            if lower == "returning" and depth == 0:
                out.append(sql[i:])
                break
            if lower == "where" and depth == 0:
                assigning = False
            previous = re.search(r"(\w+)\s*$", sql[:i])
            qualify = (
                not assigning
                and before not in (".", ":")
                and after not in ("(", ".")
                and lower not in _NOT_COLUMNS
                and not (previous and previous.group(1).lower() == "as")  # CAST(x AS TYPE)
            )
            out.append(f"{table}.{word}" if qualify else word)
            i = end
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "=" and depth == 0 and assigning:
            assigning = False
        elif c == "," and depth == 0 and not _in_where(out):
            assigning = True
        out.append(c)
        i += 1
    return "".join(out)


def _in_where(out: list[str]) -> bool:
    return bool(re.search(r"\bwhere\b", "".join(out).lower().rsplit("set", 1)[-1]))


def _rewrite(sql: str) -> str:
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":  # a string literal or quoted identifier: copied, `%` doubled
            end = i + 1
            while end < n:
                if sql[end] == c:
                    if end + 1 < n and sql[end + 1] == c:  # '' inside a literal
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif c.isalpha() or c == "_":
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] in "_$"):
                end += 1
            word = sql[i:end]
            out.append(f'"{word.lower()}"' if word.lower() in _RESERVED else word)
            i = end
        elif c == "?":
            out.append("%s")
            i += 1
        elif c == "%":
            out.append("%%")
            i += 1
        elif c == ":" and sql.startswith("::", i):  # a PostgreSQL cast, not a parameter
            out.append("::")
            i += 2
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            out.append(f"%({sql[i + 1 : end]})s")
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


_CREATE_TABLE = re.compile(r"^\s*CREATE\s+(TEMP\w*\s+)?TABLE\b", re.IGNORECASE)
# A column definition's type: the word after the column's name, at the start of a definition.
_COLUMN_TYPE = re.compile(
    r'(?P<head>[(,]\s*(?:"[^"]+"|\w+)\s+)(?P<type>INTEGER|REAL|BLOB|BOOLEAN)\b'
    r"(?P<auto>\s+PRIMARY\s+KEY(?:\s+AUTOINCREMENT)?(?=\s*(?:[,)]|NOT\s+NULL\b)))?",
    re.IGNORECASE,
)
_TYPES = {
    "INTEGER": "BIGINT",
    "REAL": "DOUBLE PRECISION",
    "BLOB": "BYTEA",
    # SQLite has no boolean type and reads them back as 0 and 1; so does this store.
    "BOOLEAN": "BIGINT",
}
_WITHOUT_ROWID = re.compile(r"\)\s*WITHOUT\s+ROWID\s*$", re.IGNORECASE)


def _column(match: re.Match[str]) -> str:
    if match["auto"] and match["type"].upper() == "INTEGER":
        # SQLite's rowid alias: numbered by the database when an insert leaves it out.
        return f"{match['head']}BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    return f"{match['head']}{_TYPES[match['type'].upper()]}{match['auto'] or ''}"


def ddl(sql: str) -> str:
    """A concept's schema statement with SQLite type names as PostgreSQL's (tables only)."""
    if not _CREATE_TABLE.match(sql):
        return sql
    return _WITHOUT_ROWID.sub(")", _COLUMN_TYPE.sub(_column, sql))

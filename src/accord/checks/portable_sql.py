"""The SQL constructs one of the two stores cannot run, and what to write instead.

Concept SQL is written once and runs on SQLite and on PostgreSQL (docs/concepts.md, "Portable
SQL"). :func:`unportable` names each construct of a statement that only one of them runs, with
the portable alternative; ``accord check`` reports them (see :mod:`accord.checks.sql`). What the
PostgreSQL store translates (``?`` parameters, SQLite's type names, ``INTEGER PRIMARY KEY
[AUTOINCREMENT]``, ``WITHOUT ROWID``, ``INSERT OR IGNORE``, ``sqlite_master``) is portable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["RULES", "Construct", "Rule", "unportable"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A construct only one store runs: how to find it, and what to write instead."""

    construct: str
    runs_on: str  # the one store that runs it: "SQLite" or "PostgreSQL"
    instead: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Construct:
    """One unportable construct found in a statement."""

    rule: Rule
    text: str  # as written

    def __str__(self) -> str:
        return (
            f"{self.text} ({self.rule.construct}) runs on {self.rule.runs_on} only; "
            f"portable: {self.rule.instead}"
        )


def _rule(construct: str, runs_on: str, instead: str, pattern: str) -> Rule:
    return Rule(construct, runs_on, instead, re.compile(pattern, re.IGNORECASE))


_TIME = "compute times in Python and store ISO-8601 TEXT or Unix time REAL, passed as parameters"
RULES: tuple[Rule, ...] = (
    _rule(
        "SQLite's hidden row id",
        "SQLite",
        "a column of the table: INTEGER PRIMARY KEY for an id, a created_at to order by",
        r"\b(?:_rowid_|rowid|oid)\b",
    ),
    _rule(
        "SQLite's last row id",
        "SQLite",
        "INSERT ... RETURNING the id column",
        r"\blast_insert_rowid\s*\(",
    ),
    _rule(
        "SQLite's JSON functions",
        "SQLite",
        "keep JSON as TEXT and build or parse it in Python (json.dumps, json.loads)",
        r"\bjson(?:_group_array|_group_object|_each|_tree|_extract|_array|_object|_set"
        r"|_insert|_replace|_remove|_patch|_valid|_type|_quote)?\s*\(",
    ),
    _rule(
        "SQLite's case-blind collation",
        "SQLite",
        "compare lower(col) = lower(?), and make it unique with a UNIQUE INDEX on lower(col)",
        r"\bCOLLATE\s+NOCASE\b",
    ),
    _rule(
        "SQLite's replace-on-conflict",
        "SQLite",
        "INSERT ... ON CONFLICT (key) DO UPDATE SET col = excluded.col",
        r"\b(?:INSERT\s+OR\s+(?:REPLACE|ABORT|FAIL|ROLLBACK)|REPLACE\s+INTO)\b",
    ),
    _rule(
        "a PRAGMA",
        "SQLite",
        "none: the engine owns the database's settings (a migration may read sqlite_master)",
        r"^\s*PRAGMA\s+(?!database_list\b)\w+",
    ),
    _rule(
        "SQLite's date and time functions",
        "SQLite",
        _TIME,
        r"\b(?:datetime|strftime|julianday|unixepoch)\s*\(",
    ),
    _rule(
        "a SQLite-only function",
        "SQLite",
        "COALESCE for ifnull, CASE WHEN for iif, aggregate in Python for group_concat, "
        "LIKE or Python for instr, format in Python for printf",
        r"\b(?:ifnull|iif|instr|printf|group_concat|total|typeof|randomblob|zeroblob"
        r"|changes|total_changes)\s*\(",
    ),
    _rule("SQLite's GLOB", "SQLite", "LIKE (or match in Python)", r"\bGLOB\b"),
    _rule("a PostgreSQL cast", "PostgreSQL", "CAST(value AS type)", r"::\s*\w+"),
    _rule("PostgreSQL's ILIKE", "PostgreSQL", "lower(col) LIKE lower(?)", r"\bILIKE\b"),
    _rule("a numbered parameter", "PostgreSQL", "? (or :name)", r"\$\d+"),
    _rule("a psycopg parameter", "PostgreSQL", "? (or :name with a mapping)", r"%(?:\(\w+\))?s\b"),
    _rule(
        "a PostgreSQL serial type",
        "PostgreSQL",
        "INTEGER PRIMARY KEY (numbered by the database on both stores)",
        r"\b(?:small|big)?serial\b",
    ),
    _rule(
        "a PostgreSQL identity column",
        "PostgreSQL",
        "INTEGER PRIMARY KEY (numbered by the database on both stores)",
        r"\bGENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b",
    ),
    _rule(
        "PostgreSQL's JSON types and operators",
        "PostgreSQL",
        "keep JSON as TEXT and build or parse it in Python",
        r"\bjsonb\b|->>|#>>?|@>",
    ),
    _rule(
        "PostgreSQL's DISTINCT ON",
        "PostgreSQL",
        "GROUP BY, or pick rows in Python",
        r"\bDISTINCT\s+ON\b",
    ),
    _rule("PostgreSQL's now()", "PostgreSQL", _TIME, r"\bnow\s*\(\s*\)"),
    _rule(
        "a row lock",
        "PostgreSQL",
        "none: the engine runs a flow's actions one at a time",
        r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bFOR\s+SHARE\b",
    ),
)

_LITERAL = re.compile(r"'(?:[^']|'')*'")
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_TRANSLATED = re.compile(r"\bWITHOUT\s+ROWID\b", re.IGNORECASE)  # dropped on PostgreSQL


def unportable(sql: str) -> list[Construct]:
    """The constructs of ``sql`` that only one of the two stores runs, in rule order.

    String literals and comments are left out: ``'rowid'`` in a value is a value."""
    code = _TRANSLATED.sub(" ", _COMMENT.sub(" ", _LITERAL.sub("''", sql)))
    found: list[Construct] = []
    for rule in RULES:
        match = rule.pattern.search(code)
        if match is not None:
            found.append(Construct(rule, " ".join(match.group(0).split()).rstrip("( ")))
    return found

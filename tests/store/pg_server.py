"""A PostgreSQL server for the tests: the one named by ACCORD_TEST_POSTGRES_URL, else the local
server at 127.0.0.1:5432 (database ``test``), else a private one started from the installed
binaries; else the tests skip (and fail under CI=true, so CI always runs them)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

__all__ = ["HOW_TO_RUN", "database", "drop_schema", "fresh_schema", "schema_url", "server_url"]

LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/test"
HOW_TO_RUN = (
    "PostgreSQL tests need a server: set ACCORD_TEST_POSTGRES_URL=postgresql://user@host/db, "
    "run one on 127.0.0.1:5432 (database test, trust auth) or install PostgreSQL's binaries"
)
_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for directory in _BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def _private_server() -> Iterator[str]:
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise LookupError("no PostgreSQL binaries")
    with tempfile.TemporaryDirectory(prefix="accord-pg-") as tmp:
        data, port = Path(tmp) / "data", _free_port()
        # initdb refuses to run as root; the test suite may (containers): run as nobody then.
        user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        if user:
            os.chmod(tmp, 0o777)
        subprocess.run(
            [*user, initdb, "-D", str(data), "-U", "postgres", "-A", "trust"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1"
        subprocess.run(
            [*user, pg_ctl, "-D", str(data), "-o", options, "-w", "-l", f"{tmp}/log", "start"],
            check=True,
            capture_output=True,
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [*user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True
            )


@contextlib.contextmanager
def server_url() -> Iterator[str]:
    """The URL of a reachable server, for the whole session."""
    named = os.environ.get("ACCORD_TEST_POSTGRES_URL")
    if named:
        if not _reachable(named):
            pytest.fail(f"ACCORD_TEST_POSTGRES_URL={named} is not reachable")
        yield named
        return
    if _reachable(LOCAL_URL):
        yield LOCAL_URL
        return
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(_private_server())
        except (LookupError, subprocess.CalledProcessError):
            if os.environ.get("CI") == "true":
                pytest.fail(f"no PostgreSQL server under CI=true. {HOW_TO_RUN}")
            pytest.skip(HOW_TO_RUN)
        yield url


def drop_schema(url: str, schema: str) -> None:
    """Drop an app's schema with everything the store made for it: its concepts' schemas
    (``<schema>__<concept>``) and their roles, which are the server's, not the database's."""
    pattern = schema.replace("_", r"\_") + r"\_\_%"
    with psycopg.connect(url, autocommit=True) as conn:
        owned = conn.execute(
            "SELECT n.nspname, r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner "
            "WHERE n.nspname LIKE %s AND r.rolname <> current_user",
            (pattern,),
        ).fetchall()
        for name in [schema, *(n for n, _ in owned)]:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        for _, role in owned:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


@contextlib.contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new schema of its own for one test, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    try:
        yield schema
    finally:
        drop_schema(url, schema)


def schema_url(url: str, schema: str) -> str:
    """``url`` with ``schema`` (created here) as its search_path: an app's ``--db`` value."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def database(kind: str, path: Path) -> Iterator[str]:
    """An app's ``--db`` value for one test: the SQLite file ``path``, or (``kind`` postgres) a
    fresh schema of the test server, dropped afterwards."""
    if kind == "sqlite":
        yield str(path)
        return
    with server_url() as url, fresh_schema(url) as schema:
        yield schema_url(url, schema)

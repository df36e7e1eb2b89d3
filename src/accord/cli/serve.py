"""``accord serve APP``: run an app's Requesting routes over HTTP (uvicorn).

Stopping: SIGTERM or SIGINT answers every request still waiting for its flow with a 503 at
once, closes the connections (waiting at most ``--shutdown-timeout`` seconds for responses
being written) and stops the engine; the flows resume from the log on the next start. When the
engine fails, the server answers every waiting request with a 503, stops the same way and
exits with status 1.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from accord.app import App
from accord.checks.diagnostics import SyncCheckError
from accord.cli._common import (
    DEFAULT_DB,
    AppArgument,
    ConceptsOption,
    DbOption,
    database,
    fail,
    parse_concepts,
    reach,
)
from accord.cli.console import MOUNT_PREFIX, console_settings
from accord.engine import Engine
from accord.loading import AppLoadError, load_app
from accord.store import Store, is_postgres_url
from accord.store.sqlite import SqliteStore, StoreLocked
from accord.sync.text.parser import SyncSyntaxError
from accord.web.console import create_console
from accord.web.server import MAX_DEPTH, AccordServer

__all__ = ["ENGINE_FAILED", "serve_command"]

ENGINE_FAILED = 1
"""The exit status of ``accord serve`` when its engine failed."""

log = logging.getLogger("accord.serve")


def serve_command(
    app: AppArgument,
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    db: DbOption = DEFAULT_DB,
    deadline: Annotated[
        float, typer.Option(help="Seconds a request may wait for its answer before a 504.")
    ] = 10.0,
    max_body: Annotated[
        int, typer.Option(help="Largest request body accepted, in bytes.")
    ] = 1_000_000,
    max_depth: Annotated[
        int, typer.Option(help="Deepest nesting of objects and arrays accepted in a body.")
    ] = MAX_DEPTH,
    shutdown_timeout: Annotated[
        int,
        typer.Option(
            help="On SIGTERM/SIGINT or an engine failure, seconds to wait for responses still "
            "being written before closing their connections."
        ),
    ] = 5,
    durable: Annotated[
        bool,
        typer.Option(
            help="fsync every commit (synchronous=FULL); --no-durable keeps WAL's crash "
            "safety but may lose the last commits on power loss (synchronous=NORMAL)."
        ),
    ] = True,
    console: Annotated[
        bool,
        typer.Option(
            help=f"Also serve the web console under {MOUNT_PREFIX}/ (passwords from the "
            "environment, see docs/console.md)."
        ),
    ] = False,
    log_level: Annotated[str, typer.Option(help="Logging level.")] = "info",
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes serving the port together (PostgreSQL only): each runs an engine "
            "of its own, and the kernel spreads connections over them (SO_REUSEPORT).",
        ),
    ] = 1,
    concepts: ConceptsOption = None,
    reuse_port: Annotated[bool, typer.Option(hidden=True)] = False,
) -> None:
    """Serve an app's Requesting routes over HTTP; the engine on SQLite or PostgreSQL."""
    db = database(db)
    try:
        loaded = load_app(app)
    except (AppLoadError, SyncSyntaxError, SyncCheckError) as exc:
        fail(f"cannot load {app}: {exc}")
    served = parse_concepts(concepts, app, loaded)
    if served is not None and not is_postgres_url(db):
        fail("--concepts needs --db postgresql://...: other workers run the other concepts")
    if workers > 1:
        if not is_postgres_url(db):
            fail(
                f"--workers {workers} needs --db postgresql://... (or ACCORD_DB): one SQLite "
                "file has one engine, so one process"
            )
        if console:
            fail("--console reads a SQLite database only (for now): drop it with --workers")
        reach(db)
        arguments = [
            *("--port", str(port), "--host", host, "--db", db, "--deadline", str(deadline)),
            *("--max-body", str(max_body), "--max-depth", str(max_depth)),
            *("--shutdown-timeout", str(shutdown_timeout), "--log-level", log_level),
            *(("--concepts", ",".join(sorted(served))) if served is not None else ()),
        ]
        raise typer.Exit(_supervise(app, arguments, workers))
    mounts = {}
    if console:
        if is_postgres_url(db):
            fail("--console reads a SQLite database only (for now); run it on the SQLite file")
        settings = console_settings(loaded, Path(db), prefix=MOUNT_PREFIX)
        mounts[MOUNT_PREFIX] = create_console(settings)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")

    if is_postgres_url(db):
        reach(db)
    store: Store = (
        _shared_store(db, served)
        if is_postgres_url(db)
        else SqliteStore(db, synchronous="FULL" if durable else "NORMAL")
    )

    def engine_factory(a: App) -> Engine:
        return Engine(a, store=store, concepts=served)

    failures: list[BaseException] = []

    def on_failure(failure: BaseException) -> None:
        failures.append(failure)
        runner.should_exit = True

    beside = None
    if is_postgres_url(db):
        from accord.engine.worker import Worker  # psycopg only when asked for

        # LISTEN, takeover of dead processes' flows and, with --concepts, actions run for others.
        beside = Worker(loaded, db, concepts=served).assist
    try:
        server = AccordServer(
            loaded,
            beside=beside,
            engine_factory=engine_factory,
            deadline=deadline,
            max_body=max_body,
            max_depth=max_depth,
            on_failure=on_failure,
            mounts=mounts,
        )
    except ValueError as exc:
        fail(str(exc))
    if shutdown_timeout <= 0:
        fail("--shutdown-timeout must be positive")
    try:
        # Here rather than when the lifespan starts the engine (which claims it again, a
        # no-op): a refusal is one line and exit status 1, not a startup traceback.
        store.claim()
    except StoreLocked as exc:
        fail(str(exc), 1)
    config = uvicorn.Config(
        server.asgi,
        host=host,
        port=port,
        log_level=log_level.lower(),
        lifespan="on",
        timeout_graceful_shutdown=shutdown_timeout,
    )
    runner = _Runner(config, server)
    if console:
        typer.echo(f"accord console on http://{host}:{port}{MOUNT_PREFIX}/flows")
    # Everything imported and built so far lives as long as the server: keep the collector
    # from scanning it again and again (full collections took 200 ms pauses under load), and
    # collect less often: a request allocates thousands of short-lived objects, and at the
    # default thresholds collections took 4 % of the server's time (0.7 % after this).
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    try:
        runner.run(sockets=[_shared_socket(host, port)] if reuse_port else None)
    except KeyboardInterrupt:  # uvicorn re-raises SIGINT after a clean shutdown
        raise typer.Exit(130) from None
    if failures:
        log.critical(
            "accord serve stopped because its engine failed (%s: %s); fix the cause and start "
            "it again: the flows recorded before the failure resume from the log",
            type(failures[0]).__name__,
            failures[0],
        )
        raise typer.Exit(ENGINE_FAILED)


def _shared_store(url: str, concepts: frozenset[str] | None) -> Store:
    from accord.store.postgres import PostgresStore  # psycopg only when asked for

    return PostgresStore(url, concepts=concepts)


def _shared_socket(host: str, port: int) -> socket.socket:
    """A listening socket that the other processes of ``--workers`` bind too: the kernel
    gives each new connection to one of them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {exc.strerror}", 1)
    sock.listen(2048)
    sock.set_inheritable(False)
    return sock


def _supervise(app: str, arguments: list[str], workers: int) -> int:
    """Run ``workers`` serving processes on one port and wait for them; SIGTERM and SIGINT
    stop them all. When one exits on its own (its engine failed), the others are stopped too
    and its status is returned: whatever restarts the service restarts all of them."""
    command = [sys.executable, "-m", "accord.cli", "serve", app, *arguments, "--reuse-port"]
    # Their own process group: a Ctrl-C reaches them once, forwarded from here, not twice.
    children = [subprocess.Popen(command, process_group=0) for _ in range(workers)]
    stopping: list[int] = []

    def stop(sig: int, _frame: FrameType | None) -> None:
        stopping.append(sig)
        for child in children:
            if child.poll() is None:
                child.send_signal(sig)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    status = 0
    while any(child.poll() is None for child in children):
        pid, code = os.wait()
        exited = next((c for c in children if c.pid == pid), None)
        if exited is None:
            continue
        exited.returncode = os.waitstatus_to_exitcode(code)
        if not stopping and exited.returncode != 0:
            status = status or exited.returncode
            log.critical("serving process %s exited with %s; stopping the others", pid, status)
            stop(signal.SIGTERM, None)
    if stopping and not status:
        return 130 if stopping[0] == signal.SIGINT else 0
    return status


class _Runner(uvicorn.Server):
    """uvicorn, telling the accord server to answer its waiting requests when told to exit."""

    def __init__(self, config: uvicorn.Config, server: AccordServer) -> None:
        super().__init__(config)
        self.accord = server

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self.accord.begin_shutdown()

"""One writing engine per SQLite file: an exclusive OS lock on a sibling ``<db>.lock`` file.

The lock is ``flock`` on a file next to the database, so the kernel drops it when the holder's
last descriptor closes, including when the process is killed: no stale lock is ever left to
clean up by hand. The database file itself is never locked this way: SQLite holds POSIX locks
on it, and a second descriptor to it opened and closed here would drop them.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]

__all__ = ["Holder", "StoreLocked", "WriterLock"]

_MAX_COMMAND = 400


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a database for writing, as written in its lock file."""

    pid: int
    command: str
    since: float
    host: str

    def describe(self) -> str:
        started = datetime.fromtimestamp(self.since).astimezone().isoformat(timespec="seconds")
        where = "" if self.host == socket.gethostname() else f" on host {self.host}"
        return f"PID {self.pid}{where}, since {started}, command: {self.command}"


class StoreLocked(RuntimeError):
    """Another engine (another process, or another Engine in this one) writes this database."""

    def __init__(self, database: str, holder: Holder | None) -> None:
        self.database = database
        self.holder = holder
        if holder is None:
            who = "another process (it has not written its details yet)"
        elif holder.pid == os.getpid():
            who = f"another Engine in this process ({holder.describe()})"
        else:
            who = holder.describe()
        super().__init__(
            f"database {database} is in use by another engine: {who}; stop it first (its "
            "lock is freed when it stops or its process ends, even if killed). One embedded "
            "SQLite database has one writing engine; several processes on one database will "
            "need PostgreSQL, which accord does not support yet"
        )


def _command() -> str:
    # One line, so that the refusal is one line even for `python -c` with a script.
    text = " ".join(shlex.join(sys.orig_argv).split())
    return text if len(text) <= _MAX_COMMAND else text[: _MAX_COMMAND - 1] + "…"


def _read_holder(fd: int) -> Holder | None:
    raw = os.pread(fd, 4096, 0)
    try:
        data = json.loads(raw)
        return Holder(int(data["pid"]), str(data["command"]), float(data["since"]), data["host"])
    except (ValueError, KeyError, TypeError):
        return None


class WriterLock:
    """The exclusive lock of one database file, taken without waiting."""

    def __init__(self, database: str | Path) -> None:
        self.database = str(database)
        # Resolved, so that a symlink or a relative path to the same file finds the same lock.
        self.path = Path(os.path.realpath(database) + ".lock")
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock and record this process as its holder; raise :class:`StoreLocked`
        if another holds it. Taking a lock already held by this object does nothing."""
        if self._fd is not None or fcntl is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Never truncated on open: the file holds the current holder's details.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            # A holder writes its details right after locking and clears them right before
            # unlocking: a lock held with no details yet is looked at again for a moment.
            for _ in range(50):
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = _read_holder(fd)
                    if holder is not None:
                        raise StoreLocked(self.database, holder) from None
                    time.sleep(0.01)
            else:
                raise StoreLocked(self.database, None)
        except BaseException:
            os.close(fd)
            raise
        details = {
            "pid": os.getpid(),
            "command": _command(),
            "since": time.time(),
            "host": socket.gethostname(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(details, ensure_ascii=False).encode() + b"\n", 0)
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (the file stays: removing it would let two holders lock two
        different files under one name)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)

"""The handoff of a batch's commit (its fsync) to a thread, off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

from accord.store.base import Transaction

__all__ = ["Committer"]


class Committer:
    """Commits transactions in order on a thread of its own."""

    def __init__(self) -> None:
        self._executor = _executor()

    async def commit(self, tx: Transaction) -> None:
        """Commit on the committer thread; a cancellation (``stop``) waits for the commit to end.

        Submitted at once, not through a task (``asyncio.to_thread``) that would start only
        after every callback already queued on the event loop: the fsync runs while those do.

        The connection must not be rolled back or closed while the worker is still using it:
        SQLite connections are not safe for that, and the process would crash. The batch is
        committed or not, as a whole; either way the next start resumes from the log.
        """
        commit = asyncio.get_running_loop().run_in_executor(self._executor, tx.commit)
        # Hand the GIL over: the committer needs it to start, and would otherwise wait for the
        # event loop to run out of Python work (about 1 ms per batch under HTTP load). It gives
        # the GIL back as soon as SQLite takes over.
        time.sleep(0)
        try:
            await asyncio.shield(commit)
        except asyncio.CancelledError:
            while not commit.done():  # asyncio.wait never cancels what it waits for
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([commit])
            raise

    def shutdown(self) -> None:
        """Wait for the thread to end; a later commit starts a new one."""
        self._executor.shutdown()
        self._executor = _executor()


def _executor() -> ThreadPoolExecutor:
    # A thread of its own: commits run in order, never queued behind other threads' work
    # (the default executor also hashes passwords). It starts with the first commit.
    return ThreadPoolExecutor(1, thread_name_prefix="accord-commit")

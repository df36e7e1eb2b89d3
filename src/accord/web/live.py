"""Running a server on a loopback port from async code (tests, benchmarks, ``accord serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn
from starlette.types import ASGIApp

__all__ = ["free_port", "live_server"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def live_server(
    asgi: ASGIApp, *, host: str = "127.0.0.1", port: int | None = None, log_level: str = "warning"
) -> AsyncIterator[str]:
    """Serve ``asgi`` with uvicorn in the running event loop; yields its base URL."""
    port = port or free_port(host)
    config = uvicorn.Config(asgi, host=host, port=port, log_level=log_level, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # raises the startup error
                raise RuntimeError(f"the server on {host}:{port} stopped while starting")
            await asyncio.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task

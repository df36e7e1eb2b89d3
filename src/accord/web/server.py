"""The ASGI server: HTTP requests become ``Requesting/request`` root actions.

Each request is validated at the edge (route, content type, size, JSON), recorded as a root
action that starts a flow, and answered with the first ``Requesting/respond`` completion of
that flow. A request that no sync answers within its deadline gets a 504 naming the flow, and
the log names the syncs that were waiting; no input produces a 500 with internals.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers, QueryParams
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from accord import _json
from accord.app import App
from accord.concepts.requesting import MethodNotAllowed, Requesting
from accord.engine import Engine, Record
from accord.web.secrets import SecretVault, vault

__all__ = ["AccordServer", "ErrorBody", "default_error_body"]

log = logging.getLogger("accord.web")

ErrorBody = Callable[[int, str], Any]
"""Builds the JSON body of an error the server answers itself: (status, message) -> body."""

_NO_BODY = frozenset({204, 304})
_GRACE = 60.0  # how long secrets outlive the deadline, for async actions still running


def default_error_body(status: int, message: str) -> Any:
    """``{"errors": {"body": [message]}}``, the RealWorld error shape."""
    return {"errors": {"body": [message]}}


class _Reject(Exception):
    """A request refused at the edge, with the status and message to send."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class AccordServer:
    """Serves an :class:`App` whose concepts include a :class:`Requesting` instance.

    ``engine`` is created and started by the ASGI lifespan (``asgi``), or passed in already
    running (``AccordServer(app, engine=engine)``), which is how tests share one engine.
    """

    def __init__(
        self,
        app: App,
        *,
        db: str | Path = ":memory:",
        engine: Engine | None = None,
        engine_factory: Callable[[App], Engine] | None = None,
        deadline: float = 10.0,
        max_body: int = 1_000_000,
        error_body: ErrorBody = default_error_body,
        cors: bool = True,
        secrets: SecretVault = vault,
    ) -> None:
        found = [c for c in app.concepts if isinstance(c, Requesting)]
        if len(found) != 1:
            raise ValueError(
                "the app must have exactly one Requesting concept (found "
                f"{len(found)}); add `Requesting(routes=[...])` to its concepts"
            )
        if deadline <= 0 or max_body <= 0:
            raise ValueError("deadline and max_body must be positive")
        self.app = app
        self.requesting = found[0]
        self.db = db
        self.deadline = deadline
        self.max_body = max_body
        self.error_body = error_body
        self.secrets = secrets
        self._engine = engine
        self._owns_engine = engine is None
        self._engine_factory = engine_factory or (lambda a: Engine(a, db=self.db))
        # Starlette runs the lifespan; HTTP requests skip its router and middleware stack (the
        # server has one catch-all handler). CORS applies to cross-origin requests only, the
        # ones that carry an Origin header. See docs/decisions/0019.
        self._lifespan_app = Starlette(lifespan=self._lifespan)
        self._cors = (
            CORSMiddleware(
                self._serve, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"]
            )
            if cors
            else None
        )

    @property
    def asgi(self) -> AccordServer:
        """The ASGI application to give uvicorn: the server itself."""
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._lifespan_app(scope, receive, send)
        elif self._cors is not None and _has_origin(scope):
            await self._cors(scope, receive, send)
        else:
            await self._serve(scope, receive, send, vary=self._cors is not None)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the server is not running: the ASGI lifespan starts its engine")
        return self._engine

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        if self._owns_engine:
            self._engine = self._engine_factory(self.app)
            await self._engine.start()
        try:
            yield
        finally:
            if self._owns_engine and self._engine is not None:
                await self._engine.stop()
                self._engine = None

    # -- one request -------------------------------------------------------------------------

    async def _serve(self, scope: Scope, receive: Receive, send: Send, vary: bool = False) -> None:
        started = time.perf_counter()
        request = Request(scope, receive)
        try:
            response, flow = await self._answer(request)
        except _Reject as reject:
            response, flow = self._error(reject.status, reject.message, reject.headers), None
        except Exception:
            log.exception("unhandled error serving %s %s", scope["method"], scope["path"])
            response, flow = self._error(500, "internal server error"), None
        if vary:  # what CORSMiddleware says of a response to a same-origin request
            response.headers.append("vary", "Origin")
        log.info(
            "%s %s -> %s (flow %s, %.1f ms)",
            scope["method"], scope["path"], response.status_code, flow,
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> tuple[Response, int]:
        method, path = request.scope["method"], request.scope["path"]
        found = self.requesting.match(method, path)
        if found is None:
            raise _Reject(404, f"no route for {method} {path}")
        if isinstance(found, MethodNotAllowed):
            raise _Reject(
                405,
                f"{method} is not allowed on {path}; allowed: {', '.join(found.allowed)}",
                {"Allow": ", ".join(found.allowed)},
            )
        headers = request.headers
        body = await self._json_body(request, headers)
        ttl = self.deadline + _GRACE
        token = _token(headers.get("authorization"))
        query_string: bytes = request.scope["query_string"]
        record = await self.engine.invoke(
            Requesting.request,
            method=found.route.method,
            path=found.route.path,
            params=found.params,
            query=dict(QueryParams(query_string)) if query_string else {},
            body=self.secrets.seal_fields(body, ttl),
            token=None if token is None else self.secrets.seal(token, ttl),
        )
        answer = await self._await_answer(record)
        return self._response(answer), record.flow

    async def _json_body(self, request: Request, headers: Headers) -> Any:
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise _Reject(400, "the Content-Length header is not a number")
            if int(declared) > self.max_body:
                raise _Reject(413, f"the request body is larger than {self.max_body} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise _Reject(413, f"the request body is larger than {self.max_body} bytes")
            chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw.strip():
            return None
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise _Reject(
                415,
                f"the request body must be JSON sent as Content-Type: application/json "
                f"(got {content_type or 'no content type'})",
            )
        try:
            return json.loads(raw)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digits limit
            raise _Reject(400, f"the request body is not valid JSON: {exc}") from None
        except RecursionError:
            raise _Reject(400, "the request body is nested too deeply") from None

    async def _await_answer(self, root: Record) -> Record:
        engine = self.engine
        try:
            first = await engine.wait_for(root.flow, Requesting.respond, timeout=self.deadline)
        except TimeoutError:
            waiting = engine.waiting_syncs(root.flow)
            log.warning(
                "flow %s (%s %s): no sync answered within %.1f s; syncs waiting: %s",
                root.flow, root.input["method"], root.input["path"], self.deadline,
                ", ".join(waiting) or "none (no sync matched the request)",
            )  # fmt: skip
            message = (
                f"no answer within {self.deadline:g} s (flow {root.flow}); "
                f"see `accord trace {root.flow}`"
            )
            own = await engine.invoke(
                Requesting.respond,
                flow=root.flow,
                request=str(root.id),
                status=504,
                body=self.error_body(504, message),
            )
            await engine.completion(own.id, timeout=self.deadline)
            first = await engine.wait_for(root.flow, Requesting.respond, timeout=self.deadline)
        if first.ok:
            return first
        # The first respond failed (bad status, say); a later valid one may still stand.
        for record in engine.records(root.flow):
            if record.key == first.key and record.ok:
                return record
        log.error("flow %s: the app's respond failed: %s", root.flow, first.error)
        raise _Reject(500, f"the application could not answer (flow {root.flow})")

    def _response(self, answer: Record) -> Response:
        status: int = answer.input["status"]
        headers: dict[str, str] = dict(answer.input.get("headers") or {})
        body = answer.input.get("body")
        if status in _NO_BODY or body is None:
            return Response(status_code=status, headers=headers)
        content = self.secrets.reveal_json(_json.dumps(body).decode()).encode()
        return Response(content, status, headers, media_type="application/json")

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        content = json.dumps(self.error_body(status, message), separators=(",", ":")).encode()
        return Response(content, status, headers, media_type="application/json")


def _has_origin(scope: Scope) -> bool:
    return any(name == b"origin" for name, _ in scope["headers"])


def _token(header: str | None) -> str | None:
    """The credential of ``Authorization: Token xxx`` or ``Bearer xxx``."""
    if not header:
        return None
    scheme, _, credential = header.strip().partition(" ")
    if scheme.lower() not in ("token", "bearer") or not credential.strip():
        return None
    return credential.strip()

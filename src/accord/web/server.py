"""The ASGI server: HTTP requests become ``Requesting/request`` root actions.

Each request is validated at the edge (route, content type, size, nesting, JSON, the caller's
token, the route's declared models, values the log can store), recorded as a root action that
starts a flow, and answered with the first ``Requesting/respond`` completion of that flow. A
request sent again with the same ``Idempotency-Key`` gets the first one's answer. A request that
no sync answers within its deadline gets a 504 saying whether its flow is still running and how
to look it up, and the log names the syncs that were waiting; a flow whose sync raised gets a
500 naming the flow; when the engine stops or the server shuts down, every waiting request is
answered with a 503 at once. No input produces a 500, and no answer carries internals.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from accord import _json
from accord.app import App
from accord.concepts.requesting import MethodNotAllowed, Requesting, RequestInvalid, Route
from accord.engine import Engine, EngineError, EngineFailed, FlowFailed, InputRefused, Record
from accord.values import MAX_DEPTH as MAX_LOG_DEPTH
from accord.web._edge import nesting_exceeds, refusal
from accord.web.secrets import PREFIX, SecretVault, redact, vault

__all__ = [
    "AccordServer",
    "ErrorBody",
    "FieldErrorBody",
    "default_error_body",
    "default_field_error_body",
]

log = logging.getLogger("accord.web")

ErrorBody = Callable[[int, str], Any]
"""Builds the JSON body of an error the server answers itself: (status, message) -> body."""

FieldErrorBody = Callable[[int, dict[str, list[str]]], Any]
"""Builds the body of a 401 or 422 the server answers for a refused request:
(status, {field: [messages]}) -> body."""

OnFailure = Callable[[BaseException], object]
"""Called once, in the event loop, when the server's engine fails (``accord serve`` exits)."""

MAX_DEPTH = 64
"""The default limit on how deeply a request body may nest objects and arrays."""

_NO_BODY = frozenset({204, 304})
_SECRET_PREFIX = PREFIX.encode()
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STATE = "Accord-Flow-State"  # marks the server's own 504 answer, and tells the client
_GRACE = 60.0  # how long secrets outlive the deadline, for async actions still running


def default_error_body(status: int, message: str) -> Any:
    """``{"errors": {"body": [message]}}``, the RealWorld error shape."""
    return {"errors": {"body": [message]}}


def default_field_error_body(status: int, errors: dict[str, list[str]]) -> Any:
    """``{"errors": {"title": ["can't be blank"]}}``, the RealWorld 2.0 error shape."""
    return {"errors": errors}


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
    ``mounts`` maps path prefixes (``"/_accord"``) to Starlette apps served beside the routes
    (the console): a request under a prefix goes to its app, whose lifespan runs with the
    server's.
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
        max_depth: int = MAX_DEPTH,
        error_body: ErrorBody = default_error_body,
        field_error_body: FieldErrorBody = default_field_error_body,
        cors: bool = True,
        secrets: SecretVault = vault,
        on_failure: OnFailure | None = None,
        mounts: Mapping[str, Starlette] | None = None,
        beside: Callable[[Engine], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        found = [c for c in app.concepts if isinstance(c, Requesting)]
        if len(found) != 1:
            raise ValueError(
                "the app must have exactly one Requesting concept (found "
                f"{len(found)}); add `Requesting(routes=[...])` to its concepts"
            )
        if deadline <= 0 or max_body <= 0 or max_depth <= 0:
            raise ValueError("deadline, max_body and max_depth must be positive")
        self._mounts = tuple((_mount_prefix(p), a) for p, a in (mounts or {}).items())
        self.app = app
        self.requesting = found[0]
        self.db = db
        self.deadline = deadline
        self.max_body = max_body
        self.max_depth = max_depth
        self.error_body = error_body
        self.field_error_body = field_error_body
        self.secrets = secrets
        self.on_failure = on_failure
        # Runs beside the engine while it runs (``accord serve`` on PostgreSQL: the worker's
        # LISTEN and takeover); its end is a failure of the engine's.
        self._beside = beside
        self.failure: BaseException | None = None
        """Why the engine failed, once it has (the server then answers 503 and stops)."""
        self._closing = False
        self._waiting: set[asyncio.Task[Any]] = set()  # requests waiting for their flow's answer
        # Idempotency keys of requests being recorded: a duplicate waits for the flow id.
        self._recording: dict[str, asyncio.Future[int | None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
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
        elif self._mounts and (mounted := self._mounted(scope)) is not None:
            await mounted[1](mounted[0], receive, send)
        elif self._cors is not None and _has_origin(scope):
            await self._cors(scope, receive, send)
        else:
            await self._serve(scope, receive, send, vary=self._cors is not None)

    def _mounted(self, scope: Scope) -> tuple[Scope, Starlette] | None:
        """The scope and app of a request under a mount's prefix (Starlette's Mount scope)."""
        path: str = scope["path"]
        root = scope.get("root_path", "")
        route = path[len(root) :] if root and path.startswith(root) else path
        for prefix, app in self._mounts:
            if route == prefix or route.startswith(prefix + "/"):
                inner = path if route != prefix else path + "/"
                return {**scope, "path": inner, "root_path": root + prefix}, app
        return None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the server is not running: the ASGI lifespan starts its engine")
        return self._engine

    def begin_shutdown(self) -> None:
        """Answer every request still waiting for its flow with a 503, and every later one.

        Safe to call from a signal handler or another thread: ``accord serve`` calls it on
        SIGTERM and SIGINT, so that shutting down never waits on a slow flow. The flows
        themselves are durable: they resume when the server starts again.
        """
        loop = self._loop
        if loop is None or loop.is_closed():
            self._closing = True
        else:
            loop.call_soon_threadsafe(self._close)

    def _close(self) -> None:
        self._closing = True
        for task in list(self._waiting):
            task.cancel()

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        self._loop = asyncio.get_running_loop()
        self._closing = False
        if self._owns_engine:
            engine = self._engine_factory(self.app)
            try:
                await engine.start()
            except Exception as exc:
                if self.on_failure is None:
                    raise
                # `accord serve`: a start refused (a migration, a concept's setup, a newer
                # database) is one line and an exit status, not the lifespan's traceback.
                self._refused_start(exc)
                yield
                return
            self._engine = engine
        watch = asyncio.create_task(self._watch(self.engine), name="accord-web-engine-watch")
        try:
            async with contextlib.AsyncExitStack() as mounted:
                for beside in (mount for _prefix, mount in self._mounts):
                    await mounted.enter_async_context(beside.router.lifespan_context(beside))
                yield
        finally:
            watch.cancel()
            self._close()
            if self._owns_engine and self._engine is not None:
                try:
                    await self._engine.stop()
                finally:
                    self._engine = None

    def _refused_start(self, failure: Exception) -> None:
        self.failure = failure
        log.critical("the engine could not start: %s: %s", type(failure).__name__, failure)
        self._close()
        if self.on_failure is not None:
            self.on_failure(failure)

    async def _watch(self, engine: Engine) -> None:
        failure = await self._failure_of(engine)
        self.failure = failure
        log.critical(
            "the engine stopped: %s: %s; answering every waiting request with 503 and "
            "shutting down (fix the cause and restart: recorded flows resume from the log)",
            type(failure).__name__,
            failure,
        )
        self._close()
        if self.on_failure is not None:
            self.on_failure(failure)

    async def _failure_of(self, engine: Engine) -> BaseException:
        if self._beside is None:
            return await engine.failed()
        failed = asyncio.create_task(engine.failed())
        beside = asyncio.create_task(self._beside(engine))
        try:
            done, _ = await asyncio.wait([failed, beside], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (failed, beside):
                task.cancel()
            await asyncio.gather(failed, beside, return_exceptions=True)
        if failed in done:
            return failed.result()
        ended = beside.exception() if not beside.cancelled() else None
        return ended or RuntimeError("the engine's helper stopped")

    # -- one request -------------------------------------------------------------------------

    async def _serve(self, scope: Scope, receive: Receive, send: Send, vary: bool = False) -> None:
        started = time.perf_counter()
        request = Request(scope, receive)
        try:
            response, flow = await self._answer(request)
        except _Reject as reject:
            response, flow = self._error(reject.status, reject.message, reject.headers), None
        except RequestInvalid as invalid:
            content = _json.dumps(self.field_error_body(invalid.status, invalid.errors))
            response, flow = Response(content, invalid.status, media_type="application/json"), None
        except FlowFailed as failed:  # a flow failed while the server was answering a 504
            log.error("flow %s: sync %s failed: %s", failed.flow, failed.sync, failed.reason)
            message = f"the request failed: flow {failed.flow} stopped on an error"
            response, flow = self._error(500, message), failed.flow
        except InputRefused as refused:  # the engine's own check, behind the edge's
            response, flow = self._error(400, str(refused)), None
        except EngineError as exc:  # failed or stopped: nothing will answer this request
            log.error("%s %s: %s", scope["method"], scope["path"], exc)
            response, flow = self._error(503, self._unavailable()), None
        except Exception:
            log.exception("unhandled error serving %s %s", scope["method"], scope["path"])
            response, flow = self._error(500, "internal server error"), None
        if vary:  # what CORSMiddleware says of a response to a same-origin request
            response.headers.append("vary", "Origin")
        log.info(
            "%s %s -> %s (flow %s, %.1f ms)",
            scope["method"],
            scope["path"],
            response.status_code,
            flow,
            (time.perf_counter() - started) * 1000,
        )
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
        if self._closing:
            raise _Reject(503, self._unavailable())
        route = found.route
        headers = request.headers
        body = await self._json_body(request, headers)
        ttl = self.deadline + _GRACE
        token = _token(headers.get("authorization"))
        if token is not None and refusal("token", token, max_depth=1) is not None:
            raise _Reject(400, "the Authorization token is not valid text; send the token again")
        query_string: bytes = request.scope["query_string"]
        # What dict(starlette's QueryParams) gives (the last of repeated names), without the
        # multi-dict it builds first.
        query = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
        caller = self._authenticate(route, token) if route.auth != "none" else None
        params = found.params
        if route.params is not None or route.query is not None or route.body is not None:
            params, query, body = route.validate(params, query, body)
        for field, value in (("body", body), ("query", query), ("params", params)):
            problem = refusal(field, value, max_depth=self.max_depth)
            if problem is not None:
                raise _Reject(400, problem)
        inputs = {
            "method": route.method,
            "path": route.path,
            "params": params,
            "query": query,
            "body": body,
            "token": token,
            "caller": caller,
        }
        key = headers.get("idempotency-key") if method in _UNSAFE else None
        if key is None:
            return await self._record_and_answer(inputs, None, ttl)
        return await self._idempotent(key, request.scope["path"], inputs, ttl)

    async def _record_and_answer(
        self, inputs: dict[str, Any], idempotency: dict[str, str] | None, ttl: float
    ) -> tuple[Response, int]:
        token = inputs["token"]
        sealed = {
            "method": inputs["method"],
            "path": inputs["path"],
            "params": inputs["params"],
            "query": inputs["query"],
            "body": self.secrets.seal_fields(inputs["body"], ttl),
            "token": None if token is None else self.secrets.seal(token, ttl),
            "caller": inputs["caller"],
            "idempotency": idempotency,
        }
        if self.max_depth <= MAX_LOG_DEPTH:
            # _answer checked every part as the engine would (sealing keeps them plain JSON
            # text and nests nothing deeper): the engine need not walk them again.
            record = await self.engine.invoke_checked(Requesting.request, sealed)
        else:  # deeper bodies than the log takes: the engine's check refuses them (a 400)
            record = await self.engine.invoke(Requesting.request, **sealed)
        answer = await self._await_answer(record)
        return self._response(answer), record.flow

    def _authenticate(self, route: Route, token: str | None) -> str | None:
        """The caller a route's token names, or None for a guest; a 401 when refused."""
        auth = self.requesting.authentication
        assert auth is not None  # Requesting refuses routes with auth and no authentication
        if token is None:
            if route.auth == "required":
                raise RequestInvalid(
                    {"token": ["is missing: sign in, then send 'Authorization: Token <token>'"]},
                    401,
                )
            return None
        rows = self.engine.query(auth.verify, token=token)
        user = rows[0].get("user") if rows else None
        problem = rows[0].get("problem") if rows else None
        if problem is not None or user is None:
            raise RequestInvalid({"token": [str(problem or "is invalid")]}, 401)
        known, name = auth.known, auth.known_input
        if known is not None and name is not None and not self.engine.query(known, **{name: user}):
            message = "names a user that does not exist (any more): sign in again"
            raise RequestInvalid({"token": [message]}, 401)
        return str(user)

    async def _idempotent(
        self, key: str, path: str, inputs: dict[str, Any], ttl: float
    ) -> tuple[Response, int]:
        """Record the request once per key; a retry gets the first request's answer."""
        if not 0 < len(key) <= 255 or not key.isascii() or not key.isprintable():
            raise _Reject(
                400, "the Idempotency-Key header must be 1 to 255 visible ASCII characters"
            )
        scoped = json.dumps([inputs["caller"], key])  # one caller's keys never meet another's
        what = [inputs["method"], path, inputs["query"], redact(inputs["body"]), inputs["caller"]]
        fingerprint = hashlib.sha256(_json.dumps(what)).hexdigest()
        while True:
            recording = self._recording.get(scoped)
            if recording is not None:  # the first is being recorded: wait for its flow
                first = await asyncio.shield(recording)
                if first is None:  # it was not recorded: this one goes ahead (or waits again)
                    continue
                rows = self.engine.query(Requesting.by_idempotency_key, key=scoped)
            else:
                rows = self.engine.query(Requesting.by_idempotency_key, key=scoped)
            if rows:
                if rows[0]["fingerprint"] != fingerprint:
                    raise RequestInvalid(
                        {
                            "Idempotency-Key": [
                                "was already used for a different request: send a new key for a "
                                "new request, and the same request with the same key to retry it"
                            ]
                        }
                    )
                flow = int(rows[0]["request"])
                return await self._replay(flow), flow
            if recording is None:
                break
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._recording[scoped] = future
        recorded: int | None = None
        try:
            response, recorded = await self._record_and_answer(
                inputs, {"key": scoped, "fingerprint": fingerprint}, ttl
            )
            return response, recorded
        finally:
            del self._recording[scoped]
            # The answer exists (or the request failed): later duplicates read the log.
            future.set_result(recorded)

    async def _replay(self, flow: int) -> Response:
        """The answer of an earlier request with the same key: its app's answer when there is
        one (also when the server answered a 504 first), else the flow's state."""
        engine = self.engine
        try:
            first = await self._answer_anywhere(flow)
        except TimeoutError:
            return self._late(flow)
        except FlowFailed:
            first = None
        answers = [
            r
            for r in engine.records(flow)
            if r.key == ("Requesting", "respond") and r.completed_at is not None
        ]
        chosen = next((r for r in answers if _STATE not in (r.input.get("headers") or {})), None)
        if chosen is None:
            if first is None or _STATE in (first.input.get("headers") or {}):
                return self._late(flow)
            chosen = first
        response = self._response(chosen)
        response.headers["Idempotent-Replayed"] = "true"
        return response

    async def _answer_anywhere(self, flow: int) -> Record:
        """The first answer of ``flow``, whichever process runs it (several ``accord serve``
        processes on one PostgreSQL database): this engine's answer at once, another's as
        soon as a look at the log finds it committed (every 20 ms, then less often)."""
        loop = asyncio.get_running_loop()
        until = loop.time() + self.deadline
        pause = 0.02
        while True:
            left = until - loop.time()
            try:
                return await self.engine.wait_for(
                    flow, Requesting.respond, timeout=max(0.0, min(pause, left))
                )
            except TimeoutError:
                if left <= pause:
                    raise
            pause = min(pause * 2, 0.5)

    def _late(self, flow: int) -> Response:
        state, message = self._flow_state(flow)
        headers = {_STATE: state, "Accord-Flow": str(flow), "Idempotent-Replayed": "true"}
        return self._error(504, message, headers)

    def _flow_state(self, flow: int) -> tuple[str, str]:
        """Whether a flow without an answer is still running, and the message saying so."""
        running = any(r.completed_at is None for r in self.engine.records(flow))
        if running:
            return "running", (
                f"no answer within {self.deadline:g} s: flow {flow} is still running and may "
                f"still complete; send the request again with the same Idempotency-Key to get "
                f"its answer, or look it up with `accord trace {flow}`"
            )
        return "finished", (
            f"no answer within {self.deadline:g} s: flow {flow} finished without answering "
            f"(no sync responds to this request; see `accord trace {flow}` and the server log)"
        )

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
        too_deep = (
            f"the request body is nested more than {self.max_depth} levels deep; "
            "send a flatter JSON document"
        )
        if nesting_exceeds(raw, self.max_depth):  # before json.loads, which recurses
            raise _Reject(400, too_deep)
        try:
            return json.loads(raw)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digits limit
            raise _Reject(400, f"the request body is not valid JSON: {exc}") from None
        except RecursionError:
            raise _Reject(400, too_deep) from None

    async def _await_answer(self, root: Record) -> Record:
        engine = self.engine
        task = asyncio.current_task()
        assert task is not None
        try:
            if self._closing:  # shutdown began while the request was being recorded
                raise self._shutting_down(root.flow)
            self._waiting.add(task)
            try:
                first = await engine.wait_for(root.flow, Requesting.respond, timeout=self.deadline)
            finally:
                self._waiting.discard(task)
        except asyncio.CancelledError:
            if not self._closing:
                raise
            task.uncancel()  # begin_shutdown's cancel, not the client's: answer the request
            raise self._shutting_down(root.flow) from None
        except EngineFailed:
            raise _Reject(503, self._unavailable(root.flow)) from None
        except FlowFailed as failed:
            return await self._flow_failed(root, failed)
        except TimeoutError:
            waiting = engine.waiting_syncs(root.flow)
            log.warning(
                "flow %s (%s %s): no sync answered within %.1f s; syncs waiting: %s",
                root.flow,
                root.input["method"],
                root.input["path"],
                self.deadline,
                ", ".join(waiting) or "none (no sync matched the request)",
            )
            state, message = self._flow_state(root.flow)
            own = await engine.invoke(
                Requesting.respond,
                flow=root.flow,
                request=str(root.id),
                status=504,
                body=self.error_body(504, message),
                headers={_STATE: state, "Accord-Flow": str(root.flow)},
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

    async def _flow_failed(self, root: Record, failed: FlowFailed) -> Record:
        """Answer (and record) a 500 for a flow a sync failed in; the reason stays in the log."""
        log.error(
            "flow %s (%s %s): sync %s failed: %s; answering 500",
            root.flow,
            root.input["method"],
            root.input["path"],
            failed.sync,
            failed.reason,
        )
        message = (
            f"the request failed: flow {root.flow} stopped on an error in the application "
            f"(see `accord trace {root.flow}` and the server log)"
        )
        own = await self.engine.invoke(
            Requesting.respond,
            flow=root.flow,
            request=str(root.id),
            status=500,
            body=self.error_body(500, message),
        )
        # The record says the request was answered; the client need not wait for it.
        return own

    def _shutting_down(self, flow: int) -> _Reject:
        if self.failure is not None:
            return _Reject(503, self._unavailable(flow))
        return _Reject(
            503,
            f"the server is shutting down (flow {flow} was recorded and resumes when it starts "
            f"again; see `accord trace {flow}`)",
        )

    def _unavailable(self, flow: int | None = None) -> str:
        where = "" if flow is None else f" (flow {flow} may be incomplete; see the server log)"
        if self.failure is not None or (self._engine is not None and self._engine.failure):
            return f"the server's engine stopped on an error and the server is shutting down{where}"
        return f"the server is shutting down or not running{where}"

    def _response(self, answer: Record) -> Response:
        status: int = answer.input["status"]
        headers: dict[str, str] = dict(answer.input.get("headers") or {})
        body = answer.input.get("body")
        if status in _NO_BODY or body is None:
            return Response(status_code=status, headers=headers)
        content = _json.dumps(body)
        if _SECRET_PREFIX in content:  # a token handed out: its cleartext goes to the client
            content = self.secrets.reveal_json(content.decode()).encode()
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


def _mount_prefix(prefix: str) -> str:
    if not prefix.startswith("/") or prefix.endswith("/") or "//" in prefix:
        raise ValueError(
            f"mount prefix {prefix!r}: start it with '/' and end it without one, e.g. '/_accord'"
        )
    return prefix

"""The console's pages and actions, as a Starlette application.

Reads go through :mod:`accord.web.console.queries`; a review decision is validated here
against the item's model and then posted to the database's inbox, the same path as
``accord review`` (docs/reviewing.md): the app's engine applies it in the item's flow at once
when it runs, or at its next start, so no decision is lost while the app is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from accord.concepts.reviewing import import_schema, validate_value
from accord.records import Record
from accord.state import Db
from accord.store.sqlite import SqliteStore
from accord.web.console import queries
from accord.web.console.auth import Credentials, Role, new_csrf_token, same_token, session_secret
from accord.web.console.breakers import BreakerSettings, Replay, attempts_top, replay
from accord.web.console.charts import bar_chart, rate_chart
from accord.web.console.forms import (
    FormField,
    attach_errors,
    build_form,
    errors_by_field,
    parse_form,
    refill,
)
from accord.web.console.textindex import TextIndex

__all__ = ["ConsoleSettings", "create_console"]

log = logging.getLogger("accord.console")

_HERE = Path(__file__).parent
_SESSION_COOKIE = "accord_console"
_SECRET_KEYS = frozenset(
    {"password", "token", "secret", "api_key", "apikey", "authorization", "cookie"}
)
_MAX_NOTE = 2000
_MAX_NAME = 64


@dataclass(frozen=True)
class ConsoleSettings:
    """How a console runs: its database, who may log in, and the app's review models."""

    db: Path
    credentials: Credentials
    schemas: Mapping[str, type[BaseModel]] | None = None
    prefix: str = ""
    """The path the console is mounted under (``/_accord`` inside ``accord serve``)."""
    secret: str | None = None
    https_only: bool = False
    session_hours: float = 12.0
    page_size: int = 50
    stuck_after: float = 300.0
    live_interval: float = 0.5
    live_duration: float = 25.0
    breakers: Mapping[str, BreakerSettings] | None = None
    text_index: bool = True
    """Keep the free-text filter's trigram index in ``<db>.console-text`` (see textindex)."""
    """Each model's circuit-breaker thresholds (the app's; defaults for a model not named)."""


def redact(value: Any) -> Any:
    """A copy of a JSON value with secret-looking fields masked (the log holds references
    for them already; this also hides any a concept stored in clear)."""
    if isinstance(value, dict):
        return {
            k: ("•••" if str(k).lower() in _SECRET_KEYS and v not in (None, "") else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _pretty(value: Any) -> str:
    return json.dumps(redact(value), ensure_ascii=False, indent=2, default=str)


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(redact(value), ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(ts: float | None) -> str:
    if ts is None:
        return ""
    return dt.datetime.fromtimestamp(ts).isoformat(" ", "seconds")


def _age(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Console:
    def __init__(self, settings: ConsoleSettings) -> None:
        self.s = settings
        self.prefix = settings.prefix.rstrip("/")
        self._store: SqliteStore | None = None
        self._kept: dict[str, tuple[object, Any]] = {}
        self.text_index = (
            TextIndex(settings.db.with_name(settings.db.name + ".console-text"))
            if settings.text_index
            else None
        )
        self.env = Environment(
            loader=PackageLoader("accord.web.console", "templates"),
            autoescape=select_autoescape(["html"], default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(pretty=_pretty, short=_short, when=_when, age=_age)
        self.env.globals.update(prefix=self.prefix, statuses=queries.FLOW_STATUSES)

    # -- plumbing ----------------------------------------------------------------------------

    def _memo(self, name: str, key: object, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept under ``name`` while ``key`` (a newest rowid) is unchanged."""
        kept = self._kept.get(name)
        if kept is not None and kept[0] == key:
            return kept[1]
        value = compute()
        self._kept[name] = (key, value)
        return value

    @property
    def store(self) -> SqliteStore:
        if self._store is None:
            if not self.s.db.exists():
                raise _Refused(503, f"no database at {self.s.db}")
            store = SqliteStore(self.s.db)
            store.open()
            self._store = store
        return self._store

    @property
    def db(self) -> Db:
        return self.store.reader()

    def close(self) -> None:
        if self.text_index is not None:
            self.text_index.close()
        if self._store is not None:
            self._store.close()
            self._store = None

    def url(self, path: str, **params: Any) -> str:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{self.prefix}{path}" + (f"?{urlencode(query)}" if query else "")

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        session = request.session
        user = session.get("user")
        body = self.env.get_template(template).render(
            user=user,
            role=session.get("role"),
            csrf=session.get("csrf", ""),
            url=self.url,
            live=self._fingerprint,
            **context,
        )
        return HTMLResponse(body, status_code=status)

    def refuse(self, request: Request, status: int, message: str) -> Response:
        return self.page(request, "error.html", status=status, message=message)

    # -- auth --------------------------------------------------------------------------------

    def _csrf(self, request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = new_csrf_token()
            request.session["csrf"] = token
        return str(token)

    async def _checked_form(self, request: Request) -> dict[str, str]:
        form = await request.form(max_files=0, max_fields=500)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        given = fields.get("csrf") or request.headers.get("x-csrf-token")
        if not same_token(given, request.session.get("csrf")):
            raise _Refused(
                403, "the form's security token is missing or stale; reload the page and retry"
            )
        return fields

    def login_page(self, request: Request) -> Response:
        self._csrf(request)
        return self.page(request, "login.html", next=request.query_params.get("next", ""))

    async def login(self, request: Request) -> Response:
        form = await self._checked_form(request)
        name = form.get("name", "").strip()
        role = self.s.credentials.role_for(form.get("password", ""))
        error = ""
        if not name or len(name) > _MAX_NAME:
            error = f"give your name (1 to {_MAX_NAME} characters): decisions record it"
        elif role is None:
            error = "wrong password"
        if error:
            return self.page(request, "login.html", status=401, error=error, name=name)
        # A new session on login: nothing set before it (a planted cookie) carries over.
        request.session.clear()
        request.session.update(user=name, role=str(role), csrf=new_csrf_token())
        log.info("console login: %s as %s", name, role)
        return RedirectResponse(self._safe_next(form.get("next", "")), status_code=303)

    def _safe_next(self, target: str) -> str:
        home = self.url("/flows")
        if not target.startswith(f"{self.prefix}/") or target.startswith("//") or "\\" in target:
            return home
        return target

    async def logout(self, request: Request) -> Response:
        await self._checked_form(request)
        request.session.clear()
        return RedirectResponse(self.url("/login"), status_code=303)

    # -- flows -------------------------------------------------------------------------------

    def _float_param(self, request: Request, key: str) -> float | None:
        raw = request.query_params.get(key, "").strip()
        if not raw:
            return None
        try:
            return dt.datetime.fromisoformat(raw).timestamp()
        except ValueError:
            raise _Refused(
                400, f"{key} must be a date or time like 2025-01-31 or 2025-01-31T14:00"
            ) from None

    def _int_param(self, request: Request, key: str) -> int | None:
        raw = request.query_params.get(key, "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise _Refused(400, f"{key} must be a whole number")
        return int(raw)

    def flows(self, request: Request) -> Response:
        q = request.query_params
        filters = {
            "status": q.get("status", "").strip(),
            "root": q.get("root", "").strip(),
            "concept": q.get("concept", "").strip(),
            "q": q.get("q", "").strip(),
            "since": q.get("since", "").strip(),
            "until": q.get("until", "").strip(),
        }
        try:
            page = queries.list_flows(
                self.db,
                status=filters["status"] or None,
                root=filters["root"] or None,
                concept=filters["concept"] or None,
                text=filters["q"] or None,
                since=self._float_param(request, "since"),
                until=self._float_param(request, "until"),
                before=self._int_param(request, "before"),
                limit=self.s.page_size,
                stuck_after=self.s.stuck_after,
                text_index=self.text_index,
            )
        except ValueError as exc:
            raise _Refused(400, str(exc)) from None
        next_url = (
            self.url("/flows", before=page.next_before, **filters) if page.next_before else None
        )
        template = "_flow_rows.html" if request.headers.get("hx-request") else "flows.html"
        return self.page(
            request,
            template,
            page=page,
            filters=filters,
            next_url=next_url,
            first=q.get("before") is None,
            live_url=self.url("/flows", **filters),
        )

    def _flow(self, flow: int) -> tuple[list[Record], list[tuple[float, str, str]]]:
        records = queries.flow_records(self.db, flow)
        if not records:
            raise _Refused(404, f"no flow {flow}; find it in the flow list")
        return records, self.store.flow_events(flow)

    def flow(self, request: Request) -> Response:
        flow = int(request.path_params["flow"])
        records, events = self._flow(flow)
        by_id = {r.id: r for r in records}
        children: dict[int | None, list[Record]] = {}
        for r in records:
            parent = r.trigger
            children.setdefault(parent if parent in by_id else None, []).append(r)
        rows: list[tuple[int, Record]] = []
        stack = [(0, r) for r in reversed(children.get(None, []))]
        while stack:
            depth, r = stack.pop()
            rows.append((depth, r))
            stack.extend((depth + 1, c) for c in reversed(children.get(r.id, [])))
        attempts = queries.llm_attempts(
            self.db, [r.id for r in records if r.concept == "Extracting" or r.action == "extract"]
        )
        now = time.time()
        context: dict[str, Any] = {
            "flow": flow,
            "rows": rows,
            "events": events,
            "attempts": attempts,
            "stuck_after": self.s.stuck_after,
            "now": now,
            "pending": sum(1 for r in records if r.output is None),
        }
        template = "_flow_tree.html" if request.headers.get("hx-request") else "flow.html"
        return self.page(request, template, **context)

    def why(self, request: Request) -> Response:
        rid = int(request.path_params["record"])
        chain = queries.provenance_chain(self.db, rid)
        if chain[0][1] is None:
            raise _Refused(404, f"no record #{rid}")
        return self.page(request, "why.html", record_id=rid, chain=chain)

    # -- review ------------------------------------------------------------------------------

    def queue(self, request: Request) -> Response:
        after = self._int_param(request, "after")
        page = queries.review_queue(self.db, after=after, limit=self.s.page_size)
        stats = queries.queue_stats(self.db)
        template = "_queue_rows.html" if request.headers.get("hx-request") else "queue.html"
        return self.page(
            request,
            template,
            page=page,
            stats=stats,
            now=time.time(),
            next_url=self.url("/review", after=page.next_after) if page.next_after else None,
        )

    def _model(self, item: dict[str, Any]) -> tuple[type[BaseModel] | None, str]:
        """The item's model, and why there is none when it cannot be found."""
        name, ref = item.get("schema_name"), item.get("schema_ref")
        if not name:
            return None, ""
        known = (self.s.schemas or {}).get(name)
        if known is not None:
            return known, ""
        if ref:
            try:
                return import_schema(ref), ""
            except (ImportError, AttributeError, TypeError) as exc:
                return None, (
                    f"the model {ref} cannot be imported here ({exc}); the app validates the "
                    "value when it applies the decision"
                )
        return None, f"the model {name} is unknown here; the app validates the value"

    def _form(self, item: dict[str, Any], model: type[BaseModel] | None) -> list[FormField]:
        if model is None:
            text = json.dumps(item["proposed"], ensure_ascii=False, indent=2)
            return [FormField("v", "value (JSON)", "json", True, value=text)]
        return build_form(model, item["proposed"], prefix="v.")

    def _item(self, item_id: str) -> dict[str, Any]:
        item = queries.review_item(self.db, item_id)
        if item is None:
            raise _Refused(404, f"no review item {item_id!r}; see the review queue")
        return item

    def _raw_reply(self, item: dict[str, Any]) -> str | None:
        records = queries.flow_records(self.db, item["flow"])
        calls = [r.id for r in records if r.concept == "Extracting"]
        for attempts in reversed(list(queries.llm_attempts(self.db, calls).values())):
            for attempt in reversed(attempts):
                if attempt.raw:
                    return attempt.raw
        return None

    def item_page(
        self,
        request: Request,
        item: dict[str, Any],
        *,
        status: int = 200,
        fields: list[FormField] | None = None,
        problems: list[str] | None = None,
        note: str = "",
    ) -> Response:
        model, warning = self._model(item)
        pending = queries.pending_decisions(self.db, item["item"])
        following = queries.review_queue(self.db, after=item["pos"], limit=1).rows
        context: dict[str, Any] = {
            "item": item,
            "fields": fields if fields is not None else self._form(item, model),
            "problems": problems or [],
            "warning": warning,
            "pending": pending,
            "raw": self._raw_reply(item),
            "note": note,
            "next_item": following[0]["item"] if following else None,
            "now": time.time(),
        }
        if request.headers.get("hx-request"):
            return self.page(request, "_item_status.html", **context)
        return self.page(request, "item.html", status=status, **context)

    def item(self, request: Request) -> Response:
        return self.item_page(request, self._item(request.path_params["item"]))

    async def decide(self, request: Request) -> Response:
        form = await self._checked_form(request)
        if request.session.get("role") != Role.REVIEWER:
            raise _Refused(
                403, "only a reviewer may decide review items; you are logged in as a viewer"
            )
        item = self._item(request.path_params["item"])
        if item["status"] != "open":
            raise _Refused(409, f"review item {item['item']} is already {item['status']}")
        if queries.pending_decisions(self.db, item["item"]):
            raise _Refused(
                409,
                f"a decision on {item['item']} is already posted and waits for the app to apply it",
            )
        decision = form.get("decision", "")
        note = form.get("note", "")[:_MAX_NOTE]
        model, _ = self._model(item)
        inputs: dict[str, Any] = {
            "item": item["item"],
            "note": note,
            "reviewer": request.session["user"],
        }
        if decision == "reject":
            inputs["decision"] = "reject"
        elif decision in ("approve", "edit"):
            fields = self._form(item, model)
            if decision == "approve":
                value: Any = item["proposed"]
                unreadable: dict[str, str] = {}
            else:
                parsed, unreadable = parse_form(fields, form)
                value = parsed.get("v")
                refill(fields, form)
            if unreadable:
                problems = attach_errors(fields, unreadable)
                return self.item_page(
                    request, item, status=422, fields=fields, problems=problems, note=note
                )
            if value is None:
                return self.item_page(
                    request,
                    item,
                    status=422,
                    fields=fields,
                    problems=[f"{decision} needs a value"],
                    note=note,
                )
            if model is not None:
                try:
                    value = validate_value(model, value)
                except ValidationError as exc:
                    errors = {f"v.{k}" if k else "v": m for k, m in errors_by_field(exc).items()}
                    problems = attach_errors(fields, errors)
                    if decision == "approve":
                        problems.insert(0, "the proposed value fails the schema: edit it instead")
                    return self.item_page(
                        request, item, status=422, fields=fields, problems=problems, note=note
                    )
            inputs.update(decision=decision, value=value)
        else:
            raise _Refused(400, "decision must be approve, edit or reject")
        self.store.post("Reviewing", "resolve", inputs, item["flow"])
        log.info("console: %s posted %s of %s", inputs["reviewer"], decision, item["item"])
        return RedirectResponse(
            self.url(f"/review/{item['item']}", posted=decision), status_code=303
        )

    # -- drift and health --------------------------------------------------------------------

    def drift(self, request: Request) -> Response:
        db = self.db
        baselines = queries.drift_baselines(db)
        checks = []
        for r in self.store.recent("Drift", "check", 10):
            report = (r.output or {}).get("report")
            if isinstance(report, dict):
                checks.append((r, report, bar_chart(report.get("fields", []))))
        # LLM calls and attempts are never changed once written: what is computed from them up
        # to the newest rowid stays true until a newer row exists, so it is kept until then.
        calls_top = queries.llm_calls_top(db)
        outcomes = self._memo(
            "outcomes", calls_top, lambda: queries.llm_outcomes(db, top=calls_top)
        )
        top = attempts_top(db)
        breakers: list[Any] = []
        if top is not None:
            models = list(outcomes["by_model"])
            kept: Replay = self._memo(
                "breakers", top, lambda: replay(db, top, self.s.breakers, models)
            )
            breakers = kept.states(time.time())
        return self.page(
            request,
            "drift.html",
            baselines=baselines,
            checks=checks,
            outcomes=outcomes,
            rate_svg=self._memo("rate_svg", calls_top, lambda: rate_chart(outcomes["series"])),
            stats=queries.queue_stats(db),
            inbox=self.store.inbox_size(),
            breakers=breakers,
        )

    # -- live updates ------------------------------------------------------------------------

    def _fingerprint(self, watch: str) -> str:
        db = self.db
        if watch == "flows":
            return str(queries.latest_flow(db))
        if watch == "queue":
            return json.dumps(queries.queue_stats(db, now=0.0))
        if watch.startswith("flow:") and watch[5:].isdigit():
            row = db.one(
                "SELECT COUNT(*) AS n, SUM(output IS NULL) AS p FROM actions WHERE flow = ?",
                (int(watch[5:]),),
            )
            return json.dumps(row)
        if watch.startswith("item:"):
            item = queries.review_item(db, watch[5:])
            pending = queries.pending_decisions(db, watch[5:])
            return json.dumps([item and item["status"], len(pending)])
        raise _Refused(400, "watch must be flows, queue, flow:ID or item:ID")

    def events(self, request: Request) -> Response:
        watch = request.query_params.get("watch", "")
        now = self._fingerprint(watch)
        # The page says what it showed: a change between its rendering and this connection
        # is sent at once rather than lost.
        shown = request.query_params.get("since")

        async def stream() -> AsyncIterator[str]:
            seen = now
            yield "retry: 1000\n\n"
            if shown is not None and shown != now:
                yield f"event: change\ndata: {now}\n\n"
            ends = time.monotonic() + self.s.live_duration
            # A bounded stream: the browser reconnects, and a server shutting down never
            # waits on a view left open.
            while time.monotonic() < ends:
                await asyncio.sleep(self.s.live_interval)
                if await request.is_disconnected():
                    return
                current = self._fingerprint(watch)
                if current != seen:
                    seen = current
                    yield f"event: change\ndata: {current}\n\n"

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )


_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class _Headers:
    """Security headers on every answer, and a plain page (no traceback) on any error."""

    def __init__(self, app: ASGIApp, console: _Console) -> None:
        self.app = app
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", _CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)  # type: ignore[arg-type]


Handler = Callable[[Request], Response | Awaitable[Response]]


def _guard(
    console: _Console, handler: Handler, *, login: bool = True
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            if login and not request.session.get("user"):
                if request.method != "GET":
                    raise _Refused(401, "log in first")
                target = console.url(
                    "/login",
                    next=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                )
                if request.headers.get("hx-request"):
                    return Response(status_code=401, headers={"HX-Redirect": target})
                return RedirectResponse(target, status_code=303)
            result = handler(request)
            if not isinstance(result, Response):
                result = await result
            return result
        except _Refused as refused:
            return console.refuse(request, refused.status, refused.message)
        except Exception:
            log.exception("console: unhandled error on %s %s", request.method, request.url.path)
            return console.refuse(request, 500, "internal error; the console's log has the details")

    return endpoint


def create_console(settings: ConsoleSettings) -> Starlette:
    """The console as an ASGI application (serve it with uvicorn, or mount it)."""
    console = _Console(settings)
    g = _guard
    routes = [
        Route("/", g(console, lambda r: RedirectResponse(console.url("/flows"), status_code=303))),
        Route("/login", g(console, console.login_page, login=False), methods=["GET"]),
        Route("/login", g(console, console.login, login=False), methods=["POST"]),
        Route("/logout", g(console, console.logout), methods=["POST"]),
        Route("/flows", g(console, console.flows)),
        Route("/flows/{flow:int}", g(console, console.flow)),
        Route("/records/{record:int}/why", g(console, console.why)),
        Route("/review", g(console, console.queue)),
        Route("/review/{item}", g(console, console.item)),
        Route("/review/{item}/decide", g(console, console.decide), methods=["POST"]),
        Route("/drift", g(console, console.drift)),
        Route("/events", g(console, console.events)),
        Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            console.close()

    middleware = [
        Middleware(_Headers, console=console),
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret or session_secret(),
            session_cookie=_SESSION_COOKIE,
            max_age=int(settings.session_hours * 3600),
            path=settings.prefix or "/",
            same_site="strict",
            https_only=settings.https_only,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.console = console
    return app

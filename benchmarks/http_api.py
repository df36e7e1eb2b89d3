"""HTTP throughput and latency: the accord Conduit app against a hand-written Starlette app.

Both serve ``GET /api/articles`` (20 articles, 5 tags each), ``POST /api/users/login`` and
``POST /api/articles`` (a token-authenticated, validated create with a unique title per request)
from SQLite on loopback, each in its own uvicorn process; wrk (when installed; 10 s per route)
or a bounded asyncio httpx load generator measures requests/s and p50/p99 latency after an
unmeasured warm-up of each route (``--warmup``), and the script prints accord/hand-written
ratios of throughput and of server CPU per request.

    .venv/bin/python benchmarks/http_api.py                  # wrk if installed, 8 connections
    .venv/bin/python benchmarks/http_api.py --tool httpx --requests 1000 --logins 200

The hand-written app does what a careful developer would write without a framework: one
SQLite connection (WAL, synchronous=FULL), a handful of queries per request, the same scrypt
password hashing (in a thread), PyJWT HS256 tokens signed with the same key (both servers read
CONDUIT_JWT_SECRET, which the script sets), and a Pydantic model of the RealWorld 2.0
article-create body. accord runs durably (every batch fsynced) unless ``--no-durable``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
EMAIL, PASSWORD = "bench@example.com", "bench-password"
JWT_ENV = "CONDUIT_JWT_SECRET"  # what examples/realworld's JWT concept reads; first key signs
ROUTES = ("GET /api/articles", "POST /api/users/login", "POST /api/articles")

Call = Callable[[httpx.AsyncClient], Awaitable[int]]
"""One request of a route; the HTTP status it got."""

# -- the hand-written app -------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "article"


def handwritten_app(db_path: str) -> Any:
    """A minimal Starlette + SQLite implementation of the three measured routes."""
    from typing import Annotated

    import jwt
    from pydantic import AfterValidator, BaseModel, ValidationError
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def not_blank(value: str) -> str:
        if not value.strip():
            raise ValueError("can't be blank")
        return value

    Text = Annotated[str, AfterValidator(not_blank)]

    class NewArticle(BaseModel):
        """The RealWorld 2.0 article-create body."""

        title: Text
        description: Text
        body: Text
        tagList: list[str] | None = None

    class NewArticleRequest(BaseModel):
        article: NewArticle

    keys = [k.strip() for k in os.environ.get(JWT_ENV, "").split(",") if k.strip()]
    if not keys:
        raise SystemExit(f"set {JWT_ENV} to the JWT signing key (the first of a comma list signs)")
    conn = sqlite3.connect(db_path, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA synchronous = FULL")  # as durable as accord's default

    def unauthorized(message: str) -> JSONResponse:
        return JSONResponse({"errors": {"body": [message]}}, 401)

    def authenticated(request: Request) -> sqlite3.Row | str:
        """The calling user's row, or why the token is refused."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme not in ("Token", "Bearer") or not token:
            return "missing authorization token"
        for key in keys:
            try:
                claims = jwt.decode(
                    token, key, algorithms=["HS256"], options={"require": ["sub", "exp"]}
                )
                break
            except jwt.ExpiredSignatureError:
                return "token has expired; sign in again"
            except jwt.InvalidTokenError:
                continue
        else:
            return "token is invalid"
        row = conn.execute(
            "SELECT id, username, bio, image FROM users WHERE id = ?", (claims["sub"],)
        ).fetchone()
        return "token names an unknown user" if row is None else row

    async def articles(request: Request) -> JSONResponse:
        limit = int(request.query_params.get("limit", 20))
        offset = int(request.query_params.get("offset", 0))
        rows = conn.execute(
            "SELECT a.id, a.slug, a.title, a.description, a.created_at, a.updated_at, "
            "u.username, u.bio, u.image FROM articles a JOIN users u ON u.id = a.author "
            "ORDER BY a.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        tags: dict[int, list[str]] = {}
        for t in conn.execute(
            f"SELECT article, tag FROM tags WHERE article IN ({marks}) ORDER BY tag", ids
        ):
            tags.setdefault(t["article"], []).append(t["tag"])
        counts = dict(
            conn.execute(
                f"SELECT article, COUNT(*) FROM favorites WHERE article IN ({marks}) "
                "GROUP BY article",
                ids,
            ).fetchall()
        )
        (total,) = conn.execute("SELECT COUNT(*) FROM articles").fetchone()
        return JSONResponse(
            {
                "articles": [
                    {
                        "slug": r["slug"],
                        "title": r["title"],
                        "description": r["description"],
                        "tagList": tags.get(r["id"], []),
                        "createdAt": r["created_at"],
                        "updatedAt": r["updated_at"],
                        "favorited": False,
                        "favoritesCount": counts.get(r["id"], 0),
                        "author": {
                            "username": r["username"],
                            "bio": r["bio"],
                            "image": r["image"],
                            "following": False,
                        },
                    }
                    for r in rows
                ],
                "articlesCount": total,
            }
        )

    async def login(request: Request) -> JSONResponse:
        body = await request.json()
        user = body["user"]
        row = conn.execute(
            "SELECT id, username, email, bio, image, salt, hash FROM users WHERE email = ?",
            (user["email"],),
        ).fetchone()
        if row is None:
            return JSONResponse({"errors": {"body": ["email or password is invalid"]}}, 401)
        digest = await asyncio.to_thread(_scrypt, user["password"], row["salt"])
        if not hmac.compare_digest(digest, row["hash"]):
            return JSONResponse({"errors": {"body": ["email or password is invalid"]}}, 401)
        now = dt.datetime.now(dt.UTC)
        token = jwt.encode(
            {"sub": str(row["id"]), "iat": now, "exp": now + dt.timedelta(days=30)},
            keys[0],
            algorithm="HS256",
        )
        return JSONResponse(
            {
                "user": {
                    "email": row["email"],
                    "token": token,
                    "username": row["username"],
                    "bio": row["bio"],
                    "image": row["image"],
                }
            }
        )

    async def create_article(request: Request) -> JSONResponse:
        user = authenticated(request)
        if isinstance(user, str):
            return unauthorized(user)
        try:
            new = NewArticleRequest.model_validate_json(await request.body()).article
        except ValidationError as invalid:
            errors: dict[str, list[str]] = {}
            for error in invalid.errors():
                field = ".".join(str(part) for part in error["loc"][1:]) or "body"
                message = "can't be blank" if error["type"] == "missing" else error["msg"]
                errors.setdefault(field, []).append(message.removeprefix("Value error, "))
            return JSONResponse({"errors": errors}, 422)
        slug = _slugify(new.title)
        if conn.execute("SELECT 1 FROM articles WHERE slug = ?", (slug,)).fetchone():
            slug = f"{slug}-{secrets.token_hex(4)}"
        tags = sorted({t.strip() for t in new.tagList or [] if t.strip()})
        now = _now()
        with conn:  # one transaction: the article and its tags
            cursor = conn.execute(
                "INSERT INTO articles (slug, author, title, description, body, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (slug, user["id"], new.title, new.description, new.body, now, now),
            )
            conn.executemany(
                "INSERT INTO tags VALUES (?, ?)", [(cursor.lastrowid, t) for t in tags]
            )
        return JSONResponse(
            {
                "article": {
                    "slug": slug,
                    "title": new.title,
                    "description": new.description,
                    "body": new.body,
                    "tagList": tags,
                    "createdAt": now,
                    "updatedAt": now,
                    "favorited": False,
                    "favoritesCount": 0,
                    "author": {
                        "username": user["username"],
                        "bio": user["bio"],
                        "image": user["image"],
                        "following": False,
                    },
                }
            },
            201,
        )

    return Starlette(
        routes=[
            Route("/api/articles", articles),
            Route("/api/articles", create_article, methods=["POST"]),
            Route("/api/users/login", login, methods=["POST"]),
        ]
    )


def _scrypt(password: str, salt: bytes) -> bytes:
    # The same parameters as examples/realworld's Password concept.
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def seed_handwritten(db_path: str, articles: int, tags: int) -> None:
    conn = sqlite3.connect(db_path)
    conn.executescript(
        """
        PRAGMA journal_mode = WAL;
        CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT UNIQUE,
                            bio TEXT, image TEXT, salt BLOB, hash BLOB);
        CREATE TABLE articles (id INTEGER PRIMARY KEY, slug TEXT UNIQUE, author INTEGER,
                               title TEXT, description TEXT, body TEXT, created_at TEXT,
                               updated_at TEXT);
        CREATE TABLE tags (article INTEGER, tag TEXT, PRIMARY KEY (article, tag));
        CREATE TABLE favorites (user INTEGER, article INTEGER, PRIMARY KEY (user, article));
        """
    )
    salt = os.urandom(16)
    conn.execute(
        "INSERT INTO users VALUES (1, 'bench', ?, '', '', ?, ?)",
        (EMAIL, salt, _scrypt(PASSWORD, salt)),
    )
    now = _now()
    for i in range(articles):
        conn.execute(
            "INSERT INTO articles VALUES (?, ?, 1, ?, 'description', 'body', ?, ?)",
            (i + 1, f"article-{i}", f"Article {i}", now, now),
        )
        conn.executemany(
            "INSERT INTO tags VALUES (?, ?)", [(i + 1, f"tag{j}") for j in range(tags)]
        )
    conn.commit()
    conn.close()


async def seed_accord(base: str, articles: int, tags: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        user = {"username": "bench", "email": EMAIL, "password": PASSWORD}
        response = await client.post("/api/users", json={"user": user})
        response.raise_for_status()
        headers = {"Authorization": f"Token {response.json()['user']['token']}"}
        for i in range(articles):
            article = {
                "title": f"Article {i}",
                "description": "description",
                "body": "body",
                "tagList": [f"tag{j}" for j in range(tags)],
            }
            created = await client.post("/api/articles", json={"article": article}, headers=headers)
            created.raise_for_status()


# -- servers as subprocesses ---------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """CPU time the server process has used (all threads, user + system); NaN off Linux."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(name: str, command: list[str], port: int, env: dict[str, str]) -> Server:
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} server exited with {process.returncode}")
        try:
            httpx.get(base + "/api/articles", timeout=2)
            return Server(name, base, process)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{name} server did not start within 60 s")


# -- the load generator ---------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    failures: int
    reported: tuple[float, float] | None = None  # (p50, p99) in seconds, as wrk reports them
    cpu: float = float("nan")  # server CPU seconds spent during the measurement

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per request: steadier than req/s on a shared machine."""
        return self.cpu / self.requests * 1000

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if self.reported is not None:
            return self.reported[0 if p == 50 else 1] * 1000
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def load(base: str, total: int, concurrency: int, call: Call) -> Result:
    latencies: list[float] = []
    failures = 0
    remaining = total
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        for _ in range(min(concurrency, 10)):  # warm up connections and caches
            await call(client)

        async def worker() -> None:
            nonlocal remaining, failures
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                status = await call(client)
                latencies.append(time.perf_counter() - started)
                if not 200 <= status < 300:
                    failures += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - began
    return Result(len(latencies), seconds, latencies, failures)


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _lua(text: str) -> str:
    """``text`` as a Lua string literal (ASCII only: JSON escapes are Lua escapes then)."""
    if not text.isascii():
        raise ValueError(f"wrk scripts take ASCII text only: {text!r}")
    return json.dumps(text)


def wrk_script(method: str, body: str | None, token: str | None = None) -> str:
    """A wrk script sending the same request every time."""
    lines = [f"wrk.method = {_lua(method)}"]
    if body is not None:
        lines += [f"wrk.body = {_lua(body)}", 'wrk.headers["Content-Type"] = "application/json"']
    if token is not None:
        lines.append(f'wrk.headers["Authorization"] = {_lua("Token " + token)}')
    return "\n".join(lines) + "\n"


def article_body(title: str) -> dict[str, Any]:
    return {
        "article": {
            "title": title,
            "description": "benchmark article",
            "body": "Written by the HTTP benchmark.",
            "tagList": ["bench", "http"],
        }
    }


def wrk_article_script(token: str) -> str:
    """A wrk script creating articles, each with a title no earlier request used.

    Titles are ``Bench <run> <thread>-<n>``: wrk runs one Lua state per thread, so the counter
    is per thread and ``setup`` hands each thread its number; the run part keeps titles of the
    warm-up and of later rounds apart.
    """
    head, tail = json.dumps(article_body(f"Bench {secrets.token_hex(4)} @N@")).split("@N@")
    return wrk_script("POST", None, token) + (
        'wrk.headers["Content-Type"] = "application/json"\n'
        "local threads = 0\n"
        "function setup(thread)\n"
        '  thread:set("id", threads)\n'
        "  threads = threads + 1\n"
        "end\n"
        "local count = 0\n"
        "function request()\n"
        "  count = count + 1\n"
        f'  return wrk.format(nil, nil, nil, {_lua(head)} .. id .. "-" .. count .. {_lua(tail)})\n'
        "end\n"
    )


def load_wrk(base: str, path: str, lua: str, seconds: int, concurrency: int) -> Result:
    """Drive the server with wrk for ``seconds`` (it reports rate and percentiles itself)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(concurrency),
        "-d",
        f"{seconds}s",
        "--latency",
        "-s",
        script.name,
        base + path,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", output).group(1))  # type: ignore[union-attr]
    # Anchored: "90.50%" in the thread stats line would otherwise match "50%".
    p50 = _seconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _seconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: .*?timeout (\d+)", output)
    failures = (int(bad.group(1)) if bad else 0) + (int(errors.group(1)) if errors else 0)
    # Percentiles are what wrk reports; keep them as a two-point latency list.
    return Result(total, total / rate if rate else float("inf"), [p50, p99], failures, (p50, p99))


async def get_articles(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/articles")
    if response.status_code == 200:
        assert len(response.json()["articles"]) == 20
    return response.status_code


async def post_login(client: httpx.AsyncClient) -> int:
    response = await client.post(
        "/api/users/login", json={"user": {"email": EMAIL, "password": PASSWORD}}
    )
    return response.status_code


def article_poster(token: str) -> Call:
    """A call creating an article with a title no earlier call used."""
    run, count = secrets.token_hex(4), 0
    headers = {"Authorization": f"Token {token}"}

    async def post_article(client: httpx.AsyncClient) -> int:
        nonlocal count
        count += 1
        title = f"Bench {run} {count}"
        response = await client.post("/api/articles", json=article_body(title), headers=headers)
        if response.status_code == 201:
            assert response.json()["article"]["title"] == title
        return response.status_code

    return post_article


async def sign_in(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        response = await client.post(
            "/api/users/login", json={"user": {"email": EMAIL, "password": PASSWORD}}
        )
        response.raise_for_status()
        token: str = response.json()["user"]["token"]
        return token


# -- main -------------------------------------------------------------------------------------


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


async def run(args: argparse.Namespace) -> None:
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "httpx")
    runs: dict[tuple[str, str], list[Result]] = {}
    # One signing key for both servers, from the variable the RealWorld app reads.
    env = {**os.environ, JWT_ENV: secrets.token_urlsafe(32)}
    load_before = _loadavg()
    with tempfile.TemporaryDirectory() as tmp:
        hand_db = str(Path(tmp) / "hand.db")
        seed_handwritten(hand_db, args.articles, args.tags)
        port = _free_port()
        hand = start(
            "hand-written",
            [sys.executable, __file__, "--serve-handwritten", hand_db, "--port", str(port)],
            port,
            env,
        )
        port = _free_port()
        accord_cmd = [
            sys.executable,
            "-m",
            "accord.cli",
            "serve",
            "examples.realworld.app:app",
            "--port",
            str(port),
            "--db",
            str(Path(tmp) / "accord.db"),
            "--log-level",
            "warning",
        ]
        if not args.durable:
            accord_cmd.append("--no-durable")
        accord = start("accord", accord_cmd, port, env)
        try:
            await seed_accord(accord.base, args.articles, args.tags)
            tokens = {server.name: await sign_in(server.base) for server in (hand, accord)}
            login = json.dumps({"user": {"email": EMAIL, "password": PASSWORD}})
            # Rounds alternate which server goes first: this machine's speed drifts.
            for round_ in range(args.rounds):
                for server in (hand, accord) if round_ % 2 == 0 else (accord, hand):
                    token = tokens[server.name]
                    plans: list[tuple[str, int, Callable[[], Call], Callable[[], str]]] = [
                        (
                            "GET /api/articles",
                            args.requests,
                            lambda: get_articles,
                            lambda: wrk_script("GET", None),
                        ),
                        (
                            "POST /api/users/login",
                            args.logins,
                            lambda: post_login,
                            lambda: wrk_script("POST", login),
                        ),
                        (
                            "POST /api/articles",
                            args.posts,
                            partial(article_poster, token),
                            partial(wrk_article_script, token),
                        ),
                    ]
                    for route, total, call, lua in plans:
                        path = route.split()[1]
                        if tool == "wrk":
                            if args.warmup:  # steady state: caches filled, WAL file at full size
                                load_wrk(server.base, path, lua(), args.warmup, args.concurrency)
                            cpu = server.cpu_seconds()
                            result = load_wrk(
                                server.base, path, lua(), args.seconds, args.concurrency
                            )
                        else:
                            cpu = server.cpu_seconds()
                            result = await load(server.base, total, args.concurrency, call())
                        result.cpu = server.cpu_seconds() - cpu
                        runs.setdefault((server.name, route), []).append(result)
        finally:
            hand.stop()
            accord.stop()

    # Per server and route, the round with the median throughput.
    results = {key: sorted(rs, key=lambda r: r.rps)[len(rs) // 2] for key, rs in runs.items()}
    mode = "durable (synchronous=FULL)" if args.durable else "synchronous=NORMAL"
    load_desc = f"wrk, {args.seconds} s per route" if tool == "wrk" else "httpx load generator"
    print(
        f"\nloopback, {args.concurrency} concurrent clients ({load_desc}), {args.articles} "
        f"articles x {args.tags} tags; accord {mode}; median of {args.rounds} rounds; "
        f"load average (1/5/15 min) {load_before} before, {_loadavg()} after on "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        f"{'route':24} {'server':13} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'fail':>5} "
        f"{'CPU ms/req':>10}"
    )
    for (name, route), r in results.items():
        print(
            f"{route:24} {name:13} {r.rps:9.1f} {r.percentile(50):8.1f} "
            f"{r.percentile(99):8.1f} {r.failures:5d} {r.cpu_ms:10.2f}"
        )
    print()
    for route in ROUTES:
        a, h = results[("accord", route)], results[("hand-written", route)]
        each = ", ".join(
            f"{x.rps / y.rps:.2f}"
            for x, y in zip(runs[("accord", route)], runs[("hand-written", route)], strict=True)
        )
        print(f"{route:24} accord/hand-written throughput: {a.rps / h.rps:.2f} (rounds: {each})")
        pairs = zip(runs[("hand-written", route)], runs[("accord", route)], strict=True)
        ratios = [hand_round.cpu_ms / accord_round.cpu_ms for hand_round, accord_round in pairs]
        print(
            f"{'':24} hand-written/accord CPU per request: {sorted(ratios)[len(ratios) // 2]:.2f} "
            f"(rounds: {', '.join(f'{c:.2f}' for c in ratios)})"
        )
    print(json.dumps({f"{n} {r}": round(v.rps, 1) for (n, r), v in results.items()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="GET /api/articles requests")
    parser.add_argument("--logins", type=int, default=100, help="POST /api/users/login requests")
    parser.add_argument("--posts", type=int, default=200, help="POST /api/articles requests")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--tags", type=int, default=5)
    parser.add_argument("--durable", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--tool",
        choices=["auto", "wrk", "httpx"],
        default="auto",
        help="load generator: wrk if installed (auto), else httpx",
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk: seconds per route")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measurements per server and route (the median is reported)",
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="wrk: unmeasured seconds per route first (0: none)"
    )
    parser.add_argument("--serve-handwritten", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=8001, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_handwritten:
        import uvicorn

        uvicorn.run(handwritten_app(args.serve_handwritten), port=args.port, log_level="warning")
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

"""Instructions per RealWorld request, in process: a figure the machine's load does not move.

Run under callgrind twice, with N and 2N requests; the difference divided by N is the cost of
one request through the ASGI server, the engine and the syncs (start-up cancels out)::

    for n in 200 400; do valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \\
        .venv/bin/python benchmarks/http_instructions.py --requests $n; done
    callgrind_annotate /tmp/cg.200 | head -3; callgrind_annotate /tmp/cg.400 | head -3

``--compare`` does both runs and prints the figure (needs valgrind on PATH). The articles are
created before the measured part, as in ``http_api.py``: 20 articles, each listed per request.
``--route post`` measures ``POST /api/articles`` instead (a validated, authenticated create).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `examples.realworld`


async def _run(requests: int, db: Path, route: str) -> None:
    from examples.realworld.app import build

    from accord.engine import Engine
    from accord.web import AccordServer

    app = build()
    async with Engine(app, db) as engine:
        # A long deadline: under callgrind on a busy machine a request may take seconds.
        server = AccordServer(app, engine=engine, deadline=600)
        transport = httpx.ASGITransport(app=server.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench/api") as client:
            user = {"username": "bench", "email": "bench@example.com", "password": "benchpass1"}
            signed = await client.post("/users", json={"user": user})
            token = signed.json()["user"]["token"]
            auth = {"Authorization": f"Token {token}"}
            for i in range(20):
                article = {"title": f"Article {i}", "description": "d", "body": "b" * 200}
                await client.post("/articles", json={"article": article}, headers=auth)
            for n in range(requests):
                if route == "post":
                    article = {
                        "title": f"Bench {n}",
                        "description": "description",
                        "body": "body",
                        "tagList": ["a", "b"],
                    }
                    answer = await client.post("/articles", json={"article": article}, headers=auth)
                    assert answer.status_code == 201, answer.text
                else:
                    answer = await client.get("/articles?limit=20")
                    assert answer.status_code == 200, answer.text


def _instructions(requests: int, route: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--requests",
                str(requests),
                "--db",
                str(Path(folder) / "bench.db"),
                "--route",
                route,
            ],
            check=True,
            capture_output=True,
        )
        summary = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE)
        assert summary is not None, "no summary line in the callgrind output"
        return int(summary.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--compare", action="store_true", help="run twice under callgrind")
    parser.add_argument(
        "--route",
        choices=["get", "post"],
        default="get",
        help="GET /api/articles, or POST /api/articles (validated, token-authenticated)",
    )
    args = parser.parse_args()
    if args.compare:
        n = args.requests
        low, high = _instructions(n, args.route), _instructions(2 * n, args.route)
        name = "POST /api/articles" if args.route == "post" else "GET /api/articles"
        print(f"instructions per {name}: {(high - low) / n / 1e6:.2f} M")
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_run(args.requests, args.db or Path(folder) / "bench.db", args.route))


if __name__ == "__main__":
    main()

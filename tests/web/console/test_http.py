"""Every console page and action over real loopback HTTP: status codes, login, roles, CSRF,
escaping, pagination, and decisions reaching the app through the inbox."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from tests.web.console.conftest import Running, csrf_of, login, settings
from tests.web.console.domain import BAD, GOOD, VIEWER_PASSWORD, Intake, make_app

from accord.concepts.reviewing import Reviewing
from accord.engine import Engine
from accord.store import SqliteStore
from accord.web import live_server
from accord.web.console import ConsoleAuthError, Credentials, create_console

PAGES = ["/flows", "/flows/1", "/review", "/review/rv2", "/drift", "/records/2/why"]


async def test_every_page_requires_login_and_redirects_to_it(running: Running) -> None:
    await running.receive("m1", "hello", GOOD)
    async with httpx.AsyncClient(base_url=running.base) as client:
        for path in PAGES:
            answer = await client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login?next=")
        refused = await client.post("/review/rv2/decide", data={"decision": "approve"})
        assert refused.status_code == 401


async def test_every_page_answers_once_logged_in(running: Running) -> None:
    await running.receive("m1", "hello", GOOD)
    async with httpx.AsyncClient(base_url=running.base) as client:
        assert (await login(client)).status_code == 303
        for path in PAGES:
            answer = await client.get(path)
            assert answer.status_code == 200, (path, answer.text[-500:])
            assert "default-src 'none'" in answer.headers["content-security-policy"]
            assert answer.headers["x-frame-options"] == "DENY"
        assert (await client.get("/flows/999")).status_code == 404
        assert (await client.get("/review/rv999")).status_code == 404
        assert (await client.get("/records/999/why")).status_code == 404
        assert (await client.get("/flows?status=bogus")).status_code == 400
        assert (await client.get("/flows?since=yesterday")).status_code == 400
        assert (await client.get("/flows?before=x")).status_code == 400
        assert (await client.get("/static/htmx.min.js")).status_code == 200


async def test_login_refuses_a_wrong_password_and_a_missing_csrf_token(running: Running) -> None:
    async with httpx.AsyncClient(base_url=running.base) as client:
        wrong = await login(client, password="not-the-password")
        assert wrong.status_code == 401 and "wrong password" in wrong.text
        no_token = await client.post("/login", data={"name": "eve", "password": "x" * 20})
        assert no_token.status_code == 403
        assert (await client.get("/flows")).status_code == 303  # still logged out


async def test_login_sends_only_to_paths_inside_the_console(running: Running) -> None:
    async with httpx.AsyncClient(base_url=running.base) as client:
        page = await client.get("/login")
        for target, expected in (
            ("/review", "/review"),
            ("//evil.example/x", "/flows"),
            ("https://evil.example/", "/flows"),
        ):
            client.cookies.clear()
            page = await client.get("/login")
            answer = await client.post(
                "/login",
                data={
                    "csrf": csrf_of(page.text),
                    "name": "grace",
                    "password": "reviewer-secret-1",
                    "next": target,
                },
            )
            assert answer.headers["location"] == expected


async def test_a_post_without_the_session_csrf_token_is_refused(running: Running) -> None:
    await running.receive("m1", "hello", GOOD)
    async with httpx.AsyncClient(base_url=running.base) as client:
        await login(client)
        for token in (None, "forged"):
            data = {"decision": "approve"} | ({"csrf": token} if token else {})
            answer = await client.post("/review/rv2/decide", data=data)
            assert answer.status_code == 403
            assert "security token" in answer.text
        assert (await client.post("/logout", data={})).status_code == 403
    await asyncio.sleep(0.2)
    assert running.engine.query(Reviewing.get, item="rv2")[0]["status"] == "open"


async def test_a_viewer_sees_the_queue_but_may_not_decide(running: Running) -> None:
    await running.receive("m1", "hello", GOOD)
    async with httpx.AsyncClient(base_url=running.base) as client:
        await login(client, name="victor", password=VIEWER_PASSWORD)
        page = await client.get("/review/rv2")
        assert page.status_code == 200 and 'id="decide"' not in page.text
        answer = await client.post(
            "/review/rv2/decide", data={"csrf": csrf_of(page.text), "decision": "approve"}
        )
        assert answer.status_code == 403 and "only a reviewer" in answer.text
    store = SqliteStore(running.db)
    store.open()
    try:
        assert store.inbox_size() == 0
    finally:
        store.close()


async def test_an_invalid_edit_shows_field_errors_and_stores_nothing(running: Running) -> None:
    flow = await running.receive("m1", "hello", BAD)
    async with httpx.AsyncClient(base_url=running.base) as client:
        await login(client)
        page = await client.get("/review/rv2")
        approve = await client.post(
            "/review/rv2/decide", data={"csrf": csrf_of(page.text), "decision": "approve"}
        )
        assert approve.status_code == 422 and "edit it instead" in approve.text
        answer = await client.post(
            "/review/rv2/decide",
            data={
                "csrf": csrf_of(page.text),
                "decision": "edit",
                "v.name": "Bob",
                "v.email": "still not an address",
                "v.plan": "pro",
                "v.seats": "0",
                "v.address.city": "",
                "v.address.postcode": "",
            },
        )
        assert answer.status_code == 422
        assert 'data-field="v.email"' in answer.text and 'data-field="v.seats"' in answer.text
        assert 'value="still not an address"' in answer.text  # what was typed stays
    await asyncio.sleep(0.2)
    assert running.engine.query(Reviewing.get, item="rv2")[0]["status"] == "open"
    assert [r.name for r in running.engine.records(flow)][-1] == "Reviewing/request"


async def test_a_valid_edit_continues_the_flow_to_the_stored_record(running: Running) -> None:
    flow = await running.receive("m1", "hello", BAD)
    async with httpx.AsyncClient(base_url=running.base) as client:
        await login(client, name="grace")
        page = await client.get("/review/rv2")
        answer = await client.post(
            "/review/rv2/decide",
            data={
                "csrf": csrf_of(page.text),
                "decision": "edit",
                "v.name": "Bob",
                "v.email": "bob@example.com",
                "v.plan": "free",
                "v.seats": "3",
                "v.signed_up": "2024-02-29",
                "v.address.city": "Leeds",
                "v.address.postcode": "",
                "note": "fixed the address",
            },
        )
        assert answer.status_code == 303
        stored = await running.engine.wait_for(flow, Intake.store, timeout=5)
        assert stored.input["customer"]["address"] == {"city": "Leeds", "postcode": None}
        assert stored.input["customer"]["signed_up"] == "2024-02-29"
        item = await client.get("/review/rv2")
        assert "edited by grace" in item.text
        again = await client.post(
            "/review/rv2/decide", data={"csrf": csrf_of(page.text), "decision": "reject"}
        )
        assert again.status_code == 409
    (row,) = running.engine.query(Intake.stored)
    assert json.loads(row["customer"] or "{}")["seats"] == 3


async def test_reject_records_the_note_and_the_reviewer(running: Running) -> None:
    flow = await running.receive("m1", "hello", GOOD)
    async with httpx.AsyncClient(base_url=running.base) as client:
        await login(client, name="grace")
        page = await client.get("/review/rv2")
        answer = await client.post(
            "/review/rv2/decide",
            data={"csrf": csrf_of(page.text), "decision": "reject", "note": "spam"},
        )
        assert answer.status_code == 303
        dropped = await running.engine.wait_for(flow, Intake.drop, timeout=5)
        assert dropped.input == {"key": "m1", "note": "spam"}
        (item,) = running.engine.query(Reviewing.get, item="rv2")
        assert item["reviewer"] == "grace" and item["status"] == "rejected"


async def test_a_decision_made_while_the_app_is_stopped_applies_when_it_starts(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    async with Engine(make_app(), db, poll_interval=0.05) as engine:
        root = await engine.invoke(Intake.receive, key="m1", body="hi", proposed=GOOD)
        await engine.wait_for(root.flow, Reviewing.request, timeout=5)
    async with (
        live_server(create_console(settings(db))) as base,
        httpx.AsyncClient(base_url=base) as client,
    ):
        await login(client)
        page = await client.get("/review/rv2")
        answer = await client.post(
            "/review/rv2/decide", data={"csrf": csrf_of(page.text), "decision": "approve"}
        )
        assert answer.status_code == 303
        posted = await client.get("/review/rv2")
        assert 'id="posted"' in posted.text and "approve by" in posted.text
        twice = await client.post(
            "/review/rv2/decide", data={"csrf": csrf_of(page.text), "decision": "reject"}
        )
        assert twice.status_code == 409
    async with Engine(make_app(), db, poll_interval=0.05) as engine:
        stored = await engine.wait_for(root.flow, Intake.store, timeout=5)
        assert stored.input["customer"]["email"] == "ada@example.com"


async def test_message_and_reply_html_is_escaped(running: Running) -> None:
    body = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    await running.receive("m1", body, {**GOOD, "name": "<b>bold</b>"})
    async with httpx.AsyncClient(base_url=running.base) as client:
        await login(client)
        for path in ("/review/rv2", "/flows/1", "/flows?q=script", "/records/2/why"):
            text = (await client.get(path)).text
            assert "<script>alert" not in text and "<img src=x" not in text, path
            assert "<b>bold" not in text, path
        item = (await client.get("/review/rv2")).text
        assert "&lt;script&gt;alert(" in item


async def test_flow_list_pages_by_keyset_and_filters(running: Running) -> None:
    for i in range(7):
        await running.receive(f"m{i}", f"message {i}", GOOD)
    app = create_console(settings(running.db, page_size=3))
    async with live_server(app) as base, httpx.AsyncClient(base_url=base) as client:
        await login(client)
        seen: list[str] = []
        url = "/flows"
        while url:
            page = await client.get(url)
            assert page.status_code == 200
            rows = page.text.count('class="flow-row')
            assert rows <= 3
            seen += [f"row{n}" for n in range(rows)]
            marker = 'id="next-page" href="'
            url = (
                page.text.split(marker)[1].split('"')[0].replace("&amp;", "&")
                if marker in page.text
                else ""
            )
        assert len(seen) == 7
        waiting = await client.get("/flows?status=waiting")
        assert waiting.text.count('class="flow-row') == 3
        found = await client.get("/flows?q=message+4")
        assert found.text.count('class="flow-row') == 1
        by_root = await client.get("/flows?root=Intake/receive&concept=Reviewing")
        assert by_root.text.count('class="flow-row') == 3
        queue = await client.get("/review")
        assert queue.text.count('class="queue-row"') == 3 and 'id="next-page"' in queue.text


async def test_the_text_filter_uses_its_index_file_and_sees_flows_logged_after_it(
    running: Running,
) -> None:
    await running.receive("m1", "invoice from Grace", GOOD)
    sidecar = running.db.with_name(running.db.name + ".console-text")
    async with httpx.AsyncClient(base_url=running.base) as client:
        await login(client)
        first = await client.get("/flows?q=GRACE")  # any case, as the scan matched
        assert first.text.count('class="flow-row') == 1
        assert sidecar.exists() and sidecar.stat().st_mode & 0o077 == 0
        await running.receive("m2", "second invoice from Grace", GOOD)
        again = await client.get("/flows?q=grace")  # the index catches up with the log
        assert again.text.count('class="flow-row') == 2
        assert (await client.get("/flows?q=nobody")).text.count('class="flow-row') == 0
        short = await client.get("/flows?q=m2")  # too short for a trigram: read from the log
        assert short.text.count('class="flow-row') == 1


async def test_a_live_view_streams_a_change_when_a_flow_arrives(running: Running) -> None:
    async with httpx.AsyncClient(base_url=running.base, timeout=10) as client:
        await login(client)
        async with client.stream("GET", "/events?watch=flows") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            assert await anext(lines) == "retry: 1000"
            await running.receive("m9", "new", GOOD)
            while await anext(lines) != "event: change":
                pass


def test_credentials_refuse_missing_short_and_shared_passwords() -> None:
    with pytest.raises(ConsoleAuthError, match="no password"):
        Credentials.from_env({})
    with pytest.raises(ConsoleAuthError, match="shorter than 8"):
        Credentials(reviewer="short")
    with pytest.raises(ConsoleAuthError, match="the same"):
        Credentials(reviewer="same-password", viewer="same-password")

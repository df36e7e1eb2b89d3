"""The console in a real browser: Playwright driving Debian's Chromium.

Without /usr/bin/chromium these tests are skipped (install it with `apt-get install -y
chromium`); with CI=true a missing browser fails them instead. They also write the
screenshots of docs/console.md when ACCORD_SCREENSHOTS names a folder (`make screenshots`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from tests.web.console.conftest import Running
from tests.web.console.domain import BAD, GOOD, REVIEWER_PASSWORD, VIEWER_PASSWORD, Intake

from accord.concepts.reviewing import Reviewing

CHROMIUM = Path("/usr/bin/chromium")
HOW = (
    "needs Chromium at /usr/bin/chromium: `apt-get install -y chromium`, then run tests/web/console"
)

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {HOW}", pytrace=False)
    pytest.skip(HOW, allow_module_level=True)

from playwright.async_api import Browser, Page, async_playwright, expect  # noqa: E402

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = os.environ.get("ACCORD_SCREENSHOTS")


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    try:
        yield opened
    finally:
        await context.close()
    assert not errors, f"the page ran script or failed: {errors}"


async def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SHOTS) / f"console-{name}.png"), full_page=True)


async def log_in(
    page: Page, base: str, name: str = "grace", password: str = REVIEWER_PASSWORD
) -> None:
    await page.goto(f"{base}/flows")
    await expect(page).to_have_url(f"{base}/login?next=%2Fflows")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/flows")


async def test_log_in_and_open_a_flow_from_the_list(running: Running, page: Page) -> None:
    await running.receive("m1", "Hi, I am Ada", GOOD)
    await running.receive("m2", "Hello from Bob", BAD)
    await page.goto(f"{running.base}/flows")
    await expect(page).to_have_url(f"{running.base}/login?next=%2Fflows")
    await shot(page, "login")
    await log_in(page, running.base)
    await expect(page.locator("tr.flow-row")).to_have_count(2)
    await shot(page, "flows")
    await page.click("tr.flow-row >> nth=1 >> a")
    await expect(page.locator("h1")).to_have_text("Flow 1")
    await expect(page.locator("section.record")).to_have_count(2)
    await expect(page.locator("section.record.d1 .name")).to_have_text("Reviewing/request")
    await expect(page.locator("section.record.d1 .sync")).to_contain_text("review_each")
    await shot(page, "flow")
    await page.click("section.record.d1 a.why")
    await expect(page.locator(".why-chain li")).to_have_count(2)


async def test_review_an_item_invalid_edit_then_valid_edit(running: Running, page: Page) -> None:
    flow = await running.receive("m1", "Bob here, on the gold plan", BAD)
    await log_in(page, running.base)
    await page.click("text=Review queue")
    await expect(page.locator("tr.queue-row")).to_have_count(1)
    await shot(page, "queue")
    await page.keyboard.press("j")
    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_contain_text("rv2")
    await page.fill("#f-v\\.email", "still wrong")
    await page.click("#edit")
    error = page.locator('.field-error[data-field="v.email"]')
    await expect(error).to_contain_text("should match pattern")
    await shot(page, "item-invalid")
    assert running.engine.query(Reviewing.get, item="rv2")[0]["status"] == "open"
    await page.fill("#f-v\\.email", "bob@example.com")
    await page.select_option("#f-v\\.plan", "pro")
    await page.fill("#f-v\\.address\\.city", "York")
    await page.click("#edit")
    await expect(page.locator("#decision")).to_contain_text("edited by grace", timeout=10_000)
    stored = await running.engine.wait_for(flow, Intake.store, timeout=5)
    assert stored.input["customer"]["email"] == "bob@example.com"
    await page.click("#decision a")
    await expect(page.locator("section.record .name").last).to_have_text("Intake/store")


async def test_reject_an_item(running: Running, page: Page) -> None:
    flow = await running.receive("m1", "buy cheap watches", GOOD)
    await log_in(page, running.base)
    await page.goto(f"{running.base}/review/rv2")
    await page.fill("#note", "spam")
    await page.click("#reject")
    await expect(page.locator("#decision")).to_contain_text("rejected by grace", timeout=10_000)
    dropped = await running.engine.wait_for(flow, Intake.drop, timeout=5)
    assert dropped.input["note"] == "spam"


async def test_the_flow_list_updates_when_a_flow_arrives(running: Running, page: Page) -> None:
    await running.receive("m1", "first", GOOD)
    await log_in(page, running.base)
    await expect(page.locator("tr.flow-row")).to_have_count(1)
    await running.receive("m2", "second", GOOD)
    await expect(page.locator("tr.flow-row")).to_have_count(2, timeout=10_000)


async def test_a_viewer_cannot_decide(running: Running, page: Page) -> None:
    await running.receive("m1", "hello", GOOD)
    await log_in(page, running.base, name="victor", password=VIEWER_PASSWORD)
    await page.goto(f"{running.base}/review/rv2")
    await expect(page.locator(".note")).to_contain_text("only a reviewer may decide")
    await expect(page.locator("#decide")).to_have_count(0)
    # A forged form post from the viewer's own session is refused by the server too.
    answer = await page.request.post(
        f"{running.base}/review/rv2/decide",
        form={"csrf": await page.get_attribute("body", "data-csrf") or "", "decision": "approve"},
    )
    assert answer.status == 403


async def test_html_in_a_message_shows_as_text_and_runs_nothing(
    running: Running, page: Page
) -> None:
    body = "<script>alert('pwned')</script><img src=x onerror=\"alert('img')\">"
    await running.receive("m1", body, {**GOOD, "name": "<img src=y onerror=alert(2)>"})
    await log_in(page, running.base)
    await page.goto(f"{running.base}/review/rv2")
    await expect(page.locator("#payload")).to_contain_text("<script>alert('pwned')</script>")
    await expect(page.locator("#payload")).to_contain_text("onerror")
    assert await page.locator("main img").count() == 0
    assert await page.locator("main script").count() == 0
    await shot(page, "item")
    await page.goto(f"{running.base}/flows/1")
    assert await page.locator("main img").count() == 0
    await page.goto(f"{running.base}/drift")
    await shot(page, "drift")

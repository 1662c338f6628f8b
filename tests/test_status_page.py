"""The status page and the media page: auth, escaping, and a real browser using them.

The browser tests drive Debian's Chromium through Playwright (no `playwright install`). When
Chromium or Playwright is missing they fail, saying what to install: CI installs both.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import API_KEY, Stack, radarr_download, three_outcomes

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def basic(password: str, user: str = "admin") -> dict[str, str]:
    """An Authorization header with HTTP Basic credentials."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def fetch(stack: Stack, path: str, headers: dict[str, str] | None = None) -> Any:
    """GET a page; the status, the headers and the text."""
    assert stack.http is not None
    async with stack.http.get(stack.base + path, headers=headers or {}) as response:
        return response.status, response.headers, await response.text()


@pytest.mark.parametrize("path", ["/", "/media/1"])
@pytest.mark.parametrize("headers", [{}, basic("wrong"), {"X-Api-Key": "wrong"}])
async def test_pages_challenge_without_the_key(
    stack: Stack, path: str, headers: dict[str, str]
) -> None:
    """Without the right key the pages answer 401 with a Basic challenge for the browser."""
    status, answer_headers, text = await fetch(stack, path, headers)
    assert status == 401
    assert answer_headers["WWW-Authenticate"] == 'Basic realm="Trailarr"'
    assert answer_headers["Content-Type"].startswith("text/html")
    assert "API key" in text


async def test_page_with_the_key_as_basic_password(stack: Stack) -> None:
    """The key as the Basic password, with any user name, opens the page."""
    status, headers, text = await fetch(stack, "/", basic(API_KEY, "whoever"))
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "<h2>Library</h2>" in text and "<script" not in text


async def test_titles_are_escaped(tmp_path: Path, redis_url: str, clip: Path) -> None:
    """A title with markup shows as text on both pages, never as markup."""
    async with Stack(tmp_path, redis_url, clip, mode="web") as stack:
        title = '<script>alert("x")</script> & <b>Co</b>'
        movie = stack.add_movie(1, title, 2020)
        await stack.post("radarr", radarr_download(movie))
        for path in ("/", "/media/1"):
            status, _, text = await fetch(stack, path, basic(API_KEY))
            assert status == 200
            assert "<script" not in text and "<b>Co" not in text
            assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co" in text


async def test_unknown_media_page_is_404(stack: Stack) -> None:
    """A media page for an id nobody has is a 404 page."""
    for path in ("/media/999", "/media/abc"):
        status, _, text = await fetch(stack, path, basic(API_KEY))
        assert status == 404
        assert "No media with id" in text


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Debian Chromium driven by Playwright; fails (never skips) when either is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: .venv/bin/pip install playwright==1.65.2")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


async def test_browser_sees_counts_and_retries_a_failure(stack: Stack, browser: Any) -> None:
    """In Chromium the page shows the counts; its Retry button queues the job, which runs again."""
    await three_outcomes(stack)
    context = await browser.new_context(
        http_credentials={"username": "operator", "password": API_KEY}
    )
    page = await context.new_page()
    response = await page.goto(stack.base + "/")
    assert response is not None and response.status == 200

    async def count(status: str) -> str:
        cell = page.locator(f'td[data-instance="radarr"][data-status="{status}"]')
        return str(await cell.inner_text())

    assert [await count(s) for s in ("downloaded", "refused", "no_trailer", "present")] == [
        "1", "1", "1", "0",
    ]  # fmt: skip
    assert await page.locator("#queue-depth").inner_text() == "0"
    assert await page.locator("#worker").inner_text() == "alive"
    row = page.locator("#attention tr", has_text="Missing One")
    assert "every chosen candidate failed" in await row.inner_text()
    stack.videos.add("gone0000003", stack.clip)
    async with page.expect_navigation():
        await row.get_by_role("button", name="Retry").click()
    assert page.url == stack.base + "/"
    await stack.wait_outcomes(4)
    runs = await stack.rows("SELECT outcome FROM job_runs WHERE arr_id = 3 ORDER BY id")
    assert [r["outcome"] for r in runs] == ["no_trailer", "downloaded"]
    [event] = await stack.rows("SELECT event_type, arr_id FROM events WHERE event_type = 'Retry'")
    assert event["arr_id"] == 3
    await page.reload()
    assert await count("downloaded") == "2"
    assert await count("no_trailer") == "0"
    await context.close()


async def test_browser_media_page_lists_candidates(stack: Stack, browser: Any) -> None:
    """From the status page to a media page: every candidate, and why the chosen one won."""
    await three_outcomes(stack)
    context = await browser.new_context(
        http_credentials={"username": "operator", "password": API_KEY}
    )
    page = await context.new_page()
    await page.goto(stack.base + "/")
    async with page.expect_navigation():
        await page.get_by_role("link", name="Downloaded One").first.click()
    assert page.url.startswith(stack.base + "/media/")
    text = await page.locator("body").inner_text()
    assert "Chosen: Radarr's trailer (radarr, score" in text
    assert "the best-ranked of 1 accepted candidate(s); 0 rejected." in text
    chosen = page.locator("tr.chosen")
    assert await chosen.count() == 1
    assert "yt00000001.mp4" in await chosen.inner_text()
    await page.goto(stack.base + "/media/3")
    assert "No candidate was downloaded" in await page.locator("body").inner_text()
    await context.close()

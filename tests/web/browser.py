"""Shared pieces of the real-browser tests: Playwright driving Debian's Chromium against a
live server. Each browser test file sets `pytestmark = BROWSER_MARKS` and uses the
`browser` fixture with `log_in` and `shot`; screenshots land under screenshots/."""

import os
import shutil
from pathlib import Path

import pytest

from revisit.demo import DEMO_PASSWORD
from tests.snapshots import demo_copy

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"

BROWSER_MARKS = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (.ci/run installs it)",
    ),
]


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the session (per worker under pytest-xdist): starting Playwright's
    driver and the browser costs seconds, so the browser tests share it; each test still
    gets fresh contexts, so no cookie or page outlives it. Playwright's event loop stays
    set in this thread while it runs, so the browser tests run last (tests/conftest.py):
    no other test runs beside it."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        # Playwright's sync API runs an event loop in this thread; the test's own ORM
        # calls are still plain synchronous code.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            yield browser
            browser.close()


@pytest.fixture
def browser(chromium):
    """The file's browser; the pages (and their cookies) a test opens close after it."""
    yield chromium
    for context in chromium.contexts:
        context.close()


@pytest.fixture
def demo_live(demo_400_built, transactional_db):
    """The demo organization (the same 400 customers as `demo`, built once per session),
    committed so the live server sees it."""
    return demo_copy(400)


def log_in(browser, live_server, username):
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    # Logged in when the form has sent her on to her start page and it has loaded.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def shot(page, name):
    """The whole page; one that fits in the window is taken as the window shows it, the
    same picture without Playwright stretching the window for a full-page shot."""
    width, height = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    window = page.viewport_size
    fits = width <= window["width"] and height <= window["height"]
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=not fits)


def count_in(page, selector: str) -> int:
    """The count a table cell shows before its target ("3 / 0.5" is 3); 0 when the row
    is not there (nobody has a figure yet)."""
    found = page.locator(selector)
    return int(found.inner_text().split("/")[0].strip() or 0) if found.count() else 0

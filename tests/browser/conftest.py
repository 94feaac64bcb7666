"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

# Sync Playwright runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told the calls are safe (they are: nothing here is async).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


def new_context(browser: Browser, live_server: Any, **kwargs: Any) -> BrowserContext:
    options: dict[str, Any] = {"base_url": live_server.url, "locale": "zh-CN", "viewport": DESKTOP}
    options.update(kwargs)
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A fresh browser context (no cookies) on a desktop screen, as a Shanghai phone or PC
    would ask: Chinese first."""
    context = new_context(browser, live_server)
    yield context.new_page()
    context.close()


@pytest.fixture
def english_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = new_context(browser, live_server, locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = new_context(browser, live_server, viewport=MOBILE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def serious_violations(axe: Axe, page: Page) -> list[dict[str, Any]]:
    """axe's findings of serious or critical impact, once the page has finished loading.

    A click that submits a form starts a navigation the click does not wait for; axe run in
    between finds no document. The audit then waits for the new page and runs again."""
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            results = axe.run(page)
            break
        except PlaywrightError as error:
            navigating = "documentElement" in str(error) or "context was destroyed" in str(error)
            if not navigating or attempt == 2:
                raise
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible(axe: Axe) -> Any:
    """Audit the page as it is now with axe-core; serious or critical findings fail."""

    def check(page: Page) -> None:
        violations = serious_violations(axe, page)
        assert violations == [], f"axe found on {page.url}:\n{describe(violations)}"

    return check

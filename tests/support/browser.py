"""Debian's headless Chromium driven by Playwright (never a browser Playwright downloads;
`make test` installs both), and what every page test checks of a page at a width."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
#: A phone (390 px, as an iPhone 12 to 15 is wide) and a desktop.
WIDTHS = (390, 1280)


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make test` (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def page_at(browser: Browser, width: int, **context: Any) -> Iterator[Page]:
    """A fresh browser context `width` CSS pixels wide (extra options, such as
    `extra_http_headers`, passed on)."""
    session = browser.new_context(viewport={"width": width, "height": 900}, **context)
    try:
        yield session.new_page()
    finally:
        session.close()


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: nothing is cut off)."""
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


def screenshot(page: Page, directory: Path, name: str) -> Path:
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

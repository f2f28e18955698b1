"""One server and one chromium per browser test module, Debian's /usr/bin/chromium (Playwright
cannot download browsers here). A missing chromium FAILS the tests with the fix, never skips.

Module scope, not session: Playwright's sync API keeps an event loop running while it is open,
and the other tests call asyncio.run, which refuses to start inside a running loop."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .server import CHROMIUM, CHROMIUM_ARGS, running_server


class Captured(logging.Handler):
    """Every log record of the server, wherever uvicorn routes it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()}")


@pytest.fixture(scope="module")
def server_logs(base_url: str) -> Iterator[Captured]:
    # Attached after the server started: uvicorn's logging set-up replaces earlier handlers.
    handler = Captured()
    names = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "allnav", "allnav.web", "weasyprint")
    for name in names:
        logging.getLogger(name).addHandler(handler)
    yield handler
    for name in names:
        logging.getLogger(name).removeHandler(handler)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing, so the browser tests cannot run. Install it with "
                    "`make browser` (as root: apt-get install -y chromium).", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()

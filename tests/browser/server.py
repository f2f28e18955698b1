"""A real server for browser tests and screenshots: uvicorn in a thread on 127.0.0.1, a free
port, and the Debian chromium that Playwright drives (browsers cannot be downloaded here)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from allnav.web.app import create_app
from allnav.web.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AS_OF = dt.date(2026, 11, 29)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_server(today: dt.date = AS_OF) -> Iterator[str]:
    """The app served on 127.0.0.1 in this process; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(create_app(Settings(today=lambda: today)), host="127.0.0.1", port=port,
                            log_level="info", access_log=True, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

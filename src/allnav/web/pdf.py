"""The printable summary as a tagged PDF, with WeasyPrint.

The PDF is made from the same HTML as the print page, with the same stylesheets (the
print rules apply: WeasyPrint renders for print media). Nothing is fetched while
rendering: the stylesheets are read from the package and any other URL is refused,
so a page can never make the server reach out. The PDF is tagged (structure tree,
``/Lang`` from ``<html lang>``) for screen readers.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).resolve().parent / "pages" / "static"
STYLESHEETS = ("site.css", "print.css")

# WeasyPrint reports CSS it skips at WARNING; those lines name CSS, never content, but
# they are noise in the server log.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def _refusing_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing (the resource is skipped)."""
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class Refuse(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError("the PDF renderer fetches nothing")

    return Refuse()


def html_to_pdf(html: str) -> bytes:
    """A tagged PDF of ``html`` (a full document), styled by the site's print stylesheets."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]  # heavy: load when asked

    fetcher = _refusing_fetcher()
    sheets = [CSS(filename=str(STATIC_DIR / name), url_fetcher=fetcher) for name in STYLESHEETS]
    pdf = HTML(string=html, base_url=str(STATIC_DIR), url_fetcher=fetcher).write_pdf(
        stylesheets=sheets, pdf_tags=True)
    assert pdf is not None
    return bytes(pdf)


# --- Rendering off the event loop ------------------------------------------------------
#
# A PDF costs 0.35-0.5 s of CPU. Rendered inside the async handler it held the worker's
# event loop: 8 concurrent PDF requests kept /healthz waiting 2.5 s and delayed every CDS
# call on that worker (issue 17). A thread would not help much: WeasyPrint is mostly Python
# and would hold the GIL the loop needs. So PDFs are made in a separate process at a lower
# CPU priority (nice 10: the card requests of the same machine come first), at most
# ``workers`` at once with ``waiting`` more queued; beyond that the answer is 503 with
# Retry-After, at once, without queueing more work.

#: Seconds a client is asked to wait when the PDF queue is full.
PDF_RETRY_AFTER_SECONDS = 5
#: A PDF request not started by a renderer within this time is answered 503.
PDF_START_WITHIN_SECONDS = 20.0
_PDF_NICENESS = 10


class PdfBusy(Exception):
    """The PDF queue is full; answer 503 with ``Retry-After``."""

    retry_after = PDF_RETRY_AFTER_SECONDS


def _start_renderer() -> None:
    """Runs once in each renderer process: lower its priority and load WeasyPrint."""
    os.nice(_PDF_NICENESS)
    import weasyprint  # noqa: F401  # loaded now rather than during the first request


_pools: dict[int, concurrent.futures.ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """One renderer pool per server process and size, started on the first PDF.

    Spawned, not forked: a fork of a process running an event loop and threads is unsafe.
    """
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_renderer)
            _pools[workers] = pool
        return pool


@atexit.register
def _stop_renderers() -> None:
    """Stop the renderer processes before the interpreter tears its modules down (otherwise
    the pool's clean-up runs half torn down and prints an ignored exception)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


def _forget_pool(workers: int, pool: concurrent.futures.ProcessPoolExecutor) -> None:
    with _pools_lock:
        if _pools.get(workers) is pool:
            del _pools[workers]
    pool.shutdown(wait=False, cancel_futures=True)


class PdfQueue:
    """Admission to the renderer processes: ``workers`` rendering, ``waiting`` queued.

    A job counts until its process has finished it, even when the client has gone away
    (a cancelled request cannot stop a render under way), so disconnecting clients cannot
    pile up work behind the limit. A job still waiting for a renderer after
    ``start_within`` seconds is withdrawn and answered 503: on a saturated machine the
    renderers (at a lower priority) fall behind, and admitted PDFs waited up to 73 s in the
    soak benchmark, past a proxy's usual 30 s.
    """

    def __init__(self, workers: int = 1, waiting: int = 4,
                 start_within: float = PDF_START_WITHIN_SECONDS) -> None:
        self.workers, self.waiting, self.start_within = workers, waiting, start_within
        self.in_flight = 0

    async def render(self, html: str) -> bytes:
        """The PDF of ``html`` (see :func:`html_to_pdf`); raises :class:`PdfBusy` when full."""
        if self.in_flight >= self.workers + self.waiting:
            raise PdfBusy()
        loop = asyncio.get_running_loop()
        pool = _pool(self.workers)
        try:
            job = pool.submit(html_to_pdf, html)
        except concurrent.futures.BrokenExecutor:  # a renderer died (e.g. out of memory)
            _forget_pool(self.workers, pool)
            raise PdfBusy() from None
        self.in_flight += 1
        job.add_done_callback(lambda _: self._call_soon(loop))
        result = asyncio.wrap_future(job)
        try:
            try:
                return await asyncio.wait_for(asyncio.shield(result), self.start_within)
            except TimeoutError:
                if job.cancel():  # not started yet: withdrawn, its place freed
                    raise PdfBusy() from None
                return await result  # under way (or next in the renderer's pipe): wait
        except concurrent.futures.BrokenExecutor:
            _forget_pool(self.workers, pool)
            raise PdfBusy() from None
        except asyncio.CancelledError:
            job.cancel()  # only possible while it waits; a render under way runs to its end
            raise

    def _call_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        # RuntimeError: the loop has closed (the server stopped), so there is nothing to count.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._finished)

    def _finished(self) -> None:
        self.in_flight -= 1

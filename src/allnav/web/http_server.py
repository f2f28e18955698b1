"""The HTTP/1.1 protocol ``allnav serve`` runs: uvicorn's httptools protocol with limits on
the request head.

uvicorn (0.55) with httptools, its default, sets no limit on the request head and no time
limit for receiving it: a 100 MB header got a 200, 24 unfinished 25 MB headers grew a
worker from 105 to 487 MiB, and a header trickled one line every 4 s was never closed
(issue 17). uvicorn's h11 protocol has a size limit (``h11_max_incomplete_event_size``) but
no header timeout either, no count limit, and is pure Python (slower on every request). So
this subclass of the httptools protocol adds, per request head (request line and headers):

- **size**: at most :data:`MAX_HEAD_BYTES`; more gets 431 and the connection is closed
  (what is buffered stays below that plus one read);
- **count**: at most :data:`MAX_HEADERS` header fields; more gets 431;
- **time**: the head must arrive within :data:`HEAD_TIMEOUT_SECONDS` of its first byte
  (or of the connection, for a connection that sends nothing); otherwise 408 and closed.

uvicorn's ``timeout_keep_alive`` still closes idle keep-alive connections, and
``limit_concurrency`` (set by ``allnav serve``) caps connections per worker. Behind a
reverse proxy, set the same limits there (docs/security.md).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("allnav.web.http")

#: Largest request head (request line and header fields), in bytes. The CDS Hooks JWT may
#: be 16 KiB; browsers send 1-2 KiB.
MAX_HEAD_BYTES = 32 * 1024
#: Most header fields in one request (browsers send about 15).
MAX_HEADERS = 100
#: Time allowed to receive one request head.
HEAD_TIMEOUT_SECONDS = 10.0
#: Connections (or running requests) per worker beyond which uvicorn answers 503.
MAX_CONCURRENCY = 1000

_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


class _Refused(Exception):
    """Raised inside a parser callback to stop parsing a refused request."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits on the request head above."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._head_bytes = 0
        self._header_count = 0
        self._reading_head = True
        self._refusal: tuple[int, str] | None = None
        self._completed = 0  # requests that ended in the read being parsed
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return  # refused already: the rest is not read
        if self._reading_head and self._head_timer is None:
            self._arm_head_timer()
        self._completed = 0
        super().data_received(data)
        if self._reading_head and not self.transport.is_closing() and not self._completed:
            # The head is not complete after this read: count what it has buffered so far.
            # A read in which a request ended is not counted (it holds that request's body,
            # and we cannot tell where the next head starts): so the buffered head stays
            # below MAX_HEAD_BYTES plus one read.
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(431, f"the request head is larger than {MAX_HEAD_BYTES} bytes")

    # Parser callbacks -------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            self._refusal = (431, f"the request has more than {MAX_HEADERS} header fields")
            raise _Refused()
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head, self._head_bytes, self._header_count = True, 0, 0
        self._completed += 1

    def send_400_response(self, msg: str) -> None:
        # A parser error, or one of our callbacks refusing the request (_Refused).
        if self._refusal is not None:
            self._refuse(*self._refusal)
        else:
            self._cancel_head_timer()
            super().send_400_response(msg)

    # Limits --------------------------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT_SECONDS, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._reading_head and not self.transport.is_closing():
            self._refuse(408, f"the request head did not arrive within {HEAD_TIMEOUT_SECONDS:g} s")

    def _refuse(self, status: int, reason: str) -> None:
        """Answer ``status`` with ``reason`` as plain text and close (no client address is
        logged: on the patient pages it is personal data)."""
        self._cancel_head_timer()
        if self.transport.is_closing():
            return
        log.warning("HTTP request refused (%d): %s", status, reason)
        body = reason.encode("ascii")
        head: list[Any] = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])]
        head += [b"content-type: text/plain; charset=utf-8\r\n",
                 b"content-length: %d\r\n" % len(body), b"connection: close\r\n\r\n", body]
        self.transport.write(b"".join(head))
        self.transport.close()

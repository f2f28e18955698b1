"""Request-head limits of a real ``allnav serve`` on 127.0.0.1, probed with raw sockets
(issue 17, item 5): size, count and time of the request head.

One server (a subprocess, loopback only) is started for the module. Before: a 100 MB header
got a 200, unfinished huge headers were buffered, a trickled header was never closed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from allnav.web.http_server import HEAD_TIMEOUT_SECONDS, MAX_HEAD_BYTES, MAX_HEADERS

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    port = _free_port()
    env = {**os.environ, "ALLNAV_CONFIG": ""}
    server = subprocess.Popen([sys.executable, "-m", "allnav", "serve", "--host", HOST,
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if b" 200 " in _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"):
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stderr.read().decode()[-2000:] if server.stderr else ""
            assert time.monotonic() < deadline, "allnav serve did not start"
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr:
            server.stderr.close()


def _exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data``, then read until the server closes or answers a whole response."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            s.sendall(data)  # refused while sending: read what it said
        return _read_answer(s)


def _read_answer(s: socket.socket) -> bytes:
    got = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return got
        if not chunk:
            return got
        got += chunk
        head, sep, body = got.partition(b"\r\n\r\n")
        if sep and b"content-length:" in head.lower():
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            if len(body) >= length:
                return got


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def test_a_normal_request_is_served(port: int) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(MAX_HEADERS - 2))
    answer = _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + headers + b"\r\n")
    assert _status(answer) == 200


def test_a_large_body_in_one_read_is_not_counted_as_head(port: int) -> None:
    """Regression: a POST whose head and 200 KB body arrive together is served."""
    import json

    body = json.dumps({"age_years": 44, "description": "x" * 200_000}).encode()
    head = (f"POST /api/assess HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection((HOST, port), timeout=10) as s:
        for _ in range(3):  # and again on the same keep-alive connection
            s.sendall(head + body)
            answer = _read_answer(s)
            assert _status(answer) == 200, answer[:200]


def test_a_huge_header_gets_431_and_is_not_read(port: int) -> None:
    big = b"X-Big: " + b"a" * (4 * 1024 * 1024) + b"\r\n"  # 4 MB (the attack used 100 MB)
    answer = _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + big + b"\r\n")
    assert _status(answer) == 431
    assert str(MAX_HEAD_BYTES).encode() in answer


def test_too_many_headers_get_431(port: int) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(MAX_HEADERS + 1))
    answer = _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + headers + b"\r\n")
    assert _status(answer) == 431
    assert b"header fields" in answer


def test_unfinished_large_heads_are_refused_one_by_one(port: int) -> None:
    """24 connections each sending 1 MB of a header that never ends: each is answered 431
    and closed after at most MAX_HEAD_BYTES plus one read, instead of being kept."""
    def unfinished() -> int:
        with socket.create_connection((HOST, port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: ")
            try:
                for _ in range(16):
                    s.sendall(b"b" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return _status(_read_answer(s))

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda _: unfinished(), range(24))) == [431] * 24
    assert _status(_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")) == 200


def test_a_trickled_head_and_a_silent_connection_are_closed_with_408(port: int) -> None:
    def trickle() -> int:
        with socket.create_connection((HOST, port), timeout=HEAD_TIMEOUT_SECONDS + 10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
            s.settimeout(1.0)
            for i in range(int(HEAD_TIMEOUT_SECONDS) + 10):  # a line a second, never ending
                try:
                    s.sendall(b"X-Slow-%d: v\r\n" % i)
                    if (answer := s.recv(4096)) is not None:
                        return _status(answer)
                except TimeoutError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
            return 0

    def silent() -> int:
        with socket.create_connection((HOST, port), timeout=HEAD_TIMEOUT_SECONDS + 10) as s:
            return _status(_read_answer(s))

    with ThreadPoolExecutor(2) as pool:
        slow, quiet = pool.submit(trickle), pool.submit(silent)
        assert (slow.result(), quiet.result()) == (408, 408)

"""What ``allnav serve`` checks and passes to uvicorn before listening (issue 17, items 5, 8)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from typer.testing import CliRunner

from allnav.cli import app as cli
from allnav.web.http_server import GuardedHttpToolsProtocol


def _resolver(address: str) -> Any:
    def getaddrinfo(host: str, *args: Any, **kw: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0))]
    return getaddrinfo


def test_insecure_demo_resolves_localhost_and_refuses_a_routable_address(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(a))
    # A hosts file (or resolver) that maps localhost to a routable address.
    monkeypatch.setattr(socket, "getaddrinfo", _resolver("192.0.2.10"))
    r = CliRunner().invoke(cli, ["serve", "--insecure-demo", "--host", "localhost"])
    assert r.exit_code == 2 and "loopback" in r.output
    assert started == []


def test_insecure_demo_accepts_localhost_that_resolves_to_loopback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(kw))
    monkeypatch.setattr(socket, "getaddrinfo", _resolver("127.0.0.1"))
    r = CliRunner().invoke(cli, ["serve", "--insecure-demo", "--host", "localhost"])
    assert r.exit_code == 0
    (options,) = started
    assert options["host"] == "localhost"


def test_serve_runs_the_guarded_protocol_with_connection_limits(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from allnav.web.cpu_pinning import PIN_DIR_ENV
    from allnav.web.settings import CONFIG_ENV, DEMO_ENV, JTI_STORE_ENV

    for name in (CONFIG_ENV, DEMO_ENV, JTI_STORE_ENV, PIN_DIR_ENV):  # serve sets them for workers
        monkeypatch.delenv(name, raising=False)
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(kw))
    assert CliRunner().invoke(cli, ["serve"]).exit_code == 0
    assert CliRunner().invoke(cli, ["serve", "--workers", "2"]).exit_code == 0
    for options in started:
        assert options["http"] is GuardedHttpToolsProtocol
        assert options["limit_concurrency"] and options["timeout_keep_alive"] <= 5

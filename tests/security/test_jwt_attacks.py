"""Attacks on the CDS Hooks JWT: jku fetch amplification, replay-store failures (issue 17).

The jku fetcher here serves from memory and waits like a slow server would; nothing leaves
the process. The verifier under test is the real one, called as the service calls it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from allnav.web.app import create_app
from allnav.web.jwt_auth import AuthError, JwtVerifier
from allnav.web.settings import Issuer

from ..ehr_harness import BASE, SERVICE_PATH, Ehr, full_prefetch, hook_request, send

ENDPOINT = BASE + SERVICE_PATH
JKU = "https://ehr.test/.well-known/jwks.json"
OTHER_JKU = "https://ehr.test/other/jwks.json"


class SlowJwksServer:
    """A JWK Set endpoint that takes ``delay`` seconds and may fail; counts the fetches."""

    def __init__(self, jwks: Mapping[str, Any], *, delay: float = 0.05, fail: bool = False) -> None:
        self.jwks, self.delay, self.fail = jwks, delay, fail
        self.urls: list[str] = []

    async def __call__(self, url: str) -> Mapping[str, Any]:
        self.urls.append(url)
        await asyncio.sleep(self.delay)
        if self.fail:
            raise httpx.ConnectTimeout("timed out")
        return self.jwks


def _verifier(ehr: Ehr, fetcher: SlowJwksServer, jku: tuple[str, ...] = (JKU,)) -> JwtVerifier:
    issuer = Issuer(ehr.iss, ehr.jwks(), jku=jku)
    return JwtVerifier(ehr.settings(issuers={ehr.iss: issuer}, jwks_fetcher=fetcher))


async def _outcomes(verifier: JwtVerifier, tokens: list[str]) -> list[str]:
    async def one(token: str) -> str:
        try:
            await verifier.verify(token, ENDPOINT)
        except AuthError as e:
            return e.reason
        return "accepted"
    return list(await asyncio.gather(*(one(t) for t in tokens)))


def test_60_concurrent_unknown_kids_make_one_jku_fetch() -> None:
    ehr, stranger = Ehr(), Ehr(iss="https://ehr.test/issuer")  # same iss, a kid nobody knows
    server = SlowJwksServer(ehr.jwks(), delay=0.2)
    verifier = _verifier(ehr, server)
    tokens = [stranger.token(ENDPOINT, headers={"jku": JKU}) for _ in range(60)]
    outcomes = asyncio.run(_outcomes(verifier, tokens))
    assert server.urls == [JKU]  # single flight: one fetch, not 60
    assert set(outcomes) <= {"unknown kid", "unknown kid (jku fetched recently)"}


def test_failed_jku_fetches_count_toward_the_limit() -> None:
    ehr, stranger = Ehr(), Ehr(iss="https://ehr.test/issuer")
    server = SlowJwksServer(ehr.jwks(), fail=True)
    verifier = _verifier(ehr, server)

    async def sixty_in_a_row() -> list[str]:
        out = []
        for _ in range(60):
            out += await _outcomes(verifier, [stranger.token(ENDPOINT, headers={"jku": JKU})])
        return out

    outcomes = asyncio.run(sixty_in_a_row())
    assert server.urls == [JKU]
    assert outcomes[0] == "jku fetch failed (ConnectTimeout)"
    assert set(outcomes[1:]) == {"unknown kid (jku fetched recently)"}


def test_jku_fetches_have_a_hard_cap_per_minute() -> None:
    ehr, stranger = Ehr(), Ehr(iss="https://ehr.test/issuer")
    urls = tuple(f"https://ehr.test/jwks/{i}.json" for i in range(30))
    server = SlowJwksServer(ehr.jwks(), delay=0.0)
    verifier = _verifier(ehr, server, jku=urls)
    tokens = [stranger.token(ENDPOINT, headers={"jku": u}) for u in urls]
    outcomes = asyncio.run(_outcomes(verifier, tokens))
    cap = verifier.jku_keys.max_per_minute
    assert len(server.urls) == cap < len(urls)
    assert outcomes.count("jku fetch limit reached") == len(urls) - cap


def test_a_token_refused_on_its_claims_fetches_nothing() -> None:
    ehr, stranger = Ehr(), Ehr(iss="https://ehr.test/issuer")
    server = SlowJwksServer(ehr.jwks())
    verifier = _verifier(ehr, server)
    tokens = [stranger.token("https://other.test/cds-services/x", headers={"jku": JKU}),
              stranger.token(ENDPOINT, headers={"jku": JKU}, exp=1, iat=0)]
    assert asyncio.run(_outcomes(verifier, tokens)) == ["wrong audience", "expired"]
    assert server.urls == []


def test_a_rotated_key_is_still_found_through_the_jku() -> None:
    """The limits do not break what the jku is for: a key the EHR has rotated in."""
    ehr, rotated = Ehr(), Ehr(iss="https://ehr.test/issuer")
    server = SlowJwksServer(rotated.jwks())
    verifier = _verifier(ehr, server)
    tokens = [rotated.token(ENDPOINT, headers={"jku": JKU}) for _ in range(5)]
    assert asyncio.run(_outcomes(verifier, tokens)) == ["accepted"] * 5
    assert server.urls == [JKU]


def test_a_failing_replay_store_is_logged_as_such_and_health_reports_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="allnav.web")
    ehr = Ehr()
    path = tmp_path / "jti.sqlite3"
    app = create_app(ehr.settings(jti_store=str(path)))
    app.state.allnav.verifier.jti_cache._db.execute("PRAGMA busy_timeout = 50")
    body = hook_request(full_prefetch(3))
    assert send(app, "POST", SERVICE_PATH, token=ehr.token(ENDPOINT), json_body=body).status_code == 200
    assert send(app, "GET", "/healthz").json() == {"status": "ok"}

    holder = sqlite3.connect(path, isolation_level=None)  # another process locks the store
    holder.execute("BEGIN EXCLUSIVE")
    try:
        caplog.clear()
        r = send(app, "POST", SERVICE_PATH, token=ehr.token(ENDPOINT), json_body=body)
        assert r.status_code == 401
        health = send(app, "GET", "/healthz")
        assert health.status_code == 503
        assert "replay store" in health.json()["problems"][0]
        text = caplog.text
        assert "replay store failed (OperationalError)" in text
        assert "replayed" not in text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert send(app, "POST", SERVICE_PATH, token=ehr.token(ENDPOINT), json_body=body).status_code == 200
    assert send(app, "GET", "/healthz").status_code == 200


def test_replay_is_refused_across_two_apps_sharing_the_store(tmp_path: Path) -> None:
    """Held before issue 17; kept here so the suite lists it."""
    ehr = Ehr()
    settings = ehr.settings(jti_store=str(tmp_path / "jti.sqlite3"))
    a, b = create_app(settings), create_app(replace(settings))
    token = ehr.token(ENDPOINT)
    body = hook_request(full_prefetch(3))
    assert send(a, "POST", SERVICE_PATH, token=token, json_body=body).status_code == 200
    assert send(b, "POST", SERVICE_PATH, token=token, json_body=body).status_code == 401

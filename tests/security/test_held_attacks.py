"""Attacks that held before issue 17, kept here so they stay held (docs/security.md lists
these with the older tests that also cover them)."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlencode

import pytest

from allnav.facts import FIELDS
from allnav.web.app import create_app
from allnav.web.settings import Issuer, Settings

from ..conftest import AS_OF
from ..ehr_harness import BASE, SERVICE_PATH, Ehr, full_prefetch, hook_request, send

ENDPOINT = BASE + SERVICE_PATH
XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
       "{{7*7}}<svg onload=alert(1)>"]
FORM = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}


class CountingFetcher:
    def __init__(self) -> None:
        self.urls: list[str] = []

    async def __call__(self, url: str) -> dict[str, object]:
        self.urls.append(url)
        return {"keys": []}


@pytest.mark.parametrize("case", ["alg-none", "hs256-with-the-public-key", "kid-path", "kid-sql",
                                  "kid-huge", "unlisted-jku", "jku-on-another-issuer"])
def test_forged_tokens_get_a_bare_401_and_fetch_nothing(case: str) -> None:
    ehr = Ehr()
    fetcher = CountingFetcher()
    listed = "https://ehr.test/jwks.json"
    settings = ehr.settings(issuers={ehr.iss: Issuer(ehr.iss, ehr.jwks(), jku=(listed,)),
                                     "https://b.test": Issuer("https://b.test", Ehr().jwks())},
                            jwks_fetcher=fetcher)
    stranger = Ehr(iss=ehr.iss)
    token = {
        "alg-none": lambda: ehr.none_token(ENDPOINT),
        "hs256-with-the-public-key": lambda: ehr.hs256_token(ENDPOINT),
        "kid-path": lambda: stranger.token(ENDPOINT, headers={"kid": "../../../../etc/passwd"}),
        "kid-sql": lambda: stranger.token(ENDPOINT, headers={"kid": "x' OR '1'='1"}),
        "kid-huge": lambda: stranger.token(ENDPOINT, headers={"kid": "k" * 12_000}),
        "unlisted-jku": lambda: stranger.token(ENDPOINT, headers={"jku": "https://evil.test/j"}),
        "jku-on-another-issuer": lambda: Ehr(iss="https://b.test").token(
            ENDPOINT, headers={"jku": listed}),
    }[case]()
    r = send(create_app(settings), "POST", SERVICE_PATH, token=token,
             json_body=hook_request(full_prefetch(3)))
    assert r.status_code == 401 and r.content == b""
    assert fetcher.urls == []


@pytest.mark.parametrize("payload", XSS)
@pytest.mark.parametrize("path", ["/results", "/clinician", "/start", "/summary"])
def test_markup_in_every_form_field_comes_back_escaped(payload: str, path: str) -> None:
    app = create_app(Settings(today=lambda: AS_OF))
    pairs = [(name, payload) for name in FIELDS] + [("value.best-chance", payload)]
    r = send(app, "POST", path, content=urlencode(pairs).encode(), headers=FORM)
    assert r.status_code in (200, 400, 422)
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "<svg onload" not in r.text and 'href="javascript:' not in r.text
    assert "script-src" in r.headers.get("content-security-policy", "")


@pytest.mark.parametrize("payload", XSS)
def test_markup_in_pasted_facts_comes_back_escaped(payload: str) -> None:
    app = create_app(Settings(today=lambda: AS_OF))
    text = json.dumps({"description": payload, "age_years": 44, "lineage": "B",
                       "abl1_mutations": [payload]})
    r = send(app, "POST", "/clinician", content=urlencode({"facts_text": text}).encode(),
             headers=FORM)
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "<svg onload" not in r.text


@pytest.mark.parametrize("text", [
    "!!python/object/apply:os.system ['touch /tmp/allnav-pwned']",
    "age_years: !!python/name:os.system\n",
    "a: !!binary aGVsbG8=\nage_years: 44\n",
])
def test_yaml_tags_run_nothing_and_are_a_clear_problem(text: str) -> None:
    app = create_app(Settings(today=lambda: AS_OF))
    r = send(app, "POST", "/clinician/export.json", content=urlencode({"facts_text": text}).encode(),
             headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422
    assert r.json()["problems"]


def test_a_yaml_alias_bomb_is_answered_at_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(8))
    app = create_app(Settings(today=lambda: AS_OF))
    r = send(app, "POST", "/clinician/export.json", content=urlencode({"facts_text": bomb}).encode(),
             headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422  # unknown fields a..i: refused, not expanded
    assert len(r.content) < 10_000
    assert not caplog.records


def test_no_token_and_no_patient_data_in_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ehr = Ehr()
    app = create_app(ehr.settings())
    token = ehr.token(ENDPOINT)
    prefetch = full_prefetch(3)
    r = send(app, "POST", SERVICE_PATH, token=token, json_body=hook_request(prefetch))
    assert r.status_code == 200
    text = caplog.text
    assert token not in text and token.split(".")[2] not in text
    for secret in ("Lindqvist", "1978-03-14", "pat-7781", "B-ALL, first relapse"):
        assert secret not in text


def test_a_replayed_token_is_refused() -> None:
    ehr = Ehr()
    app = create_app(ehr.settings())
    token = ehr.token(ENDPOINT)
    body = hook_request(full_prefetch(3))
    assert send(app, "POST", SERVICE_PATH, token=token, json_body=body).status_code == 200
    assert send(app, "POST", SERVICE_PATH, token=token, json_body=body).status_code == 401


def test_the_pdf_renderer_fetches_nothing_from_the_page() -> None:
    """SSRF through the PDF: any URL in the HTML is refused by the renderer itself."""
    from allnav.web.pdf import html_to_pdf

    fetched: list[str] = []

    async def serve_once() -> None:  # a listener on 127.0.0.1 that records any connection
        async def seen(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            fetched.append("connection")
            writer.close()

        server = await asyncio.start_server(seen, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        html = (f'<html lang="en"><body><img src="http://127.0.0.1:{port}/x.png">'
                f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">'
                f'<p style="background: url(http://127.0.0.1:{port}/b.png)">x</p></body></html>')
        pdf = await asyncio.to_thread(html_to_pdf, html)
        assert pdf.startswith(b"%PDF-")
        await asyncio.sleep(0.1)
        server.close()
        await server.wait_closed()

    asyncio.run(serve_once())
    assert fetched == []

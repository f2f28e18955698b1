"""The JWT every CDS Hooks call carries: what is accepted and what gets a bare 401."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import jwt
import pytest
from fastapi import FastAPI

from allnav.web.app import create_app
from allnav.web.jwt_auth import JtiCache, SharedJtiStore
from allnav.web.settings import Issuer

from .ehr_harness import BASE, SERVICE, SERVICE_PATH, Ehr, full_prefetch, hook_request, rsa_ehr, send

DISCOVERY = BASE + "/cds-services"
ENDPOINT = BASE + SERVICE_PATH


@pytest.fixture(scope="module")
def ehr() -> Ehr:
    return Ehr()


@pytest.fixture
def app(ehr: Ehr) -> FastAPI:
    return create_app(ehr.settings())


def post(app: FastAPI, token: str | None, path: str = SERVICE_PATH) -> Any:
    return send(app, "POST", path, token=token, json_body=hook_request(full_prefetch(5)))


def assert_refused(response: Any) -> None:
    """401 with nothing that says why."""
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_valid_token_is_accepted(app: FastAPI, ehr: Ehr) -> None:
    r = post(app, ehr.token(ENDPOINT))
    assert r.status_code == 200
    assert r.json()["cards"]


def test_aud_may_be_a_list_holding_the_endpoint(app: FastAPI, ehr: Ehr) -> None:
    assert post(app, ehr.token([ENDPOINT])).status_code == 200


def test_discovery_needs_a_token_for_its_own_url(app: FastAPI, ehr: Ehr) -> None:
    assert_refused(send(app, "GET", "/cds-services"))
    assert_refused(send(app, "GET", "/cds-services", token=ehr.token(ENDPOINT)))
    r = send(app, "GET", "/cds-services", token=ehr.token(DISCOVERY))
    assert r.status_code == 200
    assert r.json()["services"][0]["id"] == SERVICE


def test_public_discovery_is_an_explicit_setting(ehr: Ehr) -> None:
    app = create_app(ehr.settings(public_discovery=True))
    assert send(app, "GET", "/cds-services").status_code == 200
    assert_refused(post(app, None))


@pytest.mark.parametrize(
    "case",
    ["no-token", "not-bearer", "garbage", "expired", "future-iat", "wrong-aud", "aud-of-other-endpoint",
     "aud-with-query", "wrong-issuer", "alg-none", "hs256", "unknown-kid", "no-kid", "no-jti", "no-exp",
     "no-iat", "too-long-lived", "typ-not-jwt", "other-key-same-kid", "es256", "tampered-claims",
     "four-segments", "not-base64", "padded-junk", "header-not-object", "exp-not-a-number",
     "exp-infinite", "nbf-in-future", "aud-list-of-others", "aud-list-with-non-text", "no-aud",
     "no-iss", "jti-not-text", "truncated-signature", "crit-header", "unencoded-payload"],
)
def test_bad_tokens_get_a_bare_401(app: FastAPI, ehr: Ehr, case: str,
                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="allnav.web")
    now = int(time.time())
    other = Ehr(iss=ehr.iss, kid=ehr.kid)  # same names, a different private key
    tokens: Mapping[str, str | None] = {
        "no-token": None,
        "not-bearer": "x",
        "garbage": "not.a.jwt",
        "expired": ehr.token(ENDPOINT, exp=now - 120, iat=now - 420),
        "future-iat": ehr.token(ENDPOINT, iat=now + 600, exp=now + 900),
        "wrong-aud": ehr.token("https://elsewhere.test/cds-services/" + SERVICE),
        "aud-of-other-endpoint": ehr.token(DISCOVERY),
        "aud-with-query": ehr.token(ENDPOINT + "?x=1"),
        "wrong-issuer": Ehr(iss="https://intruder.test").token(ENDPOINT),
        "alg-none": ehr.none_token(ENDPOINT),
        "hs256": ehr.hs256_token(ENDPOINT),
        "unknown-kid": Ehr(iss=ehr.iss).token(ENDPOINT),
        "no-kid": ehr.token(ENDPOINT, headers={"kid": None}),
        "no-jti": ehr.token(ENDPOINT, jti=None),
        "no-exp": ehr.token(ENDPOINT, exp=None),
        "no-iat": ehr.token(ENDPOINT, iat=None),
        "too-long-lived": ehr.token(ENDPOINT, exp=now + 2 * 86400),
        "typ-not-jwt": ehr.token(ENDPOINT, headers={"typ": "at+jwt"}),
        "other-key-same-kid": other.token(ENDPOINT),
        "es256": jwt.encode(ehr.claims(ENDPOINT), _p256_key(), algorithm="ES256",
                            headers={"kid": ehr.kid}),
        "tampered-claims": _with_segment(ehr.token(ENDPOINT), 1,
                                         _b64json(ehr.claims(ENDPOINT, exp=now + 200))),
        "four-segments": ehr.token(ENDPOINT) + ".e30",
        "not-base64": _with_segment(ehr.token(ENDPOINT), 1, "e30!"),
        "padded-junk": _with_segment(ehr.token(ENDPOINT), 2, "a"),
        "header-not-object": _with_segment(ehr.token(ENDPOINT), 0, _b64json(["ES384"])),
        "exp-not-a-number": ehr.token(ENDPOINT, exp="soon"),
        "exp-infinite": _signed(ehr, f'{{"iss": "{ehr.iss}", "aud": "{ENDPOINT}", "exp": 1e999, '
                                f'"iat": {now}, "jti": "j-inf"}}'),
        "nbf-in-future": ehr.token(ENDPOINT, nbf=now + 120),
        "aud-list-of-others": ehr.token(["https://elsewhere.test/x", DISCOVERY]),
        "aud-list-with-non-text": ehr.token([ENDPOINT, 7]),  # type: ignore[list-item]
        "no-aud": _signed(ehr, json.dumps({k: v for k, v in ehr.claims(ENDPOINT).items()
                                           if k != "aud"})),
        "no-iss": ehr.token(ENDPOINT, iss=None),
        "jti-not-text": ehr.token(ENDPOINT, jti=12345),
        "crit-header": ehr.token(ENDPOINT, headers={"crit": ["exp"], "exp": now + 60}),
        "unencoded-payload": _signed(ehr, json.dumps(ehr.claims(ENDPOINT)),
                                     header={"b64": False, "crit": ["b64"]}),
        "truncated-signature": _with_segment(ehr.token(ENDPOINT), 2, ehr.token(ENDPOINT)
                                             .split(".")[2][:-8]),
    }
    token = tokens[case]
    if case == "not-bearer":
        r = send(app, "POST", SERVICE_PATH, json_body=hook_request(full_prefetch(5)),
                 headers={"Authorization": "Basic dXNlcjpwYXNz"})
    else:
        r = post(app, token)
    assert_refused(r)
    # The reason is logged for the operator (and is the one this case is about).
    reasons = [rec.getMessage() for rec in caplog.records if "refused" in rec.getMessage()]
    assert reasons == [f"CDS call refused: {REASONS[case]}"]


REASONS = {
    "no-token": "no bearer token", "not-bearer": "no bearer token", "garbage": "not a JWT",
    "expired": "expired", "future-iat": "issued in the future", "wrong-aud": "wrong audience",
    "aud-of-other-endpoint": "wrong audience", "aud-with-query": "wrong audience",
    "wrong-issuer": "issuer not allowed", "alg-none": "algorithm not allowed", "hs256": "algorithm not allowed",
    "unknown-kid": "unknown kid", "no-kid": "no kid", "no-jti": "no jti", "no-exp": "no exp",
    "no-iat": "no iat",
    "too-long-lived": "lifetime too long", "typ-not-jwt": "typ is not JWT", "other-key-same-kid": "bad signature",
    "es256": "algorithm not allowed", "tampered-claims": "bad signature", "four-segments": "not a JWT",
    "not-base64": "not a JWT", "padded-junk": "not a JWT", "header-not-object": "not a JWT",
    "exp-not-a-number": "exp or iat is not a number", "exp-infinite": "exp or iat is not a number",
    "nbf-in-future": "not valid yet (nbf)", "aud-list-of-others": "wrong audience",
    "aud-list-with-non-text": "wrong audience", "no-aud": "no aud", "no-iss": "issuer not allowed",
    "jti-not-text": "no jti", "truncated-signature": "bad signature",
    "crit-header": "critical header extension not supported",
    "unencoded-payload": "critical header extension not supported",
}


def _b64json(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _with_segment(token: str, index: int, segment: str) -> str:
    parts = token.split(".")
    parts[index] = segment
    return ".".join(parts)


def _signed(ehr: Ehr, claims_json: str, header: dict[str, Any] | None = None) -> str:
    """A correctly signed ES384 token whose claims are exactly ``claims_json`` (base64url
    encoded, whatever ``header`` adds)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    head = _b64json({"alg": "ES384", "typ": "JWT", "kid": ehr.kid, **(header or {})})
    payload = base64.urlsafe_b64encode(claims_json.encode()).rstrip(b"=").decode()
    der = ehr.key.sign(f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA384()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    return f"{head}.{payload}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}"


def _p256_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def test_hand_signed_tokens_are_valid_unless_changed(app: FastAPI, ehr: Ehr) -> None:
    """The helper the refused cases above use signs correctly: its plain token is accepted."""
    assert post(app, _signed(ehr, json.dumps(ehr.claims(ENDPOINT)))).status_code == 200


def test_a_replayed_token_is_refused(app: FastAPI, ehr: Ehr) -> None:
    token = ehr.token(ENDPOINT)
    assert post(app, token).status_code == 200
    assert_refused(post(app, token))


def test_replay_is_per_issuer_and_jti(ehr: Ehr) -> None:
    second = Ehr(iss="https://second-ehr.test")
    settings = ehr.settings()
    app = create_app(replace(settings, issuers={**settings.issuers, second.iss: second.issuer()}))
    assert post(app, ehr.token(ENDPOINT, jti="same")).status_code == 200
    assert post(app, second.token(ENDPOINT, jti="same")).status_code == 200
    assert_refused(post(app, ehr.token(ENDPOINT, jti="same")))


def test_rs384_is_accepted(ehr: Ehr) -> None:
    key, issuer, kid = rsa_ehr()
    app = create_app(replace(ehr.settings(), issuers={issuer.iss: issuer}))
    token = jwt.encode(Ehr(iss=issuer.iss).claims(ENDPOINT), key, algorithm="RS384",
                       headers={"kid": kid, "typ": "JWT"})
    assert post(app, token).status_code == 200
    token256 = jwt.encode(Ehr(iss=issuer.iss).claims(ENDPOINT), key, algorithm="RS256",
                          headers={"kid": kid, "typ": "JWT"})
    assert_refused(post(app, token256))


def test_tenant_allowlist(ehr: Ehr) -> None:
    app = create_app(replace(ehr.settings(), issuers={ehr.iss: ehr.issuer(tenants=("hospital-a",))}))
    assert post(app, ehr.token(ENDPOINT, tenant="hospital-a")).status_code == 200
    assert_refused(post(app, ehr.token(ENDPOINT, tenant="hospital-b")))
    assert_refused(post(app, ehr.token(ENDPOINT)))


def test_configured_base_url_is_the_audience(ehr: Ehr) -> None:
    app = create_app(ehr.settings(base_url="https://allnav.example.org"))
    assert_refused(post(app, ehr.token(ENDPOINT)))
    r = post(app, ehr.token("https://allnav.example.org" + SERVICE_PATH))
    assert r.status_code == 200
    links = [link["url"] for card in r.json()["cards"] for link in card["links"]]
    assert links
    assert all(url.startswith("https://allnav.example.org/clinician") for url in links)


class RecordingFetcher:
    """Serves a JWK Set from memory for an allowlisted jku; nothing leaves the process."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self.jwks = jwks
        self.urls: list[str] = []

    async def __call__(self, url: str) -> Mapping[str, Any]:
        self.urls.append(url)
        return self.jwks


def test_jku_is_only_honoured_when_allowlisted(ehr: Ehr) -> None:
    rotated = Ehr(iss=ehr.iss)  # a new key the service has not been given
    jku = "https://ehr.test/.well-known/jwks.json"
    fetcher = RecordingFetcher(rotated.jwks())
    issuer = Issuer(ehr.iss, ehr.jwks(), jku=(jku,))
    app = create_app(replace(ehr.settings(), issuers={ehr.iss: issuer}, jwks_fetcher=fetcher))

    assert_refused(post(app, rotated.token(ENDPOINT, headers={"jku": "https://evil.test/jwks.json"})))
    assert fetcher.urls == []
    assert_refused(post(app, rotated.token(ENDPOINT)))  # no jku: the configured keys only
    assert fetcher.urls == []
    assert post(app, rotated.token(ENDPOINT, headers={"jku": jku})).status_code == 200
    assert fetcher.urls == [jku]
    assert post(app, rotated.token(ENDPOINT, headers={"jku": jku})).status_code == 200
    assert fetcher.urls == [jku]  # cached
    # A configured key is used without any fetch, whatever the jku.
    assert post(app, ehr.token(ENDPOINT, headers={"jku": jku})).status_code == 200
    assert fetcher.urls == [jku]


def test_jti_cache_forgets_expired_entries_and_fails_closed_when_full() -> None:
    cache = JtiCache(max_size=2)
    assert cache.add("a", expires_at=100, now=0)
    assert not cache.add("a", expires_at=100, now=50)
    assert cache.add("b", expires_at=200, now=50)
    assert not cache.add("c", expires_at=300, now=60)  # full of live entries: refuse
    assert cache.add("c", expires_at=300, now=150)  # "a" expired and was dropped
    assert len(cache) == 2
    assert not cache.add("b", expires_at=200, now=150)


def test_the_shared_store_refuses_a_jti_seen_by_another_process(tmp_path: Any) -> None:
    path = str(tmp_path / "jti.sqlite3")
    worker_a, worker_b = SharedJtiStore(path, max_size=1000), SharedJtiStore(path, max_size=1000)
    assert worker_a.add("iss\x00one", expires_at=100, now=0)
    assert not worker_b.add("iss\x00one", expires_at=100, now=10)
    assert worker_b.add("iss\x00two", expires_at=100, now=10)
    assert not worker_a.add("iss\x00two", expires_at=100, now=20)
    assert worker_a.add("iss\x00one", expires_at=300, now=150)  # expired long ago: reusable
    assert len(worker_b) == 2


def test_a_full_shared_store_fails_closed(tmp_path: Any) -> None:
    store = SharedJtiStore(str(tmp_path / "jti.sqlite3"), max_size=2)
    store.SWEEP_EVERY = 1
    assert store.add("a", expires_at=100, now=0)
    assert store.add("b", expires_at=100, now=0)
    assert not store.add("c", expires_at=100, now=0)
    assert store.add("c", expires_at=300, now=200)  # both expired and swept


def test_replay_across_workers_sharing_a_store(ehr: Ehr, tmp_path: Any) -> None:
    settings = ehr.settings(jti_store=str(tmp_path / "jti.sqlite3"))
    worker_a, worker_b = create_app(settings), create_app(settings)
    token = ehr.token(ENDPOINT)
    assert post(worker_a, token).status_code == 200
    assert_refused(post(worker_b, token))

"""Tokens and patient data never reach the logs, whatever happens to a request."""

from __future__ import annotations

import logging

import httpx
import pytest

from allnav.web.app import create_app
from allnav.web.cds.hooks import router

from .ehr_harness import (
    BASE,
    FHIR_TOKEN,
    PATIENT_ID,
    SERVICE_PATH,
    Ehr,
    FhirServer,
    full_prefetch,
    hook_request,
    patient,
    send,
)

SECRET_WORDS = (FHIR_TOKEN, PATIENT_ID, "Lindqvist", "Maren", "1978-03-14", "B-ALL, first relapse",
                "discussed with the patient Maren")


def test_logs_hold_no_token_and_no_patient_data(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ehr = Ehr()
    server = FhirServer(fail=lambda r: httpx.Response(500) if "Procedure" in r.url.path else None)
    app = create_app(ehr.settings(fhir_transport=server.transport))
    tokens: list[str] = []

    def token(path: str) -> str:
        tokens.append(ehr.token(BASE + path))
        return tokens[-1]

    prefetch = full_prefetch(20)
    for key in ("observations", "procedures"):
        del prefetch[key]
    ok = send(app, "POST", SERVICE_PATH, token=token(SERVICE_PATH), json_body=hook_request(prefetch, fhir=True))
    assert ok.status_code == 200
    assert server.requests  # the FHIR server was called, with the patient id in its URLs
    replayed = send(app, "POST", SERVICE_PATH, token=tokens[-1], json_body=hook_request(prefetch))
    assert replayed.status_code == 401
    wrong_aud = send(app, "POST", SERVICE_PATH, token=token("/cds-services"), json_body=hook_request(prefetch))
    assert wrong_aud.status_code == 401
    bad = hook_request(prefetch, context={"userId": "Maren Lindqvist", "patientId": PATIENT_ID})
    assert send(app, "POST", SERVICE_PATH, token=token(SERVICE_PATH), json_body=bad).status_code == 400
    other = {**patient(), "id": "not-" + PATIENT_ID}
    mismatch = hook_request({**full_prefetch(5), "patient": other})
    assert send(app, "POST", SERVICE_PATH, token=token(SERVICE_PATH), json_body=mismatch).status_code == 400
    feedback = {"feedback": [{"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-11-29T10:00:00Z",
                              "overrideReason": {"userComment": "discussed with the patient Maren"}}]}
    path = SERVICE_PATH + "/feedback"
    assert send(app, "POST", path, token=token(path), json_body=feedback).status_code == 200
    assert send(app, "POST", "/api/assess", json_body={"lineage": "Lindqvist"}).status_code == 422

    text = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    )
    assert "CDS call iss=" in text  # the calls were logged...
    assert "refused" in text
    for secret in (*tokens, *SECRET_WORDS):
        assert secret not in text  # ...without a token or anything about the patient
    for t in tokens:
        assert t.split(".")[2][:20] not in text  # not even a signature fragment


def test_an_unexpected_error_is_a_bare_500_and_its_message_is_not_logged(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    ehr = Ehr()
    app = create_app(ehr.settings())

    name = patient()["name"][0]["given"][0]  # the message is data, not source text

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"patient {name} broke it")

    monkeypatch.setattr("allnav.web.cds.hooks.assessment_cards", broken)
    r = send(app, "POST", SERVICE_PATH, token=ehr.token(BASE + SERVICE_PATH), json_body=hook_request(full_prefetch(5)))
    assert r.status_code == 500
    assert "Maren" not in r.text
    text = "\n".join(f"{rec.getMessage()} {rec.exc_text or ''}" for rec in caplog.records)
    assert "unhandled RuntimeError" in text
    assert "Maren" not in text
    assert router.routes  # the router under test is the real one

"""The CDS Hooks service end to end, driven by the EHR harness: discovery, prefetch in all
its forms (present, missing, null, OperationOutcome, paged), FHIR fetching, 412, feedback."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from allnav.web.app import create_app
from allnav.web.cds.models import CdsResponse, Discovery
from allnav.web.cds.prefetch import TEMPLATES
from allnav.web.http import DEMO_HEADER

from .ehr_harness import (
    AS_OF,
    BASE,
    FHIR_SERVER,
    FHIR_TOKEN,
    OPERATION_OUTCOME,
    PATIENT_ID,
    SERVICE,
    SERVICE_PATH,
    Ehr,
    FhirServer,
    call,
    conditions,
    full_prefetch,
    hook_request,
    searchset,
    send,
)

FEEDBACK_PATH = SERVICE_PATH + "/feedback"


@pytest.fixture(scope="module")
def ehr() -> Ehr:
    return Ehr()


@pytest.fixture
def app(ehr: Ehr) -> FastAPI:
    return create_app(ehr.settings())


def no_empty(value: Any, where: str = "$") -> None:
    """The spec's JSON rule: no null, "", [] or {} anywhere (except the cards array)."""
    assert value is not None, where
    assert value not in ("", [], {}), where
    if isinstance(value, dict):
        for k, v in value.items():
            no_empty(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            no_empty(v, f"{where}[{i}]")


def cards_of(r: httpx.Response) -> list[dict[str, Any]]:
    assert r.status_code == 200, r.text
    body = r.json()
    CdsResponse.model_validate(body)
    for card in body["cards"]:
        no_empty(card)
    cards: list[dict[str, Any]] = body["cards"]
    return cards


def test_discovery_declares_the_patient_view_service_and_prefetch(app: FastAPI, ehr: Ehr) -> None:
    r = send(app, "GET", "/cds-services", token=ehr.token(BASE + "/cds-services"))
    doc = Discovery.model_validate(r.json())
    (service,) = doc.services
    assert (service.hook, service.id) == ("patient-view", SERVICE)
    assert service.prefetch == dict(TEMPLATES)
    assert set(TEMPLATES) == {"patient", "conditions", "observations", "medications", "procedures"}
    assert "89247-1" not in str(TEMPLATES)  # observations are asked for by category
    assert all("{{context.patientId}}" in q for q in TEMPLATES.values())
    no_empty(r.json())


def test_full_prefetch_gives_conformant_cards(app: FastAPI, ehr: Ehr) -> None:
    cards = cards_of(call(app, ehr, hook_request(full_prefetch())))
    assert cards
    uuids = [c["uuid"] for c in cards] + [s["uuid"] for c in cards for s in c.get("suggestions", [])]
    assert len(set(uuids)) == len(uuids)
    for u in uuids:
        uuid.UUID(u)
    for card in cards:
        assert len(card["summary"]) < 140
        assert card["source"]["label"].startswith("ALL Navigator pathway v")
        assert card["source"]["url"] == BASE + "/about"
        for link in card["links"]:
            assert link["type"] == "absolute"
            assert link["url"].startswith(BASE + "/clinician")
            assert PATIENT_ID not in link["url"]


def test_a_fever_recorded_a_week_ago_asks_for_a_check_not_an_alarm(ehr: Ehr) -> None:
    later = create_app(ehr.settings(today=lambda: AS_OF + dt.timedelta(days=7)))
    cards = cards_of(call(later, ehr, hook_request(full_prefetch())))
    assert cards[0]["summary"] == "Old results: fever with possible neutropenia; check now"
    assert cards[0]["indicator"] == "warning"
    assert "critical" not in [c["indicator"] for c in cards]
    # On the day of those results, the same records are an emergency.
    now = cards_of(call(create_app(ehr.settings()), ehr, hook_request(full_prefetch())))
    assert (now[0]["indicator"], now[0]["summary"]) == ("critical", "Fever with possible neutropenia: assess now")


def test_a_patient_without_all_gets_no_cards(app: FastAPI, ehr: Ehr) -> None:
    prefetch = full_prefetch(5)
    prefetch["conditions"] = searchset(conditions()[1:])  # hypertension only
    assert cards_of(call(app, ehr, hook_request(prefetch))) == []
    prefetch["conditions"] = None  # no conditions at all
    assert cards_of(call(app, ehr, hook_request(prefetch))) == []


def test_a_refuted_all_diagnosis_does_not_count(app: FastAPI, ehr: Ehr) -> None:
    prefetch = full_prefetch(5)
    cond = conditions()[0]
    cond["verificationStatus"]["coding"][0]["code"] = "refuted"
    prefetch["conditions"] = searchset([cond])
    assert cards_of(call(app, ehr, hook_request(prefetch))) == []


@pytest.mark.parametrize("key", ["patient", "conditions", "observations"])
def test_missing_required_prefetch_without_fhir_access_is_412(app: FastAPI, ehr: Ehr, key: str) -> None:
    prefetch = full_prefetch(5)
    del prefetch[key]
    r = call(app, ehr, hook_request(prefetch))
    assert r.status_code == 412
    assert [p["loc"] for p in r.json()["problems"]] == [["prefetch", key]]


def test_no_prefetch_at_all_is_412_naming_each_required_key(app: FastAPI, ehr: Ehr) -> None:
    r = call(app, ehr, hook_request(None))
    assert r.status_code == 412
    assert [p["loc"][1] for p in r.json()["problems"]] == ["patient", "conditions", "observations"]


def test_operation_outcome_counts_as_missing(app: FastAPI, ehr: Ehr) -> None:
    prefetch = full_prefetch(5)
    prefetch["observations"] = OPERATION_OUTCOME
    assert call(app, ehr, hook_request(prefetch)).status_code == 412


def test_null_prefetch_means_no_data_not_an_error(app: FastAPI, ehr: Ehr) -> None:
    prefetch = full_prefetch(5)
    prefetch["observations"] = None
    prefetch["medications"] = None
    assert cards_of(call(app, ehr, hook_request(prefetch)))


def test_missing_optional_prefetch_is_said_on_a_card(app: FastAPI, ehr: Ehr) -> None:
    prefetch = full_prefetch(5)
    del prefetch["medications"]
    prefetch["procedures"] = OPERATION_OUTCOME
    cards = cards_of(call(app, ehr, hook_request(prefetch)))
    detail = "\n".join(c.get("detail", "") for c in cards)
    assert "did not provide medication orders" in detail
    assert "did not provide procedures" in detail


def test_what_reading_the_records_found_is_said_on_the_data_card(app: FastAPI, ehr: Ehr) -> None:
    prefetch = full_prefetch(5)
    bad = {"resourceType": "Observation", "id": "two-values", "status": "final",
           "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
           "subject": {"reference": f"Patient/{PATIENT_ID}"}, "effectiveDateTime": "2026-11-29",
           "valueQuantity": {"value": 100, "unit": "/uL"}, "valueString": "low"}
    prefetch["observations"]["entry"].append({"resource": bad})
    cards = cards_of(call(app, ehr, hook_request(prefetch)))
    (data,) = [c for c in cards if c["source"]["topic"]["code"] == "missing-facts"]
    assert "Observation/two-values is not valid FHIR" in data["detail"]
    assert "it was not used" in data["detail"]
    assert "taken as the complete list" in data["detail"]  # prior treatments from 2 records
    # The bad record's value never reaches the card; the valid ANC still does.
    assert "100" not in data["detail"]
    assert any("ANC: 300" in c.get("detail", "") for c in cards)


def test_missing_prefetch_is_fetched_from_the_fhir_server_with_the_token(ehr: Ehr) -> None:
    server = FhirServer()
    app = create_app(ehr.settings(fhir_transport=server.transport))
    prefetch = full_prefetch(5)
    for key in ("observations", "medications", "procedures"):
        del prefetch[key]
    prefetch["conditions"] = OPERATION_OUTCOME
    cards = cards_of(call(app, ehr, hook_request(prefetch, fhir=True)))
    assert cards
    assert all(r.headers["authorization"] == f"Bearer {FHIR_TOKEN}" for r in server.requests)
    assert {r.url.path for r in server.requests} == {
        "/fhir/Condition", "/fhir/Observation", "/fhir/MedicationRequest", "/fhir/Procedure"}
    assert all(r.url.params["patient"] == PATIENT_ID for r in server.requests)
    (obs,) = [r for r in server.requests if r.url.path == "/fhir/Observation"]
    assert obs.url.params["category"] == "laboratory,vital-signs,survey"


def test_nothing_is_fetched_when_prefetch_is_complete(ehr: Ehr) -> None:
    server = FhirServer()
    app = create_app(ehr.settings(fhir_transport=server.transport))
    cards_of(call(app, ehr, hook_request(full_prefetch(5), fhir=True)))
    assert server.requests == []


def test_a_failing_fhir_server_gives_412(ehr: Ehr) -> None:
    server = FhirServer(fail=lambda request: httpx.Response(503))
    app = create_app(ehr.settings(fhir_transport=server.transport))
    prefetch = full_prefetch(5)
    del prefetch["observations"]
    r = call(app, ehr, hook_request(prefetch, fhir=True))
    assert r.status_code == 412
    assert len(server.requests) == 1


def test_a_slow_fhir_server_gives_412_within_the_timeout(ehr: Ehr) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200, json={})

    app = create_app(ehr.settings(fhir_transport=httpx.MockTransport(slow), fhir_timeout_seconds=0.2))
    prefetch = full_prefetch(5)
    del prefetch["conditions"]
    assert call(app, ehr, hook_request(prefetch, fhir=True)).status_code == 412


def test_the_token_never_goes_to_plain_http(ehr: Ehr) -> None:
    server = FhirServer()
    app = create_app(ehr.settings(fhir_transport=server.transport))
    prefetch = full_prefetch(5)
    del prefetch["observations"]
    body = hook_request(prefetch, fhir=True, fhirServer="http://ehr.test/fhir")
    assert call(app, ehr, body).status_code == 412
    assert server.requests == []


def test_next_pages_are_followed_on_the_same_server_only(ehr: Ehr) -> None:
    page2 = searchset([])
    server = FhirServer({"observations": page2})
    app = create_app(ehr.settings(fhir_transport=server.transport))
    prefetch = full_prefetch(5)
    prefetch["observations"] = searchset([], next_url=f"{FHIR_SERVER}/Observation?page=2")
    prefetch["medications"] = searchset([], next_url="https://elsewhere.test/MedicationRequest?page=2")
    cards_of(call(app, ehr, hook_request(prefetch, fhir=True)))
    assert [str(r.url) for r in server.requests] == [f"{FHIR_SERVER}/Observation?page=2"]


def test_unfollowed_pages_are_said_on_a_card(app: FastAPI, ehr: Ehr) -> None:
    prefetch = full_prefetch(5)
    prefetch["observations"]["link"] = [{"relation": "next", "url": f"{FHIR_SERVER}/Observation?page=2"}]
    detail = "\n".join(c.get("detail", "") for c in cards_of(call(app, ehr, hook_request(prefetch))))
    assert "pages that could not be fetched" in detail


def test_a_prefetched_patient_that_is_not_the_context_patient_is_400(app: FastAPI, ehr: Ehr) -> None:
    prefetch = full_prefetch(5)
    prefetch["patient"] = {**prefetch["patient"], "id": "someone-else"}
    r = call(app, ehr, hook_request(prefetch))
    assert r.status_code == 400
    assert r.json()["problems"][0]["loc"] == ["prefetch", "patient"]


def test_records_about_another_patient_are_left_out(app: FastAPI, ehr: Ehr) -> None:
    prefetch = full_prefetch(5)
    other = conditions()[0]
    other["subject"] = {"reference": "Patient/someone-else"}
    prefetch["conditions"] = searchset([other])  # the only ALL diagnosis is someone else's
    assert cards_of(call(app, ehr, hook_request(prefetch))) == []


@pytest.mark.parametrize(
    ("body", "status", "loc"),
    [
        ({"hook": "order-select"}, 400, ["hook"]),
        ({"context": {"userId": "Practitioner/1"}}, 400, ["context", "patientId"]),
        ({"context": {"userId": "Practitioner/1", "patientId": "a/../b"}}, 400, ["context", "patientId"]),
        ({"context": {"userId": "nobody", "patientId": "p"}}, 400, ["context", "userId"]),
        ({"fhirServer": None, "fhirAuthorization": {"access_token": "t", "token_type": "Bearer",
          "expires_in": 1, "scope": "s", "subject": "c"}}, 400, []),
        ({"prefetch": ["not", "an", "object"]}, 400, ["prefetch"]),
    ],
)
def test_wrong_shapes_are_400_naming_the_field(app: FastAPI, ehr: Ehr, body: dict[str, Any], status: int,
                                               loc: list[Any]) -> None:
    r = call(app, ehr, {**hook_request(full_prefetch(5)), **body})
    assert r.status_code == status
    problems = r.json()["problems"]
    assert loc in [p["loc"] for p in problems]
    assert all(p["msg"] for p in problems)


@pytest.mark.parametrize(
    ("content", "msg"),
    [(b"{not json", "not valid JSON"), (b"", "empty"), (b'{"a": NaN}', "NaN"), (b"[" * 100_000, "nested"),
     (b"\xff\xfe", "not")],
)
def test_malformed_bodies_are_400(app: FastAPI, ehr: Ehr, content: bytes, msg: str) -> None:
    r = send(app, "POST", SERVICE_PATH, token=ehr.token(BASE + SERVICE_PATH), content=content)
    assert r.status_code == 400
    assert msg in r.json()["problems"][0]["msg"]


def test_a_body_over_the_limit_is_413(ehr: Ehr) -> None:
    app = create_app(ehr.settings(max_body_bytes=10_000))
    r = call(app, ehr, hook_request(full_prefetch(100)))
    assert r.status_code == 413
    assert r.json()["problems"][0]["type"] == "too_large"


def test_a_body_that_is_not_json_is_415(app: FastAPI, ehr: Ehr) -> None:
    r = send(app, "POST", SERVICE_PATH, token=ehr.token(BASE + SERVICE_PATH), content=b"a=b",
             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415


def test_an_unknown_service_is_404(app: FastAPI, ehr: Ehr) -> None:
    path = "/cds-services/no-such-service"
    r = send(app, "POST", path, token=ehr.token(BASE + path), json_body=hook_request(full_prefetch(5)))
    assert r.status_code == 404


def test_feedback_is_accepted_and_checked(app: FastAPI, ehr: Ehr) -> None:
    cards = cards_of(call(app, ehr, hook_request(full_prefetch(5))))
    referral = next(c for c in cards if "suggestions" in c)
    accepted = {"feedback": [{"card": referral["uuid"], "outcome": "accepted",
                              "acceptedSuggestions": [{"id": referral["suggestions"][0]["uuid"]}],
                              "outcomeTimestamp": "2026-11-29T10:05:31Z"}]}
    r = send(app, "POST", FEEDBACK_PATH, token=ehr.token(BASE + FEEDBACK_PATH), json_body=accepted)
    assert r.status_code == 200
    overridden = {"feedback": [{"card": cards[0]["uuid"], "outcome": "overridden",
                                "overrideReason": {"userComment": "discussed with the patient"},
                                "outcomeTimestamp": "2026-11-29T10:06:00Z"}]}
    r = send(app, "POST", FEEDBACK_PATH, token=ehr.token(BASE + FEEDBACK_PATH), json_body=overridden)
    assert r.status_code == 200
    bad = {"feedback": [{"card": cards[0]["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-29T10:00:00Z"}]}
    r = send(app, "POST", FEEDBACK_PATH, token=ehr.token(BASE + FEEDBACK_PATH), json_body=bad)
    assert r.status_code == 400
    assert r.json()["problems"][0]["loc"] == ["feedback", 0]
    for stamp in ("yesterday", "2026-11-29T10:00:00"):
        bad = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": stamp}]}
        r = send(app, "POST", FEEDBACK_PATH, token=ehr.token(BASE + FEEDBACK_PATH), json_body=bad)
        assert r.status_code == 400
        assert r.json()["problems"][0]["loc"] == ["feedback", 0, "outcomeTimestamp"]
    assert send(app, "POST", FEEDBACK_PATH, json_body=accepted).status_code == 401
    # The token for the service URL is not valid for its feedback URL.
    r = send(app, "POST", FEEDBACK_PATH, token=ehr.token(BASE + SERVICE_PATH), json_body=accepted)
    assert r.status_code == 401


def test_insecure_demo_needs_no_token_and_says_so_on_every_response(ehr: Ehr) -> None:
    app = create_app(replace(ehr.settings(), insecure_demo=True))
    for method, path, body in [("GET", "/cds-services", None), ("POST", SERVICE_PATH, hook_request(full_prefetch(5))),
                               ("GET", "/healthz", None), ("GET", "/nowhere", None),
                               ("POST", SERVICE_PATH, {"hook": 1})]:
        r = send(app, method, path, json_body=body)
        assert DEMO_HEADER.lower() in r.headers, path
        assert "OFF" in r.headers[DEMO_HEADER]
    assert send(app, "GET", "/cds-services").status_code == 200


def test_the_secure_app_has_no_demo_header(app: FastAPI, ehr: Ehr) -> None:
    r = call(app, ehr, hook_request(full_prefetch(5)))
    assert DEMO_HEADER.lower() not in r.headers

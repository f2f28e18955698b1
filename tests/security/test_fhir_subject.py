"""Only records that name this patient are read (issue 17, item 6).

Before: an Observation whose subject was a Group, a patient on another server, an identifier
only, or missing was read as this patient's; a 39.5 °C fever from it drove the urgent card.
"""

from __future__ import annotations

from typing import Any

import pytest

from allnav.interop.fhir import facts_from_bundle
from allnav.web.app import create_app

from ..conftest import AS_OF
from ..ehr_harness import FHIR_SERVER, PATIENT_ID, Ehr, call, full_prefetch, hook_request

FEVER_ID = "temp-stranger"
NOT_THIS_PATIENT: dict[str, Any] = {
    "group": {"subject": {"reference": "Group/ward-7"}},
    "other-server": {"subject": {"reference": f"https://other-hospital.test/fhir/Patient/{PATIENT_ID}"}},
    "identifier-only": {"subject": {"identifier": {"system": "urn:oid:1.2.3", "value": "4711"}}},
    "missing": {},
    "contained": {"subject": {"reference": "#p1"}},
    "not-a-reference": {"subject": {"reference": 17}},
}
THIS_PATIENT: dict[str, Any] = {
    "relative": {"subject": {"reference": f"Patient/{PATIENT_ID}"}},
    "absolute-on-this-server": {"subject": {"reference": f"{FHIR_SERVER}/Patient/{PATIENT_ID}"}},
    "versioned": {"subject": {"reference": f"Patient/{PATIENT_ID}/_history/3"}},
}


def _fever(subject: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": FEVER_ID, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
            "effectiveDateTime": AS_OF.isoformat(),
            "valueQuantity": {"value": 39.5, "unit": "Cel", "system": "http://unitsofmeasure.org",
                              "code": "Cel"}, **subject}


def _cards(subject: dict[str, Any]) -> list[dict[str, Any]]:
    ehr = Ehr()
    prefetch = full_prefetch(3)
    entries = prefetch["observations"]["entry"]  # the patient's own temperature is left out
    entries[:] = [e for e in entries if e["resource"]["id"] != "temp-1"]
    entries.append({"resource": _fever(subject)})
    r = call(create_app(ehr.settings()), ehr, hook_request(prefetch, fhir=True))
    assert r.status_code == 200
    cards: list[dict[str, Any]] = r.json()["cards"]
    return cards


def _urgent(cards: list[dict[str, Any]]) -> bool:
    return any(c["indicator"] == "critical" for c in cards)


@pytest.mark.parametrize("case", list(NOT_THIS_PATIENT))
def test_a_fever_in_a_record_not_naming_this_patient_drives_no_urgent_card(case: str) -> None:
    cards = _cards(NOT_THIS_PATIENT[case])
    assert not _urgent(cards)
    assert f"Observation/{FEVER_ID}" in str(cards)  # reported by its id on the data card


@pytest.mark.parametrize("case", list(THIS_PATIENT))
def test_the_same_fever_naming_this_patient_drives_the_urgent_card(case: str) -> None:
    assert _urgent(_cards(THIS_PATIENT[case]))


@pytest.mark.parametrize("case", list(NOT_THIS_PATIENT))
def test_a_bundle_reports_each_record_not_used_with_its_id(case: str) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "id": PATIENT_ID}},
        {"fullUrl": "urn:uuid:2", "resource": _fever(NOT_THIS_PATIENT[case])}]}
    facts, problems = facts_from_bundle(bundle, AS_OF)
    assert facts.symptoms.temperature_c is None
    (problem,) = [p for p in problems if p.ctx.get("resource") == f"Observation/{FEVER_ID}"]
    assert problem.type.startswith("fhir_") and "not used" in problem.msg


def test_a_bundle_reference_by_full_url_names_the_patient() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient", "id": PATIENT_ID}},
        {"fullUrl": "urn:uuid:o", "resource": _fever({"subject": {"reference": "urn:uuid:p"}})}]}
    facts, _ = facts_from_bundle(bundle, AS_OF)
    assert facts.symptoms.temperature_c == 39.5

"""Fuzzing: schemathesis against the app's own OpenAPI description (in process, no
network) and hypothesis on the shapes of CDS Hooks requests. No input is a server error."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from allnav.web.app import create_app
from allnav.web.cds.models import CdsResponse
from allnav.web.cds.prefetch import TEMPLATES
from allnav.web.settings import Settings

from .ehr_harness import AS_OF, PATIENT_ID, Ehr, call, conditions, full_prefetch, hook_request

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

EHR = Ehr()
SECURE_APP = create_app(EHR.settings())
DEMO_APP = create_app(Settings(insecure_demo=True, today=lambda: AS_OF))

demo_schema = schemathesis.openapi.from_asgi("/openapi.json", DEMO_APP)
secure_schema = schemathesis.openapi.from_asgi("/openapi.json", SECURE_APP)


@demo_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_fuzz_without_jwt_checks(case: Any) -> None:
    """Every operation, bodies from the schema and beyond it (demo mode: past the JWT)."""
    case.call_and_validate(checks=CHECKS)


@secure_schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_fuzz_with_signed_calls(case: Any) -> None:
    """The same with a valid JWT for the exact URL called, as an EHR sends it."""
    token = EHR.token("http://testserver" + case.formatted_path)
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {token}"})


# -- Request shapes ------------------------------------------------------------------------

json_leaf = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
             | st.text(max_size=12))
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
coding = st.fixed_dictionaries(
    {"code": st.text(max_size=10) | st.sampled_from(["277571004", "C91.02", "89247-1", "751-8", "97509-4"])},
    optional={"system": st.sampled_from(["http://snomed.info/sct", "http://loinc.org",
                                         "http://hl7.org/fhir/sid/icd-10-cm"]) | st.text(max_size=8),
              "display": st.text(max_size=12)},
)
concept = st.fixed_dictionaries({}, optional={"coding": st.lists(coding | json_value, max_size=3),
                                              "text": st.text(max_size=20) | json_value})
resource = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Patient", "Condition", "Observation", "MedicationRequest",
                                      "Procedure", "OperationOutcome", "Bundle", "Basic"])},
    optional={
        "id": st.sampled_from([PATIENT_ID, "x"]) | json_value,
        "code": concept | json_value,
        "subject": st.fixed_dictionaries({"reference": st.sampled_from([f"Patient/{PATIENT_ID}", "Patient/y"])
                                          | st.text(max_size=10)}) | json_value,
        "valueQuantity": st.fixed_dictionaries({"value": json_leaf}, optional={"unit": json_leaf,
                                                                               "code": json_leaf}),
        "valueInteger": json_leaf,
        "valueCodeableConcept": concept,
        "effectiveDateTime": st.sampled_from(["2026-11-20", "2026-11", "garbage"]) | json_leaf,
        "category": st.lists(concept, max_size=2) | json_value,
        "clinicalStatus": concept | json_value,
        "verificationStatus": concept | json_value,
        "status": json_leaf,
    },
)
bundle = st.builds(lambda rs, extra: {"resourceType": "Bundle", "type": "searchset",
                                      "entry": [{"resource": r} for r in rs] + extra},
                   st.lists(resource, max_size=4), st.lists(json_value, max_size=2))
prefetch_value = st.none() | resource | bundle | json_value
prefetch = st.dictionaries(st.sampled_from(list(TEMPLATES)) | st.text(max_size=6), prefetch_value, max_size=6)


@given(prefetch=prefetch)
@FUZZ
def test_any_prefetch_gets_cards_or_a_clear_4xx(prefetch: dict[str, Any]) -> None:
    r = call(SECURE_APP, EHR, hook_request(prefetch))
    assert r.status_code in (200, 400, 412, 422), r.text
    if r.status_code == 200:
        CdsResponse.model_validate(r.json())
    else:
        assert r.json()["problems"]


@given(extra=st.lists(resource, max_size=6), drop=st.sets(st.sampled_from(["medications", "procedures"])))
@FUZZ
def test_junk_beside_a_real_all_patient_still_gives_valid_cards(extra: list[dict[str, Any]], drop: set[str]) -> None:
    data = full_prefetch(3)
    data["conditions"]["entry"] += [{"resource": r} for r in extra]
    for key in drop:
        del data[key]
    r = call(SECURE_APP, EHR, hook_request(data))
    assert r.status_code in (200, 400, 422), r.text
    if r.status_code == 200:
        assert CdsResponse.model_validate(r.json()).cards or not conditions()


@given(body=st.dictionaries(st.sampled_from(["hook", "hookInstance", "context", "prefetch", "fhirServer",
                                             "fhirAuthorization"]) | st.text(max_size=5), json_value, max_size=6))
@FUZZ
def test_any_body_shape_is_a_clear_4xx(body: dict[str, Any]) -> None:
    r = call(SECURE_APP, EHR, body)
    assert r.status_code in (200, 400, 412), r.text

"""A quantity whose unit and UCUM code disagree is refused, never read by one of them
(issue 17, item 7). Before: ``unit: "Cel"`` with ``code: "[degF]"`` silently used the code."""

from __future__ import annotations

from typing import Any

import pytest

from allnav.interop.fhir import facts_from_bundle

from ..conftest import AS_OF
from ..ehr_harness import PATIENT_ID


def _temperature(value: float, unit: str | None, code: str) -> dict[str, Any]:
    quantity = {"value": value, "system": "http://unitsofmeasure.org", "code": code}
    if unit is not None:
        quantity["unit"] = unit
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": PATIENT_ID}},
        {"resource": {"resourceType": "Observation", "id": "t1", "status": "final",
                      "subject": {"reference": f"Patient/{PATIENT_ID}"},
                      "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
                      "effectiveDateTime": AS_OF.isoformat(), "valueQuantity": quantity}}]}


@pytest.mark.parametrize(("value", "unit", "code"), [
    (38.5, "Cel", "[degF]"),   # 38.5 °F would be read as 3.6 °C: no fever where there is one
    (101.3, "[degF]", "Cel"),  # 101.3 °C: refused as impossible, or worse, read as a fever
    (102.0, "degF", "Cel"),
])
def test_unit_and_code_that_disagree_are_refused_with_a_warning(value: float, unit: str, code: str) -> None:
    facts, problems = facts_from_bundle(_temperature(value, unit, code), AS_OF)
    assert facts.symptoms.temperature_c is None
    (problem,) = [p for p in problems if p.type == "fhir_unit_disagreement"]
    assert unit in problem.msg and code in problem.msg and "disagree" in problem.msg
    assert problem.loc == ("entry", 1, "resource", "valueQuantity", "unit")
    assert problem.msg.startswith("Observation/t1: ")


@pytest.mark.parametrize(("unit", "code", "expected"), [
    ("Cel", "Cel", 38.5),
    ("°C", "Cel", 38.5),               # the same unit spelled for people
    ("degrees Celsius", "Cel", 38.5),  # display text we do not parse: the code decides
    (None, "Cel", 38.5),
])
def test_unit_and_code_that_agree_are_read(unit: str | None, code: str, expected: float) -> None:
    facts, problems = facts_from_bundle(_temperature(38.5, unit, code), AS_OF)
    assert facts.symptoms.temperature_c == expected
    assert not [p for p in problems if p.type == "fhir_unit_disagreement"]

"""Safety properties of the FHIR mapping, over random and malformed resources.

- Any JSON in: never an exception (other than InputError for more than one patient), only
  warnings out.
- A derived fact is always a valid value of its field, and always has a source.
- A count or temperature outside the possible range is refused with a warning, never used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allnav.facts import FIELDS, Facts
from allnav.interop.fhir import facts_from_bundle, facts_from_resources
from allnav.problems import InputError, Problem

AS_OF = dt.date(2026, 11, 29)
LOINC, UCUM = "http://loinc.org", "http://unitsofmeasure.org"
CODES = [("http://loinc.org", c) for c in ("751-8", "718-7", "777-3", "8310-5", "89247-1",
                                            "97509-4", "101119-6", "69548-6", "21821-4", "46434-7",
                                            "11150-0", "48018-6", "48005-3", "LA9633-4", "LA6576-8")]
CODES += [("http://snomed.info/sct", c) for c in ("277571004", "91857003", "550991000124107")]
CODES += [("http://hl7.org/fhir/sid/icd-10-cm", "C91.02"),
          ("http://www.nlm.nih.gov/research/umls/rxnorm", "1597258"),
          ("http://terminology.hl7.org/CodeSystem/condition-clinical", "relapse"),
          ("http://www.genenames.org/geneId", "HGNC:76")]
TYPES = ["Observation", "Condition", "MedicationRequest", "MedicationStatement",
         "MedicationAdministration", "Procedure", "Medication", "OperationOutcome", "Encounter"]
KEYS = ["id", "status", "code", "valueQuantity", "valueString", "valueCodeableConcept",
        "valueInteger", "valueBoolean", "effectiveDateTime", "effectivePeriod", "issued",
        "component", "interpretation", "subject", "clinicalStatus", "verificationStatus",
        "recordedDate", "onsetDateTime", "extension", "medicationCodeableConcept",
        "medicationReference", "contained", "dosage", "dosageInstruction", "authoredOn",
        "performedDateTime", "intent", "issue", "meta"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(["final", "2026-11-28", "2026-13-45", "T315I", "CD19+",
                                     "positive", "not detected", "10*9/L", "Cel", "[degF]", "%"]))
coding = st.builds(lambda sc, d: {"system": sc[0], "code": sc[1], "display": d},
                   st.sampled_from(CODES), st.one_of(st.none(), st.text(max_size=20)))
concept = st.builds(lambda cs, t: {"coding": cs, "text": t}, st.lists(coding, max_size=3),
                    st.one_of(st.none(), st.text(max_size=30)))
quantity = st.fixed_dictionaries({}, optional={
    "value": st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=4)),
    "unit": st.sampled_from(["10*9/L", "/uL", "g/L", "g/dL", "Cel", "[degF]", "%", "mg", ""]),
    "code": st.sampled_from(["10*3/uL", "Cel", "g/dL", "kg"]), "system": st.just(UCUM),
    "comparator": st.sampled_from(["<", ">"])})
json_like = st.recursive(scalars | concept | quantity,
                         lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
                         max_leaves=12)
resource = st.builds(lambda t, body: {**body, "resourceType": t},
                     st.sampled_from(TYPES), st.dictionaries(st.sampled_from(KEYS), json_like, max_size=8))
anything = st.one_of(resource, json_like, st.dictionaries(st.text(max_size=8), json_like, max_size=3))


def check_facts(facts: Facts, problems: tuple[Problem, ...]) -> None:
    assert all(p.severity == "warning" for p in problems)
    known = facts.known()
    assert set(known) - {"as_of"} == set(facts.sources)
    for name, value in known.items():
        spec = FIELDS[name]
        if spec.kind in ("number", "integer"):
            assert spec.minimum is not None and spec.maximum is not None
            assert spec.minimum <= float(value) <= spec.maximum  # type: ignore[arg-type]
        elif spec.kind == "choice":
            assert value in spec.choices
        elif spec.kind == "choice-list":
            assert set(value) <= set(spec.choices)  # type: ignore[call-overload]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(anything, max_size=6))
def test_random_resources_never_raise(resources: list[Any]) -> None:
    try:
        facts, problems = facts_from_resources(resources, AS_OF)
    except InputError as e:  # only for records of several patients
        raised = e.problems
    else:
        check_facts(facts, problems)
        return
    assert all(p.type == "fhir_many_patients" for p in raised)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["type", "entry", "link", "total", "id"]), json_like, max_size=4))
def test_random_bundles_never_raise(body: dict[str, Any]) -> None:
    try:
        facts, problems = facts_from_bundle({"resourceType": "Bundle", **body}, AS_OF)
    except InputError as e:
        raised = e.problems
    else:
        check_facts(facts, problems)
        return
    assert {p.type for p in raised} <= {"fhir_not_bundle", "fhir_many_patients"}


def observation(code: str, value: float, unit: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "o1", "status": "final",
            "subject": {"reference": "Patient/p1"},  # only records naming a patient are read
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "effectiveDateTime": "2026-11-28",
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e7, max_value=1e7),
       st.sampled_from([("/uL", 1.0), ("10*3/uL", 1000.0), ("10*9/L", 1000.0)]))
def test_neutrophil_count_used_only_in_range(value: float, unit: tuple[str, float]) -> None:
    facts, problems = facts_from_resources([observation("751-8", value, unit[0])], AS_OF)
    converted = round(value * unit[1], 6)
    if 0 <= converted <= 100_000:
        assert facts.symptoms.anc_per_ul == converted
    else:
        assert facts.symptoms.anc_per_ul is None
        assert [p.type for p in problems if p.type == "fhir_out_of_range"] == ["fhir_out_of_range"]


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-200, max_value=300),
       st.sampled_from(["Cel", "[degF]", "K", "deg"]))
def test_temperature_used_only_when_unit_known_and_plausible(value: float, unit: str) -> None:
    facts, problems = facts_from_resources([observation("8310-5", value, unit)], AS_OF)
    t = facts.symptoms.temperature_c
    if t is None:
        assert any(p.type in ("fhir_out_of_range", "fhir_value") for p in problems)
    else:
        assert unit in ("Cel", "[degF]")
        assert 30 <= t <= 44
        expected = value if unit == "Cel" else (value - 32) * 5 / 9
        assert abs(t - expected) < 1e-4

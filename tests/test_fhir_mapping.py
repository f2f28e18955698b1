"""FHIR R4 / mCODE Bundles to facts: what each fixture must give, with provenance."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from allnav.facts import Facts
from allnav.interop.fhir import facts_from_bundle, facts_from_ndjson, facts_from_resources, is_fhir
from allnav.problems import InputError, Problem

DATA = Path(__file__).parent / "data" / "fhir"
AS_OF = dt.date(2026, 11, 29)


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def read(name: str, as_of: dt.date = AS_OF) -> tuple[Facts, tuple[Problem, ...]]:
    return facts_from_bundle(load(name), as_of)


def types(problems: tuple[Problem, ...]) -> list[str]:
    return [p.type for p in problems]


def test_every_derived_fact_has_a_source() -> None:
    for name in ("adult-relapsed-cd19-b-all", "ph-positive-t315i", "t-all-relapse",
                 "febrile-neutropenia", "prefetch-200"):
        facts, _ = read(f"{name}.bundle.json")
        derived = set(facts.known()) - {"as_of"}
        assert derived, name
        assert derived == set(facts.sources), name
        for fact, source in facts.sources.items():
            assert source.system == "FHIR"
            assert "/" in source.reference, (name, fact)
            assert source.element, (name, fact)


def test_real_invalid_mcode_bundle_reports_exactly_the_three_bad_observations() -> None:
    facts, problems = read("mcode-breast-invalid-observations.bundle.json")
    invalid = [p for p in problems if p.type == "fhir_invalid_resource"]
    assert [p.loc for p in invalid] == [("entry", i, "resource") for i in (2, 3, 4)]
    assert [p.ctx["resource"] for p in invalid] == [
        "Observation/95d74cb0-15d5-44dd-a289-b622bfed80be",
        "Observation/79930cdd-7eb4-44e3-8e5e-f45892813d04",
        "Observation/576e8b5e-4f9e-418c-842b-f86d6e7ce795",
    ]
    assert all(p.severity == "warning" for p in problems)
    assert "value[x]" in invalid[0].msg
    # The rest is used: age from the Patient, and the 12 medication/procedure records.
    assert facts.age_years == 60
    assert facts.sources["age_years"].reference == "Patient/1e208b6b-77f1-4808-a32b-9f9caf1ec334"
    assert facts.prior_treatments == ()


def test_bundle_without_all_diagnosis_says_so_plainly() -> None:
    _, problems = read("mcode-breast-invalid-observations.bundle.json")
    (msg,) = [p.msg for p in problems if p.type == "fhir_no_all_diagnosis"]
    assert msg.startswith("no acute lymphoblastic leukemia diagnosis found in the Bundle")


def test_records_of_another_patient_are_not_used() -> None:
    # Entries 23/24 of the real Bundle are ECOG/Karnofsky examples of a different patient.
    facts, problems = read("mcode-breast-invalid-observations.bundle.json")
    assert facts.ecog is None
    other = [p.loc[1] for p in problems if p.type == "fhir_other_patient"]
    assert other == [7, 11, 23, 24]


def test_adult_relapsed_b_all() -> None:
    facts, problems = read("adult-relapsed-cd19-b-all.bundle.json")
    assert (facts.lineage, facts.disease_status, facts.ph_status) == ("B", "relapsed", "negative")
    assert (facts.cd19, facts.cd22) == ("positive", "positive")
    assert facts.age_years == 42
    assert facts.ecog == 1
    assert facts.prior_treatments == ("intensive-chemotherapy",)
    assert facts.sources["cd19"].reference == "Observation/rr-ball-1-immuno"
    assert facts.sources["cd19"].recorded == dt.date(2026, 11, 18)
    assert "fhir_no_all_diagnosis" not in types(problems)


def test_unit_conversions() -> None:
    facts, _ = read("adult-relapsed-cd19-b-all.bundle.json")
    assert facts.symptoms.anc_per_ul == 1200  # 1.2 10*3/uL
    assert facts.symptoms.platelets_per_ul == 85_000  # 85 10*3/uL
    assert facts.symptoms.hemoglobin_g_dl == 9.1  # g/dL as is
    fn, _ = read("febrile-neutropenia.bundle.json")
    assert fn.symptoms.anc_per_ul == 300  # 0.3 10*9/L
    assert fn.symptoms.hemoglobin_g_dl == 7.8  # 78 g/L
    assert fn.symptoms.platelets_per_ul == 18_000  # /uL as is
    assert "converted from 0.3 10*9/L" in (fn.sources["symptoms.anc_per_ul"].note or "")
    tall, _ = read("t-all-relapse.bundle.json")
    assert tall.symptoms.temperature_c == pytest.approx(38.5, abs=0.01)  # 101.3 [degF]


def test_most_recent_observation_wins() -> None:
    facts, _ = read("febrile-neutropenia.bundle.json")
    assert facts.symptoms.anc_per_ul == 300  # 2026-11-28, not 2100 of 2026-11-25
    assert facts.sources["symptoms.anc_per_ul"].reference == "Observation/fn-1-anc"
    # Assessed as of an earlier date, the later result did not exist yet.
    earlier, problems = read("febrile-neutropenia.bundle.json", dt.date(2026, 11, 26))
    assert earlier.symptoms.anc_per_ul == 2100
    assert "fhir_after_as_of" in types(problems)


def test_out_of_range_value_is_refused_and_an_older_valid_one_used() -> None:
    bundle = load("febrile-neutropenia.bundle.json")
    latest = next(e for e in bundle["entry"] if e["resource"]["id"] == "fn-1-temp")
    latest["resource"]["valueQuantity"]["value"] = 386  # a typo: 386 °C
    facts, problems = facts_from_bundle(bundle, AS_OF)
    refused = [p for p in problems if p.type == "fhir_out_of_range"]
    assert {p.loc[1] for p in refused} == {6, 7}
    assert facts.symptoms.temperature_c is None  # both temperatures are impossible


def test_stale_facts_are_flagged() -> None:
    facts, problems = read("adult-relapsed-cd19-b-all.bundle.json")
    assert facts.sources["mrd"].stale  # 2024-09-10, more than 90 days
    assert not facts.sources["symptoms.anc_per_ul"].stale  # yesterday
    assert [p.loc for p in problems if p.type == "fhir_stale"] == [("mrd",)]
    later, problems = read("adult-relapsed-cd19-b-all.bundle.json", dt.date(2026, 12, 5))
    assert later.sources["symptoms.anc_per_ul"].stale  # counts older than 2 days
    assert later.symptoms.anc_per_ul == 1200  # still used, only flagged
    assert ("symptoms", "anc_per_ul") in [p.loc for p in problems if p.type == "fhir_stale"]


def test_ph_positive_with_t315i() -> None:
    facts, _ = read("ph-positive-t315i.bundle.json")
    assert facts.ph_status == "positive"
    assert facts.abl1_mutations == ("T315I",)
    assert facts.prior_treatments == ("intensive-chemotherapy", "tki")
    assert facts.ecog == 1  # from the coded LOINC answer LA9623-5


def test_ph_positive_stays_positive_after_a_negative_test() -> None:
    bundle = load("adult-relapsed-cd19-b-all.bundle.json")
    older = copy.deepcopy(next(e for e in bundle["entry"] if e["resource"]["id"] == "rr-ball-1-bcrabl"))
    older["resource"]["id"] = "bcrabl-2023"
    older["resource"]["effectiveDateTime"] = "2023-01-01"
    older["resource"]["valueCodeableConcept"]["coding"][0].update(code="LA11882-0", display="Detected")
    bundle["entry"].append(older)
    facts, _ = facts_from_bundle(bundle, AS_OF)
    assert facts.ph_status == "positive"
    assert facts.sources["ph_status"].reference == "Observation/bcrabl-2023"


def test_t_all_named_in_text_with_treatments_from_text_and_codes() -> None:
    facts, _ = read("t-all-relapse.bundle.json")
    assert facts.lineage == "T"
    assert facts.prior_treatments == ("allogeneic-stem-cell-transplant", "nelarabine",
                                      "cns-directed-therapy")
    assert "Procedure/tall-1-hsct" in facts.sources["prior_treatments"].reference


def test_conflicting_same_day_results_leave_the_fact_unknown() -> None:
    bundle = load("febrile-neutropenia.bundle.json")
    twin = copy.deepcopy(next(e for e in bundle["entry"] if e["resource"]["id"] == "fn-1-anc"))
    twin["resource"]["id"] = "fn-1-anc-twin"
    twin["resource"]["valueQuantity"]["value"] = 4.0
    bundle["entry"].append(twin)
    facts, problems = facts_from_bundle(bundle, AS_OF)
    assert facts.symptoms.anc_per_ul is None
    assert "fhir_conflict" in types(problems)


def test_ndjson_gives_the_same_facts_as_the_bundle() -> None:
    text = (DATA / "febrile-neutropenia.ndjson").read_text(encoding="utf-8")
    assert is_fhir(text)
    from_ndjson, _ = facts_from_ndjson(text + "not json\n", AS_OF)
    from_bundle, _ = read("febrile-neutropenia.bundle.json")
    assert from_ndjson.known() == from_bundle.known()
    _, problems = facts_from_ndjson(text + "not json\n", AS_OF)
    assert ("line", 9) in [p.loc for p in problems if p.type == "fhir_invalid_resource"]


def test_prefetch_values_with_null_outcome_and_paging() -> None:
    prefetch = load("prefetch-200.bundle.json")
    prefetch["link"] = [{"relation": "next", "url": "http://fhir.example.org/Observation?page=2"}]
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    facts, problems = facts_from_resources([prefetch, None, outcome], AS_OF)  # type: ignore[list-item]
    assert facts.cd19 == "positive"
    assert facts.prior_treatments == ("blinatumomab", "inotuzumab-ozogamicin")
    assert {"fhir_paged", "fhir_server_outcome"} <= set(types(problems))
    located = [p.loc for p in problems if p.type in ("fhir_paged", "fhir_server_outcome")]
    assert located == [("resources", 0, "link"), ("resources", 2)]


def test_two_patients_is_an_input_error() -> None:
    bundle = load("febrile-neutropenia.bundle.json")
    other = copy.deepcopy(bundle["entry"][0])
    other["resource"]["id"] = "someone-else"
    bundle["entry"].append(other)
    with pytest.raises(InputError, match="2 different Patient"):
        facts_from_bundle(bundle, AS_OF)


@pytest.mark.parametrize("data", [{"resourceType": "Patient"}, {"age_years": 40}, [], "text"])
def test_not_a_bundle_is_an_input_error(data: Any) -> None:
    with pytest.raises(InputError, match="not a FHIR Bundle"):
        facts_from_bundle(data, AS_OF)


def test_is_fhir() -> None:
    assert is_fhir({"resourceType": "Bundle"})
    assert is_fhir([{"resourceType": "Observation"}])
    assert not is_fhir({"age_years": 40, "lineage": "B"})
    assert not is_fhir("age_years: 40\n")
    assert not is_fhir(None)


def test_blasts_contradicting_remission_are_flagged() -> None:
    bundle = load("adult-relapsed-cd19-b-all.bundle.json")
    dx = bundle["entry"][1]["resource"]
    dx["clinicalStatus"]["coding"][0].update(code="remission", display="Remission")
    dx["code"]["coding"] = dx["code"]["coding"][:1]  # drop C91.02 "in relapse"
    dx["recordedDate"] = "2026-11-01"
    facts, problems = facts_from_bundle(bundle, AS_OF)
    assert facts.disease_status == "remission"
    assert "fhir_blasts_contradict" in types(problems)  # marrow blasts 38% on 2026-11-18


def test_problems_carry_no_patient_values() -> None:
    _, problems = read("febrile-neutropenia.bundle.json")
    text = json.dumps([p.as_dict() for p in problems])
    for value in ("3.86", "1978-01-20", "Example"):
        assert value not in text


def _orders(*codings: dict[str, Any]) -> list[dict[str, Any]]:
    """A patient with ALL and one MedicationRequest per coding, each with no name at all."""
    ref = {"reference": "Patient/p1"}
    out: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": "p1"},
        {"resourceType": "Condition", "id": "c1", "subject": ref,
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C91.02"}]}},
    ]
    for i, coding in enumerate(codings):
        out.append({"resourceType": "MedicationRequest", "id": f"m{i}", "status": "completed",
                    "intent": "order", "subject": ref, "authoredOn": "2026-06-01",
                    "medicationCodeableConcept": {"coding": [coding]}})
    return out


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.mark.parametrize(("code", "given"), [
    ("603566", "nelarabine"),          # nelarabine 5 mg/mL injection (openFDA, NDC 46708-813)
    ("2387347", "car-t-cell-therapy"),  # Tecartus (NDC 71287-219)
    ("2700168", "car-t-cell-therapy"),  # Aucatzyl (NDC 83047-410)
    ("1364352", "ponatinib"),           # Iclusig (NDC 63020-533)
    ("1597262", "blinatumomab"),        # Blincyto (NDC 55513-160)
    ("2698331", "revumenib"),           # Revuforj (NDC 73555-502)
])
def test_an_order_coded_only_with_an_rxnorm_product_code_is_recognised(code: str, given: str) -> None:
    facts, problems = facts_from_resources(_orders({"system": RXNORM, "code": code}), AS_OF)
    assert given in (facts.prior_treatments or ())
    assert "fhir_unidentified_treatment" not in types(problems)


def test_a_drug_with_neither_name_nor_known_code_is_reported_not_silently_dropped() -> None:
    facts, problems = facts_from_resources(
        _orders({"system": RXNORM, "code": "603566"}, {"system": RXNORM, "code": "99999999"}), AS_OF)
    assert facts.prior_treatments == ("nelarabine",)  # the list is kept, and the gap is said
    (warning,) = [p for p in problems if p.type == "fhir_unidentified_treatment"]
    assert warning.severity == "warning"
    assert warning.loc == ("resources", 3, "medicationCodeableConcept")
    assert warning.msg.startswith("MedicationRequest/m1: the drug could not be identified")
    # A named drug that is not an ALL treatment is identified: no warning.
    named = _orders({"system": RXNORM, "code": "99999999", "display": "ondansetron 8 MG Oral Tablet"})
    assert "fhir_unidentified_treatment" not in types(facts_from_resources(named, AS_OF)[1])

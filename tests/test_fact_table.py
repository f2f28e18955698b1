"""The fact table (allnav.facts.FIELDS) is the one source for a fact (issue 18, requirement 1).

These tests fail when a fact the pathway reads cannot be asked, or has no EHR mapping and no
explicit "not from the EHR" mark, or when the table and knowledge/fhir-codes.yaml disagree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from allnav.facts import FIELDS, FieldSpec, NotFromEhr
from allnav.interop.fhir_codes import CodeBook, load_codebook
from allnav.pathway import NamedCriterion, load_pathway
from allnav.web.cds.cards import fact_label

_INTEROP = Path(__file__).resolve().parents[1] / "src" / "allnav" / "interop"


def _pathway_facts() -> set[str]:
    """Every fact any criterion of knowledge/pathway.yaml reads (named, option, urgent, order)."""
    p = load_pathway()
    crits: list[NamedCriterion] = list(p.criteria.values())
    for o in p.options:
        crits += [r.criterion for r in o.requires]
        crits += [c for c, _ in o.guideline]
        if o.urgent_when is not None:
            crits.append(o.urgent_when)
    return {n for c in crits for n in c.fact_names}


def _named_by_codes(book: CodeBook) -> set[str]:
    """The facts some code in fhir-codes.yaml names, by ``fact:`` or ``sets:``."""
    named: set[str] = set()
    sets = [*book.diagnoses.values(), *book.clinical_status.values()]
    for c in book.observations.values():
        if c.fact:
            named.add(c.fact)
        sets += [*c.values.values(), c.positive, c.negative]
    named.update(name for s in sets for name, _ in s)
    return named


def test_the_pathway_reads_facts_of_the_table() -> None:
    used = _pathway_facts()
    assert used, "no facts found in the pathway: the walk above is broken"
    assert used <= set(FIELDS)


@pytest.mark.parametrize("name", sorted(_pathway_facts()))
def test_a_pathway_fact_has_a_question_a_label_and_an_ehr_mapping(name: str) -> None:
    spec = FIELDS[name]
    assert spec.question.strip().endswith("?") or spec.kind == "date", name
    assert spec.label.strip(), f"{name}: no clinician label"
    assert spec.ehr is not None, (
        f"{name}: no FHIR mapping and no NotFromEhr(reason) mark in allnav.facts")
    if isinstance(spec.ehr, NotFromEhr):
        assert spec.ehr.reason.strip(), f"{name}: a not-from-EHR mark needs a reason"


def test_fhir_codes_mark_matches_the_code_list() -> None:
    """``ehr="fhir-codes"`` exactly when a code in fhir-codes.yaml names the fact."""
    marked = {n for n, s in FIELDS.items() if s.ehr == "fhir-codes"}
    assert marked == _named_by_codes(load_codebook())


@pytest.mark.parametrize("name", sorted(n for n, s in FIELDS.items() if s.ehr == "fhir-reader"))
def test_fhir_reader_mark_names_a_fact_the_reader_builds(name: str) -> None:
    # The reader's structural rules live in code, so the mark must point at code that names it.
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(_INTEROP.glob("fhir_*.py")))
    assert f'"{name}"' in text, f"{name}: marked fhir-reader, but no FHIR reader names it"


def test_card_labels_come_from_the_table() -> None:
    for name, spec in FIELDS.items():
        assert fact_label(name) == spec.label
    assert fact_label("kmt2a") == "KMT2A"


def test_a_new_fact_in_the_table_gets_its_label_without_code_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import allnav.facts as facts_mod
    import allnav.web.cds.cards as cards_mod

    extra = FieldSpec("wt1", "choice", "WT1 expression.", "Is WT1 raised?",
                      choices=("raised", "normal"), label="WT1",
                      ehr=NotFromEhr("example only"))
    monkeypatch.setattr(cards_mod, "FIELDS", {**facts_mod.FIELDS, "wt1": extra})
    cards_mod.fact_label.cache_clear()
    try:
        assert cards_mod.fact_label("wt1") == "WT1"
    finally:
        cards_mod.fact_label.cache_clear()


def _igg_bundle(value: float, unit: str) -> dict[str, object]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1990-01-01"}},
        {"resource": {"resourceType": "Condition", "id": "dx", "subject": {"reference": "Patient/p1"},
                      "code": {"coding": [{"system": "http://snomed.info/sct",
                                           "code": "91857003"}]}}},
        {"resource": {"resourceType": "Observation", "id": "igg", "status": "final",
                      "subject": {"reference": "Patient/p1"},
                      "effectiveDateTime": "2026-11-20",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "2465-3"}]},
                      "valueQuantity": {"value": value, "unit": unit,
                                        "system": "http://unitsofmeasure.org", "code": unit}}},
    ]}


@pytest.mark.parametrize(("value", "unit", "mg_dl"), [(420, "mg/dL", 420), (4.2, "g/L", 420)])
def test_a_fhir_igg_result_gives_the_igg_fact(value: float, unit: str, mg_dl: float) -> None:
    import datetime as dt

    from allnav.interop.fhir import facts_from_bundle

    facts, _ = facts_from_bundle(_igg_bundle(value, unit), as_of=dt.date(2026, 11, 29))
    assert facts.igg_mg_dl == pytest.approx(mg_dl)
    assert facts.sources["igg_mg_dl"].reference == "Observation/igg"


def test_the_web_form_asks_every_fact_patients_can_answer() -> None:
    from allnav.web.pages.forms import FORM_FIELDS

    asked = {n for n, s in FIELDS.items() if s.patient_asks}
    assert asked - set(FORM_FIELDS) == set(), "facts patients answer but the form does not ask"
    assert set(FORM_FIELDS) <= set(FIELDS), "form inputs that fill no fact"
    assert _pathway_facts() <= asked | {n for n, s in FIELDS.items() if s.ehr is not None}


_ISSUE_12_ANSWERS = [
    ("prior_regimen_count", ["2"], 2),
    ("prior_tkis", ["dasatinib", "ponatinib"], ("dasatinib", "ponatinib")),
    ("prior_tkis", ["none"], ()),
    ("months_from_transplant_to_relapse", ["14"], 14),
    ("active_gvhd", ["yes"], True),
    ("active_gvhd", ["no"], False),
    ("prior_vod", ["yes"], True),
    ("igg_mg_dl", ["420"], 420),
    ("serious_or_recurrent_infections", ["no"], False),
]


@pytest.mark.parametrize(("name", "answer", "value"), _ISSUE_12_ANSWERS)
def test_the_form_reads_and_round_trips_issue_12_facts(
        name: str, answer: list[str], value: object) -> None:
    import datetime as dt

    from allnav.web.pages.forms import facts_to_pairs, pairs_to_form, read_form

    today = dt.date(2026, 11, 29)
    got = read_form({name: answer}, today)
    assert got.problems == ()
    assert got.facts is not None
    assert got.facts.value(name) == value
    again = read_form(pairs_to_form(facts_to_pairs(got.facts)), today)
    assert again.facts == got.facts


def test_a_yes_no_choice_reads_through_the_table() -> None:
    import datetime as dt

    from allnav.web.pages.forms import facts_to_pairs, read_form

    got = read_form({"kmt2a": ["yes"], "cd19": ["no"]}, dt.date(2026, 11, 29))
    assert got.facts is not None
    assert (got.facts.kmt2a, got.facts.cd19) == ("rearranged", "negative")
    assert ("kmt2a", "yes") in facts_to_pairs(got.facts)
    assert ("cd19", "no") in facts_to_pairs(got.facts)

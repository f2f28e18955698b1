"""Emergencies that cannot be missed or contradicted (the emergencies issue).

Each situation the issue reports has a regression test; the rules it states hold over
random facts (hypothesis): one source of truth for the triage level, unknown never lowers
urgency, no later contact for a condition that is urgent now, every urgent output says
what to do now and why in plain words, and hospice patients are pointed to the hospice
team first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allnav.care import CareAssessment, CareRules, assess_care, load_care_rules
from allnav.engine import assess
from allnav.facts import Facts
from allnav.facts_reader import read_facts
from allnav.pathway import Pathway, load_pathway

from .conftest import AS_OF
from .test_care_language import flesch_kincaid_grade
from .test_care_properties import any_facts

RULES: CareRules = load_care_rules()
PATHWAY: Pathway = load_pathway()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LATER = re.compile(r"\b(today|next visit|same day)\b", re.IGNORECASE)


def both(data: dict[str, Any]) -> tuple[Any, CareAssessment]:
    facts, _ = read_facts(data, default_as_of=AS_OF)
    return assess(PATHWAY, facts, AS_OF), assess_care(RULES, facts, AS_OF)


# --- the situations the issue saw ------------------------------------------------------------

@pytest.mark.parametrize(("temp", "anc"), [(38.5, 1200), (39.0, 2500)])
def test_fever_with_a_count_expected_to_fall_is_call_now(temp: float, anc: float) -> None:
    a, c = both({"disease_status": "relapsed", "relapse_count": 1, "days_since_chemotherapy": 8,
                 "symptoms": {"temperature_c": temp, "anc_per_ul": anc,
                              "anc_expected_to_fall": True}})
    fn = a.option("febrile-neutropenia-emergency")
    assert fn.urgent and fn.status == "suitable"
    assert c.level == "emergency" and c.alerts[0].rule == "febrile-neutropenia"
    assert c.alerts[0].variant == "confirmed"
    for al in c.alerts:  # nothing says "today" about the fever
        assert al.rule not in ("infection",)
    assert not any("temperature" in line for line in c.call_right_away)


def test_a_temperature_alone_never_reads_as_signs_of_infection() -> None:
    _, c = both({"symptoms": {"temperature_c": 38.4}})
    assert c.level == "emergency"
    assert all("signs of an infection" not in al.patient_text for al in c.alerts)


def test_a_count_older_than_the_fever_is_out_of_date() -> None:
    a, c = both({"disease_status": "remission", "relapse_count": 1, "days_since_chemotherapy": 5,
                 "symptoms": {"temperature_c": 38.3, "anc_per_ul": 2200, "anc_expected_to_fall": False,
                              "counts_date": (AS_OF - dt.timedelta(days=3)).isoformat()}})
    assert a.option("febrile-neutropenia-emergency").urgent
    assert "The blood count is from before today" in " ".join(
        a.option("febrile-neutropenia-emergency").notes)
    assert c.alerts[0].rule == "febrile-neutropenia"


def test_a_count_taken_after_the_assessment_date_is_refused() -> None:
    from allnav.problems import InputError
    with pytest.raises(InputError) as e:
        read_facts({"as_of": "2026-11-29", "symptoms": {"counts_date": "2026-12-01"}})
    assert e.value.problems[0].loc == ("symptoms", "counts_date")


@pytest.mark.parametrize("data", [
    {"days_since_car_t_infusion": 5, "symptoms": {"temperature_c": 38.2, "anc_per_ul": 3000}},
    {"days_since_car_t_infusion": 9, "symptoms": {"neurologic_changes": True}},
    {"days_since_car_t_infusion": 12, "symptoms": {"systolic_bp_mmhg": 84}},
    {"on_blinatumomab": True, "symptoms": {"neurologic_changes": True}},
    {"on_blinatumomab": True, "symptoms": {"temperature_c": 38.0}},
    {"prior_treatments": ["car-t-cell-therapy"], "symptoms": {"temperature_c": 38.6}},
])
def test_crs_and_icans_are_recognised_whatever_the_anc(data: dict[str, Any]) -> None:
    a, c = both(data)
    assert a.option("crs-icans-emergency").urgent
    alert = c.alert("crs-icans")
    assert alert is not None and alert.level == "emergency"
    assert alert.do_now == "Call the team that treats you now, or go to the emergency department."


def test_outside_the_window_crs_is_not_claimed_but_the_signs_stay_urgent() -> None:
    a, c = both({"days_since_car_t_infusion": 200, "symptoms": {"neurologic_changes": True}})
    assert not a.option("crs-icans-emergency").urgent
    assert a.option("neurologic-or-circulation-emergency").urgent
    assert c.alerts[0].rule == "neurologic-or-circulation"


def test_hospice_bleeding_points_to_the_hospice_team_first_with_911_when_heavy() -> None:
    _, c = both({"in_hospice": True, "goals": "comfort", "symptoms": {"bleeding": True}})
    alert = c.alert("bleeding")
    assert alert is not None and alert.level == "emergency"
    assert alert.patient_text.startswith("Call your hospice team now")
    assert "911" in alert.patient_text and "emergency department" not in alert.patient_text
    assert c.level_words["emergency"] == "Now: call your hospice team now"


def test_pain_of_5_is_a_call_today_and_severe_pain_a_call_now() -> None:
    _, c = both({"symptoms": {"pain_score": 5}})
    assert c.alert("pain") is not None and c.alert("pain").level == "same-day"  # type: ignore[union-attr]
    a, c = both({"symptoms": {"pain_score": 8}})
    assert c.alert("pain").level == "emergency"  # type: ignore[union-attr]
    assert a.option("pain-management").urgent


# --- the rules, over random facts --------------------------------------------------------------

def _urgent_options(facts: Facts) -> set[str]:
    return {o.id for o in assess(PATHWAY, facts, AS_OF).urgent}


@SETTINGS
@given(any_facts())
def test_one_source_decides_the_triage_level(facts: Facts) -> None:
    """The care emergencies are exactly the engine's urgent options (febrile neutropenia
    also covers the infection option, which it replaces)."""
    care = assess_care(RULES, facts, AS_OF)
    shown = {al.option for al in care.alerts if al.level == "emergency"}
    urgent = _urgent_options(facts)
    if "febrile-neutropenia-emergency" in shown:
        shown.add("infection-treatment")
    assert shown == urgent
    assert all(al.level == "emergency" for al in care.alerts if al.option in urgent)


@SETTINGS
@given(any_facts())
def test_no_later_contact_for_a_condition_that_is_urgent_now(facts: Facts) -> None:
    care = assess_care(RULES, facts, AS_OF)
    named = PATHWAY.evaluate_criteria(dataclasses.replace(facts, as_of=AS_OF))
    urgent_rules = {al.rule for al in care.alerts if al.level == "emergency"}
    # A fever, bleeding or an infection that is urgent is never also "call today".
    families = [{"febrile-neutropenia", "infection", "crs-icans"}, {"bleeding", "platelets"}]
    for fam in families:
        if fam & urgent_rules:
            assert all(al.level == "emergency" for al in care.alerts if al.rule in fam)
    for al in care.alerts:
        if al.level == "emergency":
            assert not LATER.search(al.do_now or ""), al
    # No "call right away if X" where X is already true.
    for item in RULES.call_right_away:
        if item.when is not None and named[item.when] is True:
            assert item.text not in care.call_right_away


@st.composite
def fever_with_unsure_count(draw: st.DrawFn) -> Facts:
    """A temperature of 38.0 °C or more with a count that is unknown, out of date, or
    expected to fall, on top of any other facts."""
    facts = draw(any_facts())
    temp = draw(st.floats(38.0, 42.0))
    kind = draw(st.sampled_from(["unknown", "stale", "falling"]))
    s = facts.symptoms
    if kind == "unknown":
        s = dataclasses.replace(s, anc_per_ul=None)
    elif kind == "stale":
        s = dataclasses.replace(s, anc_per_ul=draw(st.floats(0, 100_000)),
                                counts_date=AS_OF - dt.timedelta(days=draw(st.integers(1, 30))))
    else:
        s = dataclasses.replace(s, anc_per_ul=draw(st.floats(0, 100_000)), anc_expected_to_fall=True)
    return dataclasses.replace(facts, symptoms=dataclasses.replace(s, temperature_c=temp))


@SETTINGS
@given(fever_with_unsure_count())
def test_unknown_never_lowers_urgency(facts: Facts) -> None:
    a = assess(PATHWAY, facts, AS_OF)
    fn = a.option("febrile-neutropenia-emergency")
    assert fn.urgent and fn.status != "not-suitable"
    care = assess_care(RULES, facts, AS_OF)
    assert care.alerts[0].rule == "febrile-neutropenia" and care.alerts[0].level == "emergency"


@SETTINGS
@given(st.floats(38.0, 42.0), any_facts())
def test_any_temperature_of_38_or_more_is_urgent(temp: float, facts: Facts) -> None:
    facts = dataclasses.replace(facts, symptoms=dataclasses.replace(facts.symptoms, temperature_c=temp))
    assert assess_care(RULES, facts, AS_OF).level == "emergency"
    assert _urgent_options(facts) & {"febrile-neutropenia-emergency", "infection-treatment"}


def _sentences(text: str) -> list[str]:
    return [x for x in re.split(r"(?<=[.!?])\s+", text.strip()) if x]


def test_every_urgent_text_is_do_now_then_why_in_plain_words() -> None:
    texts = [(o.id, o.urgent_text) for o in PATHWAY.options if o.urgent_when is not None]
    texts += [(f"{r.id}.hospice", f"{r.hospice.do_now} {r.hospice.why}") for r in RULES.rules.values()]
    assert len(texts) >= 6
    for name, text in texts:
        assert text, name
        parts = _sentences(text.replace("{when}", "now"))
        assert len(parts) == 2, (name, parts)
        do_now, why = parts
        assert re.match(r"(Call|Go|Ask|Tell)\b", do_now), (name, do_now)
        for sentence in parts:
            assert flesch_kincaid_grade(sentence) <= 6, (name, sentence)
        assert why


@SETTINGS
@given(any_facts())
def test_hospice_patients_hear_of_the_hospice_team_first(facts: Facts) -> None:
    facts = dataclasses.replace(facts, in_hospice=True)
    care = assess_care(RULES, facts, AS_OF)
    for al in care.alerts:
        assert re.match(r"(Call|Tell|Ask) your hospice team", al.patient_text), al.patient_text
        assert "emergency department" not in al.patient_text
        assert "care team" not in al.patient_text
    assert care.call_heading.startswith("Call your hospice team")


def test_minutes_count_conditions_keep_911_in_hospice() -> None:
    for rule in ("bleeding", "neurologic-or-circulation", "crs-icans"):
        assert "911" in RULES.rules[rule].hospice.do_now, rule


# --- the same sentence on the EHR card ---------------------------------------------------------

SITUATIONS: dict[str, dict[str, Any]] = {
    "fever, count expected to fall": {
        "disease_status": "relapsed", "relapse_count": 1, "days_since_chemotherapy": 8,
        "symptoms": {"temperature_c": 38.5, "anc_per_ul": 1200, "anc_expected_to_fall": True}},
    "fever after CAR-T cells": {
        "days_since_car_t_infusion": 6, "symptoms": {"temperature_c": 38.9, "anc_per_ul": 2600}},
    "confusion on blinatumomab": {"on_blinatumomab": True, "symptoms": {"neurologic_changes": True}},
    "bleeding": {"symptoms": {"bleeding": True, "platelets_per_ul": 8000}},
    "low blood pressure": {"symptoms": {"systolic_bp_mmhg": 82}},
}


@pytest.mark.parametrize("name", list(SITUATIONS))
def test_each_situation_has_a_critical_card_with_the_patients_sentence(name: str) -> None:
    from allnav.web.cds.cards import assessment_cards

    a, c = both(SITUATIONS[name])
    cards = assessment_cards(a, PATHWAY, base_url="https://allnav.example.org", patient_id="p1",
                             user_id="Practitioner/1")
    urgent = [card for card in cards if card["source"]["topic"]["code"] == "urgent"]
    assert urgent and all(card["indicator"] == "critical" for card in urgent)
    assert cards[: len(urgent)] == urgent
    first = c.alerts[0]
    assert first.level == "emergency" and first.do_now
    assert any(first.do_now in card["detail"] for card in urgent), (first.do_now, urgent)


def test_the_ehr_supplies_the_date_of_the_neutrophil_count() -> None:
    import json

    from allnav.interop.fhir import read_fhir_input

    from .conftest import ROOT

    bundle = json.loads((ROOT / "tests/data/fhir/febrile-neutropenia.bundle.json").read_text())
    found = read_fhir_input(bundle, AS_OF)
    assert found is not None
    facts = found[0]
    anc = facts.sources["symptoms.anc_per_ul"]
    assert facts.symptoms.counts_date == anc.recorded is not None
    assert facts.sources["symptoms.counts_date"].reference == anc.reference

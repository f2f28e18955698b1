"""Care triage at every boundary: which alert, at which level, with which numbers shown."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from allnav.care import CareAssessment, CareRules, assess_care, load_care_rules
from allnav.care.model import LEVELS
from allnav.facts import Facts, Symptoms
from allnav.facts_reader import read_facts

from .conftest import AS_OF

RULES: CareRules = load_care_rules()


def care(goals: str | None = None, age: float | None = None, **symptoms: object) -> CareAssessment:
    facts = Facts(symptoms=Symptoms(**symptoms), goals=goals, age_years=age)  # type: ignore[arg-type]
    return assess_care(RULES, facts, AS_OF)


def rules_fired(c: CareAssessment) -> dict[str, str]:
    return {a.rule: a.level for a in c.alerts}


# --- febrile neutropenia ---------------------------------------------------------------------

@pytest.mark.parametrize(("temp", "sustained", "anc", "fn"), [
    (38.2, None, 300, True),  # duration unknown: not ruled out
    (38.2, False, 300, False),
    (38.2, True, 300, True),
    (38.3, None, 300, True),
    (38.3, False, 499, True),
    (38.0, True, 300, True),  # 38.0 sustained over an hour is a fever
    (37.9, True, 300, False),
    (38.3, None, 500, True),  # 500 is not below 500, but might be falling: not ruled out
    (38.3, None, 1000, False),  # 1,000 or more rules neutropenia out
    (38.3, None, None, True),  # unknown ANC: not ruled out
    (None, None, 100, False),
])
def test_febrile_neutropenia_boundaries(temp: float | None, sustained: bool | None,
                                        anc: float | None, fn: bool) -> None:
    c = care(temperature_c=temp, temperature_sustained_1h=sustained, anc_per_ul=anc)
    alert = c.alert("febrile-neutropenia")
    assert (alert is not None) is fn
    if alert is not None:
        assert alert.level == "emergency"
        assert c.level == "emergency"


@pytest.mark.parametrize(("anc", "falling", "fn", "variant"), [
    (499, None, True, "confirmed"),
    (500, True, True, "confirmed"),
    (500, False, False, None),
    (500, None, True, "not-ruled-out"),  # below 1,000 with the trend unknown
    (999, True, True, "confirmed"),
    (1000, True, False, None),  # 1,000 is not below 1,000
    (1000, None, False, None),
])
def test_neutropenia_when_falling(anc: float, falling: bool | None, fn: bool,
                                  variant: str | None) -> None:
    c = care(temperature_c=38.5, anc_per_ul=anc, anc_expected_to_fall=falling)
    alert = c.alert("febrile-neutropenia")
    assert (alert is not None) is fn
    if alert is not None:
        assert alert.variant == variant


def test_clinician_line_shows_the_numbers_that_triggered_it() -> None:
    c = care(temperature_c=38.4, anc_per_ul=300)
    alert = c.alert("febrile-neutropenia")
    assert alert is not None
    assert alert.clinician_text.startswith("T 38.4 °C, ANC 300/µL -> febrile neutropenia (IDSA")
    assert [(t.fact, t.value) for t in alert.triggers] == [
        ("symptoms.temperature_c", 38.4), ("symptoms.anc_per_ul", 300)]
    assert "Call your care team now, or go to the emergency department" in alert.patient_text


def test_fever_with_unknown_anc_asks_for_it_and_says_so() -> None:
    c = care(temperature_c=38.4)
    alert = c.alert("febrile-neutropenia")
    assert alert is not None
    assert alert.variant == "not-ruled-out"
    assert alert.clinician_text.startswith("T 38.4 °C, ANC unknown -> febrile neutropenia not "
                                           "ruled out")
    assert alert.needs == ("symptoms.anc_per_ul",)


def test_sustained_fever_is_named_in_the_trigger() -> None:
    c = care(temperature_c=38.1, temperature_sustained_1h=True, anc_per_ul=800,
             anc_expected_to_fall=True)
    alert = c.alert("febrile-neutropenia")
    assert alert is not None
    assert alert.clinician_text.startswith(
        "T 38.1 °C for 1 h or more, ANC 800/µL and expected to fall -> febrile neutropenia")


def test_fahrenheit_and_si_counts_reach_the_same_alert() -> None:
    facts, _ = read_facts({"symptoms": {"temperature_c": {"value": 101.2, "unit": "[degF]"},
                                        "anc_per_ul": {"value": 0.3, "unit": "10*9/L"}}})
    alert = assess_care(RULES, facts, AS_OF).alert("febrile-neutropenia")
    assert alert is not None
    assert alert.clinician_text.startswith("T 38.44 °C, ANC 300/µL -> febrile neutropenia")


# --- infection -------------------------------------------------------------------------------

def test_a_temperature_of_38_with_unknown_duration_is_not_waited_on() -> None:
    c = care(temperature_c=38.0, anc_per_ul=300)
    alert = c.alert("febrile-neutropenia")
    assert alert is not None
    assert (alert.variant, alert.level) == ("fever-duration-unknown", "emergency")
    assert alert.needs == ("symptoms.temperature_sustained_1h",)
    assert "38.0 °C (100.4 °F) or higher" in alert.patient_text
    assert c.alert("infection") is None


def test_a_short_low_fever_is_still_a_call_now_when_neutropenic() -> None:
    c = care(temperature_c=38.2, temperature_sustained_1h=False, anc_per_ul=300)
    assert c.alert("febrile-neutropenia") is None
    alert = c.alert("infection")
    assert alert is not None
    assert (alert.variant, alert.level) == ("neutropenia-not-ruled-out", "emergency")


def test_infection_signs_without_neutropenia_are_same_day() -> None:
    c = care(infection_signs=True, anc_per_ul=2500)
    assert rules_fired(c) == {"infection": "same-day"}


def test_infection_signs_with_unknown_anc_are_now() -> None:
    alert = care(infection_signs=True).alert("infection")
    assert alert is not None
    assert alert.level == "emergency"
    assert alert.needs == ("symptoms.anc_per_ul",)


def test_febrile_neutropenia_includes_infection_signs_instead_of_repeating_them() -> None:
    c = care(temperature_c=38.6, anc_per_ul=200, infection_signs=True)
    assert c.alert("infection") is None
    alert = c.alert("febrile-neutropenia")
    assert alert is not None
    assert "signs of infection" in alert.clinician_text


def test_nothing_known_means_no_alert_but_the_call_list_and_palliative_care() -> None:
    c = care()
    assert c.alerts == ()
    assert c.level is None
    assert c.call_right_away[0] == "Your temperature is 38.0 °C (100.4 °F) or higher."
    assert c.palliative.id == "palliative-care"
    assert c.mascc is None


# --- counts ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("platelets", "alert"), [(10_000, True), (10_001, False), (0, True),
                                                  (9_999, True)])
def test_platelet_threshold(platelets: float, alert: bool) -> None:
    c = care(platelets_per_ul=platelets)
    assert (c.alert("platelets") is not None) is alert
    if alert:
        assert rules_fired(c)["platelets"] == "same-day"


@pytest.mark.parametrize(("hb", "alert"), [(6.9, True), (7.0, False), (7.1, False)])
def test_red_cell_threshold(hb: float, alert: bool) -> None:
    c = care(hemoglobin_g_dl=hb)
    found = c.alert("red-cells")
    assert (found is not None) is alert
    if found is not None:
        assert (found.variant, found.level) == ("hemoglobin-low", "same-day")
        assert found.clinician_text.startswith(f"Hb {hb:g} g/dL -> below the restrictive")


def test_breathlessness_or_fatigue_lead_to_a_discussion_whatever_the_hemoglobin() -> None:
    breathless = care(hemoglobin_g_dl=9.5, breathlessness=True).alert("red-cells")
    tired = care(hemoglobin_g_dl=9.5, fatigue=True).alert("red-cells")
    tired_hb_unknown = care(fatigue=True).alert("red-cells")
    assert breathless is not None and (breathless.variant, breathless.level) == (
        "breathless", "same-day")
    assert tired is not None and (tired.variant, tired.level) == ("fatigue", "next-visit")
    assert tired_hb_unknown is not None and tired_hb_unknown.needs == ("symptoms.hemoglobin_g_dl",)


def test_bleeding_is_now_at_any_platelet_count() -> None:
    c = care(bleeding=True, platelets_per_ul=150_000)
    assert rules_fired(c) == {"bleeding": "emergency", "nsaid-caution": "next-visit"}


# --- pain ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("score", "variant", "level"), [
    (0, None, None), (1, "mild", "next-visit"), (3, "mild", "next-visit"),
    (4, "moderate", "next-visit"), (6, "moderate", "next-visit"), (7, "severe", "same-day"),
    (10, "severe", "same-day"),
])
def test_pain_by_severity(score: int, variant: str | None, level: str | None) -> None:
    alert = care(pain_score=score, platelets_per_ul=150_000).alert("pain")
    assert (alert.variant if alert else None, alert.level if alert else None) == (variant, level)


def test_pain_clinician_text_names_the_who_step() -> None:
    steps = {s: care(pain_score=s, platelets_per_ul=150_000).alert("pain") for s in (2, 5, 8)}
    assert all(a is not None for a in steps.values())
    assert "WHO ladder step 1" in steps[2].clinician_text  # type: ignore[union-attr]
    assert "WHO ladder step 2" in steps[5].clinician_text  # type: ignore[union-attr]
    assert "WHO ladder step 3" in steps[8].clinician_text  # type: ignore[union-attr]


@pytest.mark.parametrize(("platelets", "bleeding", "unsafe"), [
    (49_999, False, True), (50_000, False, False), (150_000, True, True), (None, None, False),
])
def test_pain_advice_warns_against_nsaids_with_low_platelets_or_bleeding(
        platelets: float | None, bleeding: bool | None, unsafe: bool) -> None:
    c = care(pain_score=5, platelets_per_ul=platelets, bleeding=bleeding)
    alert = c.alert("pain")
    assert alert is not None
    assert ("aspirin, ibuprofen or naproxen" in alert.patient_text) is unsafe
    assert ("avoid aspirin and NSAIDs" in alert.clinician_text) is unsafe
    assert (c.alert("nsaid-caution") is not None) is unsafe
    if platelets is None:
        assert "symptoms.platelets_per_ul" in alert.needs


def test_localized_bone_pain_suggests_radiation() -> None:
    alert = care(localized_bone_pain=True).alert("pain")
    assert alert is not None
    assert alert.variant == "localized-only"
    assert "radiation" in alert.patient_text
    assert "palliative radiotherapy" in alert.clinician_text
    assert alert.needs[0] == "symptoms.pain_score"


def test_nausea_and_appetite() -> None:
    alert = care(nausea=True, appetite_loss=True).alert("nausea-appetite")
    assert alert is not None
    assert alert.level == "next-visit"
    assert "High-calorie" in alert.patient_text
    assert alert.clinician_text.startswith("nausea, poor appetite -> ")


# --- ordering, palliative care and hospice --------------------------------------------------

def test_alerts_come_most_urgent_first() -> None:
    c = care(temperature_c=38.5, anc_per_ul=100, platelets_per_ul=5000, hemoglobin_g_dl=6.5,
             pain_score=5, nausea=True, bleeding=True)
    levels = [LEVELS.index(a.level) for a in c.alerts]
    assert levels == sorted(levels)
    assert c.alerts[0].rule == "febrile-neutropenia"


@pytest.mark.parametrize("goals", [None, "cure", "longer-life", "comfort"])
def test_palliative_care_is_offered_with_every_goal(goals: str | None) -> None:
    c = care(goals=goals)
    assert "at the same time as treatment" in c.palliative.patient_text
    assert {"ev.el-jawahri-2016", "ev.asco-2017-palliative"} <= set(c.palliative.evidence)


def test_hospice_information_only_when_the_goal_is_comfort_and_it_talks_about_transfusions(
) -> None:
    assert care(goals="cure").hospice is None
    assert care(goals=None).hospice is None
    hospice = care(goals="comfort").hospice
    assert hospice is not None
    assert "cannot give blood or platelet transfusions" in hospice.patient_text
    assert "ask each hospice" in hospice.patient_text


def test_the_core_needs_a_date_and_flags_an_overdue_review() -> None:
    with pytest.raises(ValueError, match="as_of"):
        assess_care(RULES, Facts())
    late = assess_care(RULES, Facts(), RULES.review_due() + dt.timedelta(days=1))
    assert [p.type for p in late.issues] == ["stale_review"]
    on_time = assess_care(RULES, Facts(as_of=RULES.review_due()))
    assert on_time.issues == ()


def test_care_is_a_pure_function_of_its_inputs() -> None:
    facts = Facts(symptoms=Symptoms(temperature_c=38.4, anc_per_ul=300, pain_score=8))
    assert assess_care(RULES, facts, AS_OF) == assess_care(RULES, facts, AS_OF)
    changed = dataclasses.replace(facts, symptoms=dataclasses.replace(facts.symptoms,
                                                                      pain_score=None))
    assert assess_care(RULES, changed, AS_OF).alert("pain") is None

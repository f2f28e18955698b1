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


#: Everything that can exclude neutropenia besides the count itself: in remission, more than
#: 14 days after chemotherapy, a count taken today (the assessment date), not expected to fall.
EXCLUDING = {"disease_status": "remission", "days_since_chemotherapy": 30}


def care_excluding(**symptoms: object) -> CareAssessment:
    """Care for facts where only the count (and its trend) can keep neutropenia open."""
    s = {"counts_date": AS_OF, "anc_expected_to_fall": False, **symptoms}
    facts = Facts(symptoms=Symptoms(**s), **EXCLUDING)  # type: ignore[arg-type]
    return assess_care(RULES, facts, AS_OF)


def rules_fired(c: CareAssessment) -> dict[str, str]:
    return {a.rule: a.level for a in c.alerts}


# --- fever: febrile neutropenia until a count taken today shows otherwise -------------------

@pytest.mark.parametrize(("temp", "sustained", "anc", "fn"), [
    (38.0, None, 300, True),  # 38.0 °C with a low count: the duration is not waited on
    (38.2, False, 300, True),  # a short low fever is still a call now (IDSA fever not needed)
    (38.3, None, 499, True),
    (37.9, True, 300, False),
    (38.3, None, 500, False),  # 500/µL today, not falling, in remission, day 30: excluded
    (38.3, None, None, True),  # unknown ANC: not ruled out
    (None, None, 100, False),
])
def test_febrile_neutropenia_boundaries(temp: float | None, sustained: bool | None,
                                        anc: float | None, fn: bool) -> None:
    c = care_excluding(temperature_c=temp, temperature_sustained_1h=sustained, anc_per_ul=anc)
    alert = c.alert("febrile-neutropenia")
    assert (alert is not None) is fn
    if alert is not None:
        assert alert.level == "emergency"
    if temp is not None and temp >= 38.0:
        assert c.level == "emergency"  # a fever is always a call now, FN or not


@pytest.mark.parametrize(("anc", "falling", "variant"), [
    (499, False, "confirmed"),
    (500, True, "confirmed"),
    (1200, True, "confirmed"),  # IDSA 2010: expected to fall below 500, no 1,000 ceiling
    (2500, True, "confirmed"),
    (500, None, "not-ruled-out"),  # the trend is unknown
    (5000, None, "not-ruled-out"),
    (500, False, None),
    (1000, False, None),
])
def test_neutropenia_expected_to_fall_has_no_ceiling(anc: float, falling: bool | None,
                                                     variant: str | None) -> None:
    c = care_excluding(temperature_c=38.5, anc_per_ul=anc, anc_expected_to_fall=falling)
    alert = c.alert("febrile-neutropenia")
    assert (None if alert is None else alert.variant) == variant
    if variant is None:  # excluded by today's count: still an emergency, as a fever
        infection = c.alert("infection")
        assert infection is not None and (infection.variant, infection.level) == ("fever", "emergency")


def test_a_count_from_before_today_cannot_rule_neutropenia_out() -> None:
    c = care_excluding(temperature_c=38.6, anc_per_ul=3000,
                       counts_date=AS_OF - dt.timedelta(days=2))
    alert = c.alert("febrile-neutropenia")
    assert alert is not None and alert.level == "emergency"
    assert "before today" in alert.clinician_text
    assert "cannot show your neutrophils now" in alert.patient_text


def test_days_7_to_14_after_chemotherapy_are_the_nadir() -> None:
    facts = Facts(disease_status="remission", days_since_chemotherapy=9,
                  symptoms=Symptoms(temperature_c=38.4, anc_per_ul=2000, counts_date=AS_OF,
                                    anc_expected_to_fall=False))
    alert = assess_care(RULES, facts, AS_OF).alert("febrile-neutropenia")
    assert alert is not None
    assert "day 9 after chemotherapy" in alert.clinician_text
    assert "usually at their lowest" in alert.patient_text


def test_active_leukemia_keeps_neutropenia_open_whatever_the_count() -> None:
    facts = Facts(disease_status="relapsed", days_since_chemotherapy=60,
                  symptoms=Symptoms(temperature_c=38.4, anc_per_ul=4000, counts_date=AS_OF,
                                    anc_expected_to_fall=False))
    alert = assess_care(RULES, facts, AS_OF).alert("febrile-neutropenia")
    assert alert is not None and alert.variant == "not-ruled-out"
    assert "functional neutropenia" in alert.clinician_text


def test_clinician_line_shows_the_numbers_that_triggered_it() -> None:
    c = care(temperature_c=38.4, anc_per_ul=300)
    alert = c.alert("febrile-neutropenia")
    assert alert is not None
    assert alert.clinician_text.startswith("T 38.4 °C, ANC 300/µL -> febrile neutropenia (IDSA")
    assert [(t.fact, t.value) for t in alert.triggers] == [
        ("symptoms.temperature_c", 38.4), ("symptoms.anc_per_ul", 300)]
    assert alert.patient_text.startswith("Call your care team now, or go to the emergency department.")


def test_fever_with_unknown_anc_asks_for_it_and_says_so() -> None:
    c = care(temperature_c=38.4)
    alert = c.alert("febrile-neutropenia")
    assert alert is not None
    assert alert.variant == "not-ruled-out"
    assert alert.clinician_text.startswith("T 38.4 °C, ANC unknown -> febrile neutropenia not "
                                           "ruled out")
    assert alert.needs == ("symptoms.anc_per_ul", "days_since_chemotherapy")


def test_sustained_fever_is_named_in_the_trigger() -> None:
    c = care(temperature_c=38.1, temperature_sustained_1h=True, anc_per_ul=800,
             anc_expected_to_fall=True)
    alert = c.alert("febrile-neutropenia")
    assert alert is not None
    assert alert.clinician_text.startswith(
        "T 38.1 °C for 1 h or more, ANC 800/µL, expected to fall -> febrile neutropenia")


def test_fahrenheit_and_si_counts_reach_the_same_alert() -> None:
    facts, _ = read_facts({"symptoms": {"temperature_c": {"value": 101.2, "unit": "[degF]"},
                                        "anc_per_ul": {"value": 0.3, "unit": "10*9/L"}}})
    alert = assess_care(RULES, facts, AS_OF).alert("febrile-neutropenia")
    assert alert is not None
    assert alert.clinician_text.startswith("T 38.44 °C, ANC 300/µL -> febrile neutropenia")


# --- infection -------------------------------------------------------------------------------

def test_a_temperature_alone_is_not_called_signs_of_infection() -> None:
    c = care_excluding(temperature_c=38.4, anc_per_ul=3000)
    alert = c.alert("infection")
    assert alert is not None and (alert.variant, alert.level) == ("fever", "emergency")
    assert "signs of an infection" not in alert.patient_text
    assert "temperature of 38.0 °C (100.4 °F) or more" in alert.patient_text


def test_infection_signs_without_neutropenia_are_same_day() -> None:
    c = care_excluding(infection_signs=True, anc_per_ul=2500)
    assert rules_fired(c) == {"infection": "same-day"}


def test_infection_signs_with_unknown_anc_are_now() -> None:
    alert = care(infection_signs=True).alert("infection")
    assert alert is not None
    assert alert.level == "emergency"
    assert alert.needs == ("symptoms.anc_per_ul", "days_since_chemotherapy")


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
    (4, "moderate", "same-day"), (6, "moderate", "same-day"), (7, "severe", "emergency"),
    (10, "severe", "emergency"),
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

"""The MASCC risk index: exact when every input is known, a range when some are not, and
never a reason to treat relapsed ALL as low risk."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allnav.care import CareRules, assess_care, load_care_rules
from allnav.care.mascc import mascc_score
from allnav.facts import Facts, Symptoms

from .conftest import AS_OF

RULES: CareRules = load_care_rules()

BEST: dict[str, object] = {
    "burden_of_illness": "none-or-mild", "systolic_bp_mmhg": 120.0, "copd": False,
    "prior_fungal_infection": False, "dehydration_needing_iv": False,
    "outpatient_at_fever_onset": True}
WORST: dict[str, object] = {
    "burden_of_illness": "severe", "systolic_bp_mmhg": 80.0, "copd": True,
    "prior_fungal_infection": True, "dehydration_needing_iv": True,
    "outpatient_at_fever_onset": False}


def score(age: float | None = None, **symptoms: object) -> tuple[int, int, str]:
    facts = Facts(age_years=age, symptoms=Symptoms(**symptoms))  # type: ignore[arg-type]
    m = mascc_score(RULES.mascc, facts, applies_now=True)
    return m.minimum, m.maximum, m.band


def test_all_favourable_is_26_and_all_unfavourable_is_0() -> None:
    assert score(40, **BEST) == (26, 26, "low")
    assert score(70, **WORST) == (0, 0, "high")


@pytest.mark.parametrize(("burden", "points"), [("none-or-mild", 5), ("moderate", 3),
                                                ("severe", 0)])
def test_burden_of_illness_is_one_item_scored_5_3_or_0(burden: str, points: int) -> None:
    low, high, _ = score(70, **{**WORST, "burden_of_illness": burden})
    assert low == high == points


@pytest.mark.parametrize(("sbp", "points"), [(89.9, 0), (90, 5), (120, 5)])
def test_hypotension_is_systolic_below_90(sbp: float, points: int) -> None:
    low, _, _ = score(70, **{**WORST, "systolic_bp_mmhg": sbp})
    assert low == points


@pytest.mark.parametrize(("age", "points"), [(59.9, 2), (60, 0)])
def test_age_below_60_scores_2(age: float, points: int) -> None:
    assert score(age, **WORST)[0] == points


def test_the_cut_off_is_21_or_more() -> None:
    # 26 - 5 (hypotension) = 21: low risk; 26 - 5 - 2 (age 60) = 19: high risk.
    assert score(40, **{**BEST, "systolic_bp_mmhg": 85.0}) == (21, 21, "low")
    assert score(60, **{**BEST, "systolic_bp_mmhg": 85.0}) == (19, 19, "high")
    # 26 - 2 (moderate burden) - 3 (inpatient) = 21: low; 26 - 2 - 4 (COPD) = 20: high.
    assert score(40, **{**BEST, "burden_of_illness": "moderate",
                        "outpatient_at_fever_onset": False}) == (21, 21, "low")
    assert score(40, **{**BEST, "burden_of_illness": "moderate", "copd": True}) == (20, 20, "high")


def test_partial_inputs_give_the_range_still_possible() -> None:
    # Only COPD (no: 4) and age (45: 2) known: 6 to 26.
    assert score(45, copd=False) == (6, 26, "undetermined")
    # Everything known but the burden of illness: 21 known points, 0 to 5 more.
    known = {k: v for k, v in BEST.items() if k != "burden_of_illness"}
    assert score(45, **known) == (21, 26, "low")
    # Known points alone cannot reach 21 even with the best unknowns.
    assert score(70, copd=True, systolic_bp_mmhg=80.0, prior_fungal_infection=True) == (0, 11, "high")


@given(st.fixed_dictionaries({}, optional={
    "burden_of_illness": st.sampled_from(["none-or-mild", "moderate", "severe"]),
    "systolic_bp_mmhg": st.floats(30, 300), "copd": st.booleans(),
    "prior_fungal_infection": st.booleans(), "dehydration_needing_iv": st.booleans(),
    "outpatient_at_fever_onset": st.booleans()}), st.one_of(st.none(), st.floats(18, 100)))
def test_the_range_always_contains_every_completion(known: dict[str, object],
                                                    age: float | None) -> None:
    low, high, _ = score(age, **known)
    assert 0 <= low <= high <= 26
    best = score(age if age is not None else 18, **{**BEST, **known})[0]
    worst = score(age if age is not None else 100, **{**WORST, **known})[0]
    assert (low, high) == (worst, best)


def test_mascc_is_shown_with_febrile_neutropenia_and_always_treated_as_high_risk() -> None:
    facts = Facts(age_years=40, symptoms=Symptoms(temperature_c=38.5, anc_per_ul=200, **BEST))  # type: ignore[arg-type]
    c = assess_care(RULES, facts, AS_OF)
    assert c.mascc is not None
    assert (c.mascc.minimum, c.mascc.band, c.mascc.treated_as) == (26, "low", "high")
    assert c.mascc.applies_now
    assert "not valid during intensive leukemia therapy" in c.mascc.statement
    fn = c.alert("febrile-neutropenia")
    assert fn is not None and fn.level == "emergency"


def test_mascc_is_not_computed_without_fever_or_its_inputs() -> None:
    assert assess_care(RULES, Facts(age_years=40), AS_OF).mascc is None
    given_inputs = assess_care(RULES, Facts(symptoms=Symptoms(copd=False)), AS_OF).mascc
    assert given_inputs is not None
    assert not given_inputs.applies_now
    assert given_inputs.missing[0] == "symptoms.burden_of_illness"

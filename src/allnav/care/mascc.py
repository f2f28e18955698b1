"""The MASCC risk index for febrile neutropenia (Klastersky 2000), computed from facts.

With every input known it is a score out of 26; with some unknown it is the
range of scores still possible (an unknown item counts 0 at the low end and
its full points at the high end), never a guess. Whatever the score, a person
with relapsed or refractory ALL on treatment is treated as high risk: the
index is not valid during intensive leukemia therapy.
"""

from __future__ import annotations

from allnav.care.model import MasccBand, MasccItem, MasccResult
from allnav.care.rules import MasccPoints
from allnav.facts import Facts


def _yes_no(value: bool | None, points: int, *, good: bool) -> int | None:
    # An item scores its points when the fact has the favourable answer ``good``.
    if value is None:
        return None
    return points if value is good else 0


def mascc_items(points: MasccPoints, facts: Facts) -> tuple[MasccItem, ...]:
    """Each MASCC item with the points it scores for ``facts`` (``None`` while unknown)."""
    s = facts.symptoms
    burden = None if s.burden_of_illness is None else points.burden_of_illness[s.burden_of_illness]
    bp = None if s.systolic_bp_mmhg is None else (
        points.no_hypotension if s.systolic_bp_mmhg >= points.hypotension_below_mmhg else 0)
    age = None if facts.age_years is None else (
        points.age_points if facts.age_years < points.age_below_years else 0)
    below = f"{points.hypotension_below_mmhg:g}"
    return (
        MasccItem("burden_of_illness", "Burden of illness (" + ", ".join(
                      f"{k.replace('-', ' ')} {v}" for k, v in points.burden_of_illness.items())
                  + ")",
                  ("symptoms.burden_of_illness",), burden, max(points.burden_of_illness.values())),
        MasccItem("no_hypotension", f"No hypotension (systolic BP {below} mmHg or more)",
                  ("symptoms.systolic_bp_mmhg",), bp, points.no_hypotension),
        MasccItem("no_copd", "No chronic obstructive pulmonary disease", ("symptoms.copd",),
                  _yes_no(s.copd, points.no_copd, good=False), points.no_copd),
        MasccItem("no_prior_fungal_infection",
                  "Hematologic malignancy with no previous fungal infection",
                  ("symptoms.prior_fungal_infection",),
                  _yes_no(s.prior_fungal_infection, points.no_prior_fungal_infection, good=False),
                  points.no_prior_fungal_infection),
        MasccItem("no_dehydration_needing_iv", "No dehydration needing IV fluids",
                  ("symptoms.dehydration_needing_iv",),
                  _yes_no(s.dehydration_needing_iv, points.no_dehydration_needing_iv, good=False),
                  points.no_dehydration_needing_iv),
        MasccItem("outpatient_at_fever_onset", "Outpatient when the fever began",
                  ("symptoms.outpatient_at_fever_onset",),
                  _yes_no(s.outpatient_at_fever_onset, points.outpatient_at_fever_onset,
                          good=True),
                  points.outpatient_at_fever_onset),
        MasccItem("age_below", f"Age below {points.age_below_years:g} years", ("age_years",),
                  age, points.age_points),
    )


def mascc_score(points: MasccPoints, facts: Facts, *, applies_now: bool) -> MasccResult:
    """The MASCC score or range for ``facts``; ``applies_now`` says whether there is
    febrile neutropenia (not ruled out) right now, the only time the index is meant for."""
    items = mascc_items(points, facts)
    low = sum(i.points or 0 for i in items)
    high = sum(i.max_points if i.points is None else i.points for i in items)
    band: MasccBand
    if low >= points.low_risk_at_least:
        band = "low"
    elif high < points.low_risk_at_least:
        band = "high"
    else:
        band = "undetermined"
    return MasccResult(
        items=items, minimum=low, maximum=high, max_possible=points.maximum,
        low_risk_at_least=points.low_risk_at_least, band=band, applies_now=applies_now,
        statement=points.statement, evidence=points.evidence,
    )

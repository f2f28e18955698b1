"""Match one patient against studies: hard filters, criteria with reasons, and ranking.

Hard filters rule a study out with a reason: not an ALL study (MeSH D054198 or
the condition text), not open to new patients, outside the structured age or
sex limits, or farther than the distance asked for. A filter whose fact is not
known does not rule out; it becomes an unknown criterion with a question.
Then every recognised eligibility criterion is judged met / not met / unknown.
Studies are ranked: recruiting before not yet recruiting, then fitting with no
unknowns, then fewest unknowns, then distance. Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from allnav.facts import Facts
from allnav.trials.evaluate import Judged, Memo, judge
from allnav.trials.geo import Place
from allnav.trials.model import OPEN_STATUSES, Fit, Site, Study, TrialCriterion, TrialRequirement

Group = Literal["recruiting", "not-yet-recruiting", "closed"]
_GROUP_RANK = {"recruiting": 0, "not-yet-recruiting": 1, "closed": 2}
_FIT_RANK = {"eligible": 0, "unknown": 1, "not-eligible": 2}
#: Site statuses that mean the site takes no new patients; the nearest site is an open one.
_CLOSED_SITE = frozenset({"COMPLETED", "TERMINATED", "WITHDRAWN", "SUSPENDED",
                          "ACTIVE_NOT_RECRUITING"})
DISCLAIMER = ("A trial list is not advice. Talk with your care team and the study team; "
              "eligibility is decided by the study.")


@dataclass(frozen=True, slots=True)
class TrialMatch:
    """One study judged for one patient."""

    study: Study
    group: Group
    fit: Fit
    #: Reasons a hard filter rules the study out (empty when it passes them all).
    exclusions: tuple[str, ...]
    judged: tuple[Judged, ...]
    nearest: Site | None
    distance_km: float | None
    questions: tuple[str, ...]

    @property
    def unknowns(self) -> int:
        """How many criteria are unknown for this patient."""
        return sum(j.status == "unknown" for j in self.judged)

    def sort_key(self) -> tuple[int, int, int, float, str]:
        """Recruiting first, then fit, fewest unknowns, distance, NCT id."""
        return (_GROUP_RANK[self.group], _FIT_RANK[self.fit], self.unknowns,
                self.distance_km if self.distance_km is not None else math.inf, self.study.nct_id)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Ranked matches, and the studies ruled out by a hard filter when they were asked for."""

    trials: tuple[TrialMatch, ...]
    excluded: tuple[TrialMatch, ...]
    place: Place | None
    within_km: float | None


def _status_words(status: str) -> str:
    return status.replace("_", " ").lower()


def _structured(study: Study, facts: Facts) -> tuple[list[str], list[Judged]]:
    """The structured age and sex limits: reasons to exclude, and judged rows to show."""
    reasons: list[str] = []
    rows: list[Judged] = []
    lo, hi = study.min_age, study.max_age
    if lo or hi:
        span = (f"{lo.text} and over" if lo and not hi else f"up to {hi.text}" if hi and not lo
                else f"{lo.text} to {hi.text}" if lo and hi else "")
        crit = TrialCriterion("inclusion", f"Study record: ages {span}",
                         (TrialRequirement("study_age", f"{lo.years if lo else 0:g}-"
                                      f"{hi.years if hi else 'any'}"),))
        label = f"Age limits in the study record: {span}"
        age = facts.age_years
        if age is None:
            rows.append(Judged(crit, "unknown", "age is not known",
                               f"How old is the patient? The study is for ages {span}.", label))
        elif (lo and age < lo.years) or (hi and age >= hi.years):
            reasons.append(f"the study is for ages {span}; the patient is {age:g}")
        else:
            rows.append(Judged(crit, "met", f"the patient is {age:g}", None, label))
    if study.sex in ("FEMALE", "MALE"):
        crit = TrialCriterion("inclusion", f"Study record: sex {study.sex}",
                         (TrialRequirement("study_sex", study.sex),))
        label = "Women only" if study.sex == "FEMALE" else "Men only"
        if facts.sex is None:
            rows.append(Judged(crit, "unknown", "sex is not known",
                               f"The study takes {label.lower()}: is the patient "
                               f"{study.sex.lower()}?", label))
        elif facts.sex.upper() != study.sex:
            reasons.append(f"the study takes {label.lower()}")
        else:
            rows.append(Judged(crit, "met", f"the patient is {facts.sex}", None, label))
    return reasons, rows


def _nearest(study: Study, place: Place | None, seen: dict[Site, float | None]
             ) -> tuple[Site | None, float | None]:
    if place is None:
        return None, None
    sites = [s for s in study.sites if s.status not in _CLOSED_SITE] or list(study.sites)
    best: tuple[float, Site] | None = None
    for s in sites:
        if s not in seen:
            seen[s] = place.distance_km(s)
        d = seen[s]
        if d is not None and (best is None or d < best[0]):
            best = (d, s)
    return (best[1], best[0]) if best else (None, None)


def match_study(study: Study, facts: Facts, place: Place | None = None,
                within_km: float | None = None, memo: Memo | None = None,
                seen: dict[Site, float | None] | None = None, *,
                include_closed: bool = False) -> TrialMatch:
    """One study judged for one patient, with every reason. ``memo`` and ``seen`` carry
    judgements and site distances from one study to the next of the same match. With
    ``include_closed`` a study not open to new patients is judged on its criteria (its
    group, ``closed``, says it is not open) instead of being ruled out for its status."""
    reasons: list[str] = []
    if not study.is_all:
        named = ", ".join(study.conditions) or "none listed"
        mesh = f" (MeSH: {', '.join(study.mesh_terms)})" if study.mesh_terms else ""
        reasons.append(f"not a study of acute lymphoblastic leukemia: conditions {named}{mesh}")
    if study.status not in OPEN_STATUSES and not include_closed:
        reasons.append(f"not open to new patients (status: {_status_words(study.status)})")
    found, rows = _structured(study, facts)
    reasons += found
    nearest, distance = _nearest(study, place, {} if seen is None else seen)
    if within_km is not None and distance is not None and distance > within_km:
        reasons.append(f"the nearest site is {distance:.0f} km from {place.label if place else ''} "
                       f"(limit {within_km:g} km)")
    judged = tuple(rows) + tuple(judge(c, facts, memo) for c in study.criteria)
    if not study.criteria and not study.unrecognised:
        # No eligibility text at all: nothing was checked, so the fit cannot be "eligible".
        judged += (Judged(TrialCriterion("inclusion", "(the record has no eligibility criteria)",
                                    (TrialRequirement("record", "criteria"),)),
                          "unknown", "the record gives no eligibility criteria",
                          "The study record lists no eligibility criteria: who can take part?"),)
    if reasons or any(j.status == "not-met" for j in judged):
        fit: Fit = "not-eligible"
    elif any(j.status == "unknown" for j in judged):
        fit = "unknown"
    else:
        fit = "eligible"
    group: Group = ("recruiting" if study.status == "RECRUITING" else
                    "not-yet-recruiting" if study.status == "NOT_YET_RECRUITING" else "closed")
    questions = tuple(dict.fromkeys(j.question for j in judged
                                    if j.status == "unknown" and j.question))
    return TrialMatch(study, group, fit, tuple(reasons), judged, nearest, distance, questions)


def match_trials(studies: Iterable[Study], facts: Facts, place: Place | None = None,
                 within_km: float | None = None, *, keep_excluded: bool = False,
                 include_closed: bool = False) -> MatchResult:
    """Every study judged and ranked. Studies a hard filter rules out go to ``excluded``
    (kept only when ``keep_excluded``, so a match over a large store stays small)."""
    kept: list[TrialMatch] = []
    out: list[TrialMatch] = []
    memo: Memo = {}
    seen: dict[Site, float | None] = {}
    for study in studies:
        m = match_study(study, facts, place, within_km, memo, seen,
                        include_closed=include_closed)
        if not m.exclusions:
            kept.append(m)
        elif keep_excluded:
            out.append(m)
    kept.sort(key=TrialMatch.sort_key)
    out.sort(key=lambda m: m.study.nct_id)
    return MatchResult(tuple(kept), tuple(out), place, within_km)

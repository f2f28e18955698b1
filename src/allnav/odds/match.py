"""How a patient compares with the people a number was measured in.

- :func:`read_situation` works out, from the facts, the things studies select on: the
  salvage line (from the number of relapses, the disease status and whether a salvage
  for this episode has already been tried), age, Ph status, lineage, prior transplant.
- :func:`check_hints` applies the matching hints of ``odds.yaml``: a hint the facts
  contradict hides a number (with the reason, shown to the reader); a hint that cannot
  be checked keeps the number and says what is unknown (unknown is not negative).
- :func:`population_differences` compares the patient with the evidence item's
  ``population`` and says plainly how they differ ("TOWER: median age 37; you are 66").

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from allnav.criteria import Tri
from allnav.evidence import EvidenceItem, Population
from allnav.facts import Facts
from allnav.odds.config import Hints

#: Treatments that, given after a failed first induction, count as a first salvage.
_SALVAGE_AGENTS = ("blinatumomab", "inotuzumab-ozogamicin", "car-t-cell-therapy", "nelarabine",
                   "revumenib")
_TRIAL_KINDS = ("randomized-trial", "single-arm-trial")
#: A study's median age this far from the patient's is worth saying.
AGE_GAP_YEARS = 15
_ORDINALS = ("zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
             "eighth", "ninth", "tenth")
_TIMES = ("no times", "once", "twice", "three times", "four times", "five times", "six times")
_LINEAGE = {"B": "B-cell", "T": "T-cell"}


def ordinal(n: int) -> str:
    """``1`` -> ``first``; numbers past ten as ``11th``."""
    return _ORDINALS[n] if 0 <= n < len(_ORDINALS) else f"{n}th"


def line_words(lines: tuple[int, ...]) -> str:
    """``(1, 2)`` -> ``first or second``; a last value of 3 or more reads "or later"."""
    words = [ordinal(n) for n in sorted(lines)]
    if lines and max(lines) >= 3:
        words[-1] += " or later"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def line_fits(line: int, lines: tuple[int, ...]) -> bool:
    """Whether salvage ``line`` is among ``lines``, where the top value 3 means 3 or later."""
    return line in lines or (bool(lines) and max(lines) >= 3 and line >= max(lines))


@dataclass(frozen=True, slots=True)
class PatientProfile:
    """What studies select on, read from one patient's facts. ``None`` is unknown."""

    salvage_line: int | None
    line_explanation: str
    disease: str | None
    mrd: str | None
    age: float | None
    ph_status: str | None
    lineage: str | None
    kmt2a: str | None
    prior_allo_sct: bool | None
    ecog: int | None
    #: The pathway's named criteria for this patient, with titles, for ``criteria`` hints.
    criteria: Mapping[str, Tri] = field(default_factory=dict)
    criterion_titles: Mapping[str, str] = field(default_factory=dict)


def read_situation(facts: Facts, criteria: Mapping[str, Tri] | None = None,
                   criterion_titles: Mapping[str, str] | None = None) -> PatientProfile:
    """The patient's salvage line and the other facts studies select on.

    ``criteria`` are the pathway's named criterion outcomes for ``facts`` (needed by
    ``criteria`` hints; without them such a hint is unknown, never contradicted)."""
    line: int | None = None
    status = facts.disease_status
    tried = facts.response_to_latest_treatment in ("partial-remission", "no-response")
    prior = facts.prior_treatments
    if status == "relapsed" and facts.relapse_count:
        n = facts.relapse_count
        line = n + 1 if tried else n
        times = _TIMES[n] if n < len(_TIMES) else f"{n} times"
        why = (f"This would be your {ordinal(line)} salvage treatment: the leukemia has come "
               f"back {times}")
        why += (", and the treatment since then did not bring a complete remission."
                if tried else ".")
    elif status == "relapsed":
        why = "We could not tell which salvage this is: the number of relapses is not recorded."
    elif status == "primary-refractory":
        after_salvage = tried and prior is not None and any(t in prior for t in _SALVAGE_AGENTS)
        line = 2 if after_salvage else 1
        why = (f"This would be your {ordinal(line)} salvage treatment: the leukemia did not go "
               "away with the first treatment")
        why += (", and the next treatment did not bring a complete remission either."
                if after_salvage else ".")
    elif status == "remission":
        why = "You are in remission now, so no salvage treatment is counted."
    else:
        why = "We could not tell which salvage this is: the disease status is not recorded."
    prior_sct = None if prior is None else "allogeneic-stem-cell-transplant" in prior
    return PatientProfile(line, why, status, facts.mrd, facts.age_years, facts.ph_status,
                     facts.lineage, facts.kmt2a, prior_sct, facts.ecog,
                     dict(criteria or {}), dict(criterion_titles or {}))


HintResult = Literal["met", "contradicted", "unknown"]


@dataclass(frozen=True, slots=True)
class HintCheck:
    """One hint checked against the patient: ``what`` names it, ``why`` explains a miss."""

    what: str
    result: HintResult
    why: str = ""


def _ph(v: str) -> str:
    return f"Ph-{v}"


def _disease_check(want: str, s: PatientProfile) -> HintCheck:
    words = {"active": "active leukemia (relapsed or refractory)", "relapsed": "relapsed leukemia",
             "primary-refractory": "leukemia that never went into remission",
             "remission": "leukemia in remission",
             "mrd-positive-remission": "leukemia in remission with measurable residual disease"}
    yours = {"relapsed": "your leukemia has come back",
             "primary-refractory": "your leukemia did not go into remission",
             "remission": "you are in remission"}
    if s.disease is None:
        return HintCheck("disease status", "unknown")
    if want == "active":
        ok: bool | None = s.disease in ("relapsed", "primary-refractory")
    elif want == "mrd-positive-remission":
        ok = s.disease == "remission" and s.mrd == "positive"
        if s.disease == "remission" and s.mrd is None:
            return HintCheck("MRD", "unknown")
    else:
        ok = s.disease == want
    if ok:
        return HintCheck("disease status", "met")
    why = f"It counted people with {words[want]}; {yours[s.disease]}"
    if s.disease == "remission" and s.mrd == "negative":
        why += " with no measurable residual disease"
    return HintCheck("disease status", "contradicted", why + ".")


def check_hints(hints: Hints, s: PatientProfile) -> tuple[HintCheck, ...]:
    """Every hint of ``hints`` checked against the patient's situation."""
    out: list[HintCheck] = []

    def choice(what: str, want: str | None, have: str | None, show: dict[str, str] | None,
               fmt: str) -> None:
        if want is None:
            return
        if have is None:
            out.append(HintCheck(what, "unknown"))
        elif have == want:
            out.append(HintCheck(what, "met"))
        else:
            w, h = (show or {}).get(want, want), (show or {}).get(have, have)
            out.append(HintCheck(what, "contradicted", fmt.format(want=w, have=h)))

    choice("Ph status", hints.ph_status, s.ph_status, {"positive": "Ph-positive",
           "negative": "Ph-negative"}, "It counted people with {want} ALL; yours is {have}.")
    choice("lineage", hints.lineage, s.lineage, _LINEAGE,
           "It counted people with {want} ALL; yours is {have}.")
    choice("KMT2A", hints.kmt2a, s.kmt2a, {"rearranged": "a KMT2A rearrangement",
           "not-rearranged": "no KMT2A rearrangement"},
           "It counted people with {want}; you have {have}.")
    if hints.disease is not None:
        out.append(_disease_check(hints.disease, s))
    if hints.salvage_line:
        if s.salvage_line is None:
            out.append(HintCheck("salvage line", "unknown"))
        elif line_fits(s.salvage_line, hints.salvage_line):
            out.append(HintCheck("salvage line", "met"))
        else:
            out.append(HintCheck("salvage line", "contradicted",
                                 f"It counted people in {line_words(hints.salvage_line)} "
                                 f"salvage; you are in {ordinal(s.salvage_line)} salvage."))
    if hints.prior_allo_sct is not None:
        if s.prior_allo_sct is None:
            out.append(HintCheck("earlier transplant", "unknown"))
        elif s.prior_allo_sct == hints.prior_allo_sct:
            out.append(HintCheck("earlier transplant", "met"))
        else:
            why = ("It counted people who had a transplant before; you have not had one."
                   if hints.prior_allo_sct else
                   "It counted people who had not had a transplant; you have had one.")
            out.append(HintCheck("earlier transplant", "contradicted", why))
    if hints.age_min is not None or hints.age_max is not None:
        if s.age is None:
            out.append(HintCheck("age", "unknown"))
        elif hints.age_min is not None and s.age < hints.age_min:
            out.append(HintCheck("age", "contradicted", f"It applies from age "
                                 f"{hints.age_min:g}; you are {s.age:g}."))
        elif hints.age_max is not None and s.age > hints.age_max:
            out.append(HintCheck("age", "contradicted", f"It applies up to age "
                                 f"{hints.age_max:g}; you are {s.age:g}."))
        else:
            out.append(HintCheck("age", "met"))
    for crit_id in hints.criteria:
        title = s.criterion_titles.get(crit_id, crit_id)
        outcome = s.criteria.get(crit_id)
        if outcome is None:
            out.append(HintCheck(title, "unknown"))
        elif outcome:
            out.append(HintCheck(title, "met"))
        else:
            out.append(HintCheck(title, "contradicted",
                                 f"It counted only people for whom this holds: {title[0].lower()}"
                                 f"{title[1:]}; it does not hold for you."))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class AgeRange:
    """Ages a study enrolled, read from its population's free-text ``age``."""

    median: float | None = None
    low: float | None = None
    high: float | None = None
    high_exclusive: bool = False


_NUM = r"(\d+(?:\.\d+)?)"


def parse_age(text: str | None) -> AgeRange:
    """The median and bounds in texts like "median 33 years (range 15-55)", "18 or older",
    "under 66 years", "up to 25 years". An interquartile range is not a bound."""
    if not text:
        return AgeRange()
    t = text.lower()
    median = low = high = None
    exclusive = False
    if m := re.search(rf"\b(?:median|mean) {_NUM} years?", t):
        median = float(m.group(1))
    if m := (re.search(rf"\brange {_NUM}\s*-\s*{_NUM}", t)
             or re.search(rf"^{_NUM}\s*-\s*{_NUM} years", t)):
        low, high = float(m.group(1)), float(m.group(2))
    if m := (re.search(rf"\b{_NUM} (?:years? )?(?:or|and) older", t)
             or re.search(rf"\bat least {_NUM}", t)):
        low = float(m.group(1)) if low is None else low
    if m := re.search(rf"\b(?:up to|no older than) {_NUM}", t):
        high = float(m.group(1)) if high is None else high
    elif m := re.search(rf"\b(?:under|younger than) {_NUM}", t):
        high, exclusive = float(m.group(1)), True
    return AgeRange(median, low, high, exclusive)


def _age_differences(short: str, pop: Population, age: float) -> list[str]:
    r = parse_age(pop.age)
    out: list[str] = []
    below = r.low is not None and age < r.low
    above = r.high is not None and (age >= r.high if r.high_exclusive else age > r.high)
    if below or above:
        if r.low is not None and r.high is not None:
            span = f"aged {r.low:g} to {r.high:g}"
        elif r.low is not None:
            span = f"aged {r.low:g} or older"
        else:
            span = f"under {r.high:g}" if r.high_exclusive else f"up to age {r.high:g}"
        out.append(f"{short} enrolled people {span}; you are {age:g}.")
    elif r.median is not None and abs(age - r.median) >= AGE_GAP_YEARS:
        out.append(f"The median age in {short} was {r.median:g}; you are {age:g}.")
    return out


def population_differences(item: EvidenceItem, s: PatientProfile, *,
                           treatment: bool = True) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """How the patient differs from the people in ``item``, in plain sentences, and the
    things that could not be checked because a fact is unknown.

    ``treatment`` adds the comparisons that only matter for a treatment's results
    (earlier transplant, fitness for a trial).
    """
    pop, short = item.population, item.short
    diffs: list[str] = []
    unknown: list[str] = []
    if pop.lineage in _LINEAGE:
        if s.lineage is None:
            unknown.append("lineage")
        elif s.lineage != pop.lineage:
            diffs.append(f"{short} only included {_LINEAGE[pop.lineage]} ALL; yours is "
                         f"{_LINEAGE[s.lineage]}.")
    if pop.ph_status in ("positive", "negative"):
        if s.ph_status is None:
            unknown.append("Ph status")
        elif s.ph_status != pop.ph_status:
            diffs.append(f"{short} only included {_ph(pop.ph_status)} ALL; yours is "
                         f"{_ph(s.ph_status)}.")
    if pop.salvage_line:
        where = f"{short} enrolled people in {line_words(pop.salvage_line)} salvage"
        if s.disease == "remission":
            diffs.append(f"{where}; you are in remission now.")
        elif s.salvage_line is None:
            unknown.append("salvage line")
        elif not line_fits(s.salvage_line, pop.salvage_line):
            diffs.append(f"{where}; you are in {ordinal(s.salvage_line)} salvage.")
    if s.age is None:
        if pop.age:
            unknown.append("age")
    else:
        diffs.extend(_age_differences(short, pop, s.age))
    if treatment and s.prior_allo_sct:
        if pop.prior_transplant:
            diffs.append(f"You have had a transplant before; in {short}: {pop.prior_transplant}.")
        else:
            diffs.append(f"Our record of {short} does not say whether people had a transplant before; "
                         "you have had one.")
    if treatment and s.ecog is not None and s.ecog >= 3 and item.kind in _TRIAL_KINDS:
        diffs.append(f"{short} was a trial, and trials mostly enrol people who are up and about; "
                     f"your performance status (ECOG {s.ecog}) is lower.")
    return tuple(diffs), tuple(unknown)

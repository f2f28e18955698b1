"""Published numbers as figures people can read: estimate, interval, denominator, cautions.

:func:`outcome_numbers` turns one evidence outcome into :class:`OutcomeNumbers`:

- a proportion published as events/total gets its exact (Clopper-Pearson) 95% interval,
  computed here, never typed in;
- a proportion published only as a percent of a known total gets the exact interval that
  covers every count rounding to that percent (or none when no count fits);
- a survival percentage from a Kaplan-Meier curve (or a cumulative incidence) gets only
  the interval that was published, from the data or the outcome's note, because an
  interval computed as if it were a simple count would be wrong for censored data;
- medians, hazard ratios and rates keep the interval exactly as published.

Every figure carries the cautions that must travel with it wherever it is shown.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from allnav.evidence import ArmResult, EvidenceItem, Outcome
from allnav.stats import clopper_pearson, clopper_pearson_bracket, counts_matching_percent

IntervalMethod = Literal["clopper-pearson", "clopper-pearson-implied", "published",
                         "published-in-note"]

#: Below this many people a figure gets a "small numbers" caution.
SMALL_N = 50

_TIME_TO_EVENT_PREFIXES = ("os-at-", "efs-at-", "dfs-at-")
_TIME_TO_EVENT_ENDPOINTS = frozenset({"non-relapse-mortality"})
# Labels and notes that say a percentage is a time-to-event estimate, whatever the endpoint.
_TIME_TO_EVENT_WORDS = re.compile(
    r"kaplan-meier|cumulative|probability estimate|survival at|survival \d", re.IGNORECASE)
_NOTE_CI = re.compile(
    r"published 95% CI (\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)\s*%", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Caution:
    """A warning that must be shown next to a number. ``kind`` is stable for programs;
    ``text`` is plain language for people."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Interval:
    """An interval around an estimate, with how it was obtained.

    For proportions ``low``/``high`` are fractions 0-1; for medians, months; for hazard
    ratios and rates, the published unit. A bound that was not estimable is ``None``.
    """

    low: float | None
    high: float | None
    level: float
    method: IntervalMethod
    basis: str


@dataclass(frozen=True, slots=True)
class ArmNumbers:
    """One arm's figure: ``estimate`` is a fraction 0-1 for a proportion, months for a
    median, or the published value for a hazard ratio or rate."""

    arm: str
    measure: str
    estimate: float | None
    events: int | None = None
    total: int | None = None
    interval: Interval | None = None
    published_ci95: tuple[float, float] | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class OutcomeNumbers:
    """One published outcome, ready to show: its figures, what it measured, its cautions."""

    evidence_id: str
    evidence_short: str
    outcome_id: str
    endpoint: str
    kind: str
    label: str
    measure: str
    verification: str
    time_to_event: bool
    result: ArmNumbers
    comparator: ArmNumbers | None
    timeframe: str | None
    note: str | None
    cautions: tuple[Caution, ...]

    @property
    def ref(self) -> str:
        """``ev.tower-2017#cr``: the stable reference to this outcome."""
        return f"{self.evidence_id}#{self.outcome_id}"

    @property
    def denominator(self) -> int | None:
        return self.result.total


def is_time_to_event(outcome: Outcome) -> bool:
    """True when a percentage is estimated from follow-up of different lengths
    (Kaplan-Meier survival, cumulative incidence), so no binomial interval is valid."""
    if outcome.endpoint.startswith(_TIME_TO_EVENT_PREFIXES):
        return True
    if outcome.endpoint in _TIME_TO_EVENT_ENDPOINTS:
        return True
    return bool(_TIME_TO_EVENT_WORDS.search(outcome.label)
                or _TIME_TO_EVENT_WORDS.search(outcome.note or ""))


def note_interval(note: str | None) -> tuple[float, float] | None:
    """The "published 95% CI a-b%" in an outcome's note, as fractions, if there is one."""
    m = _NOTE_CI.search(note or "")
    if m is None:
        return None
    low, high = float(m.group(1)) / 100, float(m.group(2)) / 100
    return (low, high) if low <= high else None


def _proportion_interval(arm: ArmResult, tte: bool, note: str | None) -> Interval | None:
    if arm.published_ci95 is not None and (tte or arm.events is None):
        low, high = arm.published_ci95
        return Interval(low / 100, high / 100, 0.95, "published", "as published")
    if tte:
        # Kaplan-Meier: never compute; the note may carry the published interval.
        from_note = note_interval(note)
        if from_note is None:
            return None
        return Interval(from_note[0], from_note[1], 0.95, "published-in-note",
                        "as published (Kaplan-Meier estimate)")
    if arm.events is not None and arm.total:
        low, high = clopper_pearson(arm.events, arm.total)
        return Interval(low, high, 0.95, "clopper-pearson", f"{arm.events}/{arm.total}")
    if arm.percent is not None and arm.total:
        counts = counts_matching_percent(arm.percent, arm.total)
        if counts is None:
            return None
        lo, hi = counts
        low, high = clopper_pearson_bracket(lo, hi, arm.total)
        which = f"{lo}/{arm.total}" if lo == hi else f"{lo} to {hi} of {arm.total}"
        return Interval(low, high, 0.95, "clopper-pearson-implied",
                        f"{which} (the counts that round to {arm.percent:g}%)")
    return None


def arm_numbers(arm: ArmResult, outcome: Outcome, *, tte: bool, primary: bool) -> ArmNumbers:
    """The figure for one arm of ``outcome``. Only the primary arm reads the note's
    interval: notes describe the first arm."""
    published = None
    if arm.published_ci95 is not None:
        published = (arm.published_ci95[0] / 100, arm.published_ci95[1] / 100)
    if outcome.measure == "proportion":
        return ArmNumbers(
            arm=arm.arm, measure="proportion", estimate=arm.fraction, events=arm.events,
            total=arm.total,
            interval=_proportion_interval(arm, tte, outcome.note if primary else None),
            published_ci95=published)
    if outcome.measure == "median":
        interval = None
        if arm.ci95 is not None:
            interval = Interval(arm.ci95[0], arm.ci95[1], 0.95, "published", "as published")
        return ArmNumbers(arm=arm.arm, measure="median", estimate=arm.months,
                          interval=interval, unit="months")
    interval = None
    if arm.ci is not None:
        interval = Interval(arm.ci[0], arm.ci[1], outcome.ci_level or 0.95, "published",
                            "as published")
    return ArmNumbers(arm=arm.arm, measure=outcome.measure, estimate=arm.value,
                      interval=interval, unit=outcome.unit)


_DESIGN = {
    "randomized-trial": Caution(
        "randomized", "A randomized trial: people were put into each group by chance, so the "
        "groups in this trial can be compared fairly."),
    "single-arm-trial": Caution(
        "single-arm", "No comparison group in this study: everyone got the treatment, so it "
        "cannot show how another choice would have done."),
    "cohort": Caution(
        "observational", "A record of past patients, not a trial: people were not put into "
        "groups by chance."),
    "registry": Caution(
        "observational", "A record of past patients, not a trial: people were not put into "
        "groups by chance."),
    "drug-label": Caution(
        "approval-summary", "From a drug approval summary of the trial behind the approval."),
}


ComparatorKind = Literal["control-arm", "as-published", "other-group"]


def comparator_kind(item: EvidenceItem) -> ComparatorKind:
    """What an outcome's comparator is, judged from the study design alone: a randomized
    trial's comparator is its control arm; a label's is whatever the approval trial used
    (check the label); a cohort's or registry's is another subgroup or an earlier era,
    never a control arm."""
    if item.kind == "randomized-trial":
        return "control-arm"
    if item.kind == "drug-label":
        return "as-published"
    return "other-group"


def design_caution(item: EvidenceItem) -> Caution | None:
    """What kind of study this is, as a caution (randomized, single-arm, observational)."""
    return _DESIGN.get(item.kind)


def outcome_cautions(item: EvidenceItem, outcome: Outcome, result: ArmNumbers,
                     tte: bool) -> tuple[Caution, ...]:
    """The cautions that travel with this number wherever it is shown."""
    out: list[Caution] = []
    design = design_caution(item)
    if design is not None:
        out.append(design)
    if outcome.verification == "recalled":
        out.append(Caution("unverified", "Not yet verified against the primary paper: this "
                           "number was recalled, not read in a source. Do not rely on it."))
    elif outcome.verification == "partial":
        out.append(Caution("partly-verified", "Not yet verified against the primary paper: "
                           "part of this figure was read only in a secondary source."))
    n = result.total if result.total is not None else item.population.n
    if n is not None and n < SMALL_N:
        out.append(Caution("small-numbers", f"Small numbers: this study counted {n} people, "
                           "so chance alone could move this figure a lot."))
    if outcome.measure == "proportion" and result.total is None:
        out.append(Caution("no-denominator", "The sources we hold do not say how many people "
                           "this percentage is out of."))
    if tte:
        out.append(Caution("time-to-event", "Estimated from people followed for different "
                           "lengths of time (Kaplan-Meier or cumulative incidence), not a "
                           "simple count, so no exact range can be worked out from it."))
    return tuple(out)


@functools.lru_cache(maxsize=2048)
def outcome_numbers(item: EvidenceItem, outcome: Outcome) -> OutcomeNumbers:
    """The figures, intervals and cautions of one outcome of one evidence item.

    Cached: items and outcomes are frozen, and the exact intervals are the slow part."""
    tte = outcome.measure == "proportion" and is_time_to_event(outcome)
    result = arm_numbers(outcome.result, outcome, tte=tte, primary=True)
    comparator = None
    if outcome.comparator is not None:
        comparator = arm_numbers(outcome.comparator, outcome, tte=tte, primary=False)
    return OutcomeNumbers(
        evidence_id=item.id, evidence_short=item.short, outcome_id=outcome.id,
        endpoint=outcome.endpoint, kind=outcome.kind, label=outcome.label,
        measure=outcome.measure, verification=outcome.verification, time_to_event=tte,
        result=result, comparator=comparator, timeframe=outcome.timeframe, note=outcome.note,
        cautions=outcome_cautions(item, outcome, result, tte),
    )

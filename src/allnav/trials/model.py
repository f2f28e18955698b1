"""The trial finder's data types: a study as the matcher needs it, and its criteria.

A :class:`Study` keeps only what matching and display use, not the whole
ClinicalTrials.gov record, so that a snapshot of 100,000 studies stays small and
a match reads rows, not JSON. Eligibility text is recognised once, at import,
into :class:`TrialCriterion` objects; each states what the *patient* must satisfy,
whatever the section it came from (an exclusion "prior CAR-T" becomes the
requirement ``prior_car_t=none``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

EligibilitySection = Literal["inclusion", "exclusion"]
Status3 = Literal["met", "not-met", "unknown"]
Fit = Literal["eligible", "unknown", "not-eligible"]

#: Overall statuses the finder offers to patients; everything else is closed to new patients.
OPEN_STATUSES: tuple[str, ...] = ("RECRUITING", "NOT_YET_RECRUITING")


@dataclass(frozen=True, slots=True)
class TrialRequirement:
    """One thing the patient must satisfy: a criterion kind and the expected value.

    ``kind`` is one of :data:`allnav.trials.recognise.KINDS`; ``expect`` is a short
    code such as ``none``, ``required``, ``positive``, ``>=2`` or ``<=2``.
    """

    kind: str
    expect: str

    @property
    def key(self) -> str:
        """Stable text form, ``kind=expect``: used in the store and in labels."""
        return f"{self.kind}={self.expect}"

    @staticmethod
    def from_key(key: str) -> TrialRequirement:
        """The inverse of :attr:`key` (one shared object per key: a store holds few kinds)."""
        return _from_key(key)


@functools.lru_cache(maxsize=4096)
def _from_key(key: str) -> TrialRequirement:
    kind, _, expect = key.partition("=")
    return TrialRequirement(kind, expect)


@dataclass(frozen=True, slots=True)
class TrialCriterion:
    """A requirement recognised in one sentence of the eligibility text.

    ``any_of`` holds alternatives joined by "or" in the sentence (usually one);
    ``when`` limits the criterion to patients who satisfy it ("patients with Ph+
    ALL must have received a TKI"). ``sentence`` is quoted back to the user.
    """

    section: EligibilitySection
    sentence: str
    any_of: tuple[TrialRequirement, ...]
    when: TrialRequirement | None = None
    #: Why the reading may not hold (one part of the study, an alternative not read, a
    #: sentence that may be about the donor): a failed criterion with a doubt is shown as
    #: unknown, never as a reason to rule the study out.
    doubt: str | None = None

    @property
    def key(self) -> str:
        """Stable text form: alternatives joined by ``|``, condition after ``@``."""
        out = "|".join(r.key for r in self.any_of)
        return f"{out}@{self.when.key}" if self.when else out


@dataclass(frozen=True, slots=True)
class TrialCheck:
    """A requirement judged for one patient: the status, why, and what to ask if unknown."""

    status: Status3
    note: str
    question: str | None = None


@dataclass(frozen=True, slots=True)
class Site:
    """One study location. ``lat``/``lon`` come from the record's geoPoint when present."""

    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    status: str | None = None
    lat: float | None = None
    lon: float | None = None

    def label(self) -> str:
        """``Facility, City, State, Country`` with the parts that are known."""
        parts = [p for p in (self.facility, self.city, self.state, self.country) if p]
        return ", ".join(parts) or "site without a name"


@dataclass(frozen=True, slots=True)
class AgeLimit:
    """A structured age limit (``"18 Years"``) in years, with the text it came from.

    ``years`` is the lower bound for a minimum age; for a maximum it is the first
    age that is *too old* (``"75 Years"`` admits anyone who is 75, so 76.0), which
    turns the inclusive whole-unit rule of ClinicalTrials.gov into one comparison.
    """

    years: float
    text: str


@dataclass(frozen=True, slots=True)
class Study:
    """A study as the matcher needs it."""

    nct_id: str
    title: str
    status: str
    is_all: bool
    official_title: str | None = None
    acronym: str | None = None
    phases: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    sponsor: str | None = None
    interventions: tuple[str, ...] = ()
    min_age: AgeLimit | None = None
    max_age: AgeLimit | None = None
    sex: str = "ALL"
    last_update: str | None = None
    criteria: tuple[TrialCriterion, ...] = ()
    #: Sentences of the eligibility text that no recogniser understood (shown as a count).
    unrecognised: int = 0
    sites: tuple[Site, ...] = ()
    #: The eligibility text, kept only while a record is imported (the store reads it into
    #: criteria, now or when the study is first asked for); ``None`` elsewhere.
    text: str | None = None

    @property
    def url(self) -> str:
        """The public page of the study."""
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

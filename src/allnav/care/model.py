"""The result of a care assessment, as data: alerts by triage level, MASCC, palliative care.

Renderers (terminal, Markdown, JSON) read these types and never re-evaluate anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from allnav.problems import Problem

Level = Literal["emergency", "same-day", "next-visit"]
#: Triage levels, most urgent first. The order is the output order.
LEVELS: tuple[Level, ...] = ("emergency", "same-day", "next-visit")

#: What each level asks the patient to do, in plain words.
LEVEL_WORDS: dict[Level, str] = {
    "emergency": "Now: call your care team or go to the emergency department",
    "same-day": "Today: call your care team today",
    "next-visit": "Next visit: talk about it at your next visit",
}
#: The same for someone in hospice care: the hospice team is the first call for everything.
HOSPICE_LEVEL_WORDS: dict[Level, str] = {
    "emergency": "Now: call your hospice team now",
    "same-day": "Today: call your hospice team today",
    "next-visit": "Next visit: tell your hospice team at their next visit",
}

MasccBand = Literal["low", "high", "undetermined"]


@dataclass(frozen=True, slots=True)
class Trigger:
    """One fact that led to an alert, with its value as a clinician reads it.

    ``value`` is ``None`` when the fact is unknown and its absence is what
    matters (a fever with an unknown neutrophil count).
    """

    fact: str
    value: object
    shown: str


@dataclass(frozen=True, slots=True)
class Alert:
    """One care alert: how urgent, why (the triggering values), what to say, and the sources."""

    rule: str
    variant: str
    level: Level
    title: str
    triggers: tuple[Trigger, ...]
    patient_text: str
    clinician_text: str
    evidence: tuple[str, ...]
    #: Unknown facts that would make this alert more precise.
    needs: tuple[str, ...] = ()
    #: For an emergency: what to do now, in one plain sentence, and why, in one more. The
    #: same sentences as the pathway option's urgent text (``option``), so the page, the PDF
    #: and the EHR card say the same thing.
    do_now: str | None = None
    why: str | None = None
    option: str | None = None


@dataclass(frozen=True, slots=True)
class MasccItem:
    """One item of the MASCC risk index; ``points`` is ``None`` while its fact is unknown."""

    id: str
    label: str
    facts: tuple[str, ...]
    points: int | None
    max_points: int


@dataclass(frozen=True, slots=True)
class MasccResult:
    """The MASCC score, or its possible range while some inputs are unknown.

    ``band`` is what the score alone would say (``undetermined`` when the
    range straddles the cut-off). ``treated_as`` is always ``high``: the index
    is not valid during intensive leukemia therapy, so it is for information.
    """

    items: tuple[MasccItem, ...]
    minimum: int
    maximum: int
    max_possible: int
    low_risk_at_least: int
    band: MasccBand
    applies_now: bool
    statement: str
    evidence: tuple[str, ...]
    treated_as: Literal["high"] = "high"

    @property
    def complete(self) -> bool:
        return all(i.points is not None for i in self.items)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(f for i in self.items if i.points is None for f in i.facts)


@dataclass(frozen=True, slots=True)
class Guidance:
    """Palliative care or hospice information: what to tell the patient and the clinician."""

    id: str
    title: str
    patient_text: str
    clinician_text: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CareAssessment:
    """Everything the care part of ALL Navigator says about one patient on one date."""

    as_of: dt.date
    rules_version: str
    rules_last_reviewed: dt.date
    alerts: tuple[Alert, ...]
    call_right_away: tuple[str, ...]
    mascc: MasccResult | None
    palliative: Guidance
    hospice: Guidance | None
    issues: tuple[Problem, ...] = ()
    #: In hospice care: every alert points to the hospice team first.
    in_hospice: bool = False

    @property
    def level_words(self) -> dict[Level, str]:
        """What each level asks the patient to do, for this patient (hospice or not)."""
        return HOSPICE_LEVEL_WORDS if self.in_hospice else LEVEL_WORDS

    @property
    def call_heading(self) -> str:
        """The line above the "call right away" list."""
        who = "your hospice team" if self.in_hospice else "your care team"
        return f"Call {who} right away, day or night, if:"

    @property
    def level(self) -> Level | None:
        """The most urgent level of any alert, or ``None`` when nothing needs attention."""
        return self.alerts[0].level if self.alerts else None

    def by_level(self, level: Level) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.level == level)

    def alert(self, rule: str) -> Alert | None:
        for a in self.alerts:
            if a.rule == rule:
                return a
        return None

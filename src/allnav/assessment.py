"""The result of an assessment, as data: every option with its verdict and its reasons.

Rendering (terminal text, Markdown, JSON, HTML, CDS Hooks cards) reads these
types and never re-evaluates anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple

from allnav.criteria import Tri
from allnav.facts import Facts
from allnav.problems import Problem

Status = Literal["suitable", "possible", "not-suitable"]
STATUSES: tuple[Status, ...] = ("suitable", "possible", "not-suitable")


def outcome_word(outcome: Tri) -> str:
    """``true``/``false``/``unknown``: the stable JSON spelling of a criterion outcome."""
    return "unknown" if outcome is None else ("true" if outcome else "false")


class Reason(NamedTuple):
    """Why an option has its verdict: one criterion, its outcome, and the facts it reads.

    A reason holds no patient data: for a given requirement and outcome it is always
    the same object, built once when the pathway is loaded. That keeps an assessment
    within its tens-of-microseconds budget. The values the criterion read for this
    patient come from :meth:`Assessment.reason_facts`.
    """

    criterion: str
    title: str
    outcome: Tri
    text: str
    fact_names: tuple[str, ...]
    counts: bool = True
    #: A requirement whose "not met" calls for the team's judgement rather than ruling the
    #: option out (ECOG 2 for CAR-T, a label's line of therapy): the verdict is "possible".
    judgement: bool = False


class GuidelineRank(NamedTuple):
    """Where a guideline places an option in this patient's situation, with its source.

    ``rank`` is ``preferred``, ``other-recommended`` or ``certain-circumstances``;
    ``verification`` says whether the order was read in the current guideline (only a
    ``verified`` order may be shown to patients; the others are for clinicians, marked).
    """

    rank: str
    group: str
    evidence: str
    verification: str


class OptionResult(NamedTuple):
    """One option's verdict for one patient. (A named tuple for the same reason as Reason.)"""

    id: str
    title: str
    plain_title: str
    category: str
    status: Status
    urgent: bool
    reasons: tuple[Reason, ...]
    missing_facts: tuple[str, ...]
    evidence: tuple[str, ...]
    notes: tuple[str, ...]
    urgent_text: str | None
    #: The guideline's order for this option in the patient's situation, if it gives one.
    guideline: GuidelineRank | None = None

    @property
    def headline(self) -> str:
        """The one-line reason: the failing requirements, else the open ones, else what is met."""
        for want in (False, None, True):
            texts = [r.text for r in self.reasons if r.outcome is want and r.counts]
            if texts:
                return " ".join(texts)
        return "Offered to everyone in this situation."


class SituationResult(NamedTuple):
    """Whether a branch of the source page applies to this patient."""

    id: str
    title: str
    applies: Tri


class MissingFact(NamedTuple):
    """An unknown fact that would change at least one option, and the question to ask."""

    fact: str
    question: str
    options: tuple[str, ...]


class Assessment(NamedTuple):
    """Every option's verdict for one patient on one date, with what is missing and why.

    Like its parts, a named tuple: cheap to build on the engine's hot path, and immutable.
    """

    pathway_id: str
    pathway_version: str
    pathway_last_reviewed: dt.date
    as_of: dt.date
    facts: Facts
    options: tuple[OptionResult, ...]
    situations: tuple[SituationResult, ...]
    missing_facts: tuple[MissingFact, ...]
    issues: tuple[Problem, ...]

    def option(self, option_id: str) -> OptionResult:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(option_id)

    def reason_facts(self, reason: Reason) -> tuple[tuple[str, object], ...]:
        """The facts a reason's criterion read, with this patient's values (``None`` = unknown)."""
        return tuple((name, self.facts.value(name)) for name in reason.fact_names)

    @property
    def urgent(self) -> tuple[OptionResult, ...]:
        return tuple(o for o in self.options if o.urgent)

    def by_status(self, status: Status) -> tuple[OptionResult, ...]:
        return tuple(o for o in self.options if o.status == status)

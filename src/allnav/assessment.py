"""The result of an assessment, as data: every option with its verdict and its reasons.

Rendering (terminal text, Markdown, JSON, HTML, CDS Hooks cards) reads these
types and never re-evaluates anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from allnav.criteria import Tri
from allnav.facts import Facts
from allnav.problems import Problem

Status = Literal["suitable", "possible", "not-suitable"]
STATUSES: tuple[Status, ...] = ("suitable", "possible", "not-suitable")


def outcome_word(outcome: Tri) -> str:
    """``true``/``false``/``unknown``: the stable JSON spelling of a criterion outcome."""
    return "unknown" if outcome is None else ("true" if outcome else "false")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an option has its verdict: one criterion, its outcome, and the facts it read."""

    criterion: str
    title: str
    outcome: Tri
    text: str
    facts: tuple[tuple[str, object], ...]
    counts: bool = True


@dataclass(frozen=True, slots=True)
class OptionResult:
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

    @property
    def headline(self) -> str:
        """The one-line reason: the failing requirements, else the open ones, else what is met."""
        for want in (False, None, True):
            texts = [r.text for r in self.reasons if r.outcome is want and r.counts]
            if texts:
                return " ".join(texts)
        return "Offered to everyone in this situation."


@dataclass(frozen=True, slots=True)
class SituationResult:
    id: str
    title: str
    applies: Tri


@dataclass(frozen=True, slots=True)
class MissingFact:
    fact: str
    question: str
    options: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
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

    @property
    def urgent(self) -> tuple[OptionResult, ...]:
        return tuple(o for o in self.options if o.urgent)

    def by_status(self, status: Status) -> tuple[OptionResult, ...]:
        return tuple(o for o in self.options if o.status == status)

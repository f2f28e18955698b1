"""One patient through everything the product knows: ``navigate(knowledge, facts, as_of)``.

Every entry point calls this one function: ``allnav assess`` and ``allnav odds``, the JSON
API, the patient and clinician pages, the CDS Hooks service and population screening. So
the verdicts, the care alerts and the numbers a patient sees on a page are the ones a
clinician sees in the EHR and a quality team sees in a worklist, by construction.

:class:`Knowledge` is the product's reviewed knowledge in one value (pathway with its
evidence, care rules, odds); :func:`load_knowledge` loads and validates it once per
process. Pure apart from that loading: no clock, no I/O in :func:`navigate`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from allnav.assessment import Assessment
from allnav.care import CareAssessment, CareRules, assess_care, load_care_rules
from allnav.engine import assess
from allnav.evidence import EvidenceRegistry
from allnav.facts import Facts
from allnav.odds import OddsConfig, OddsReport, load_odds_config, odds_report
from allnav.pathway import Pathway, load_pathway
from allnav.problems import Problem

__all__ = ["Knowledge", "Navigation", "load_knowledge", "navigate"]


@dataclass(frozen=True)
class Knowledge:
    """The reviewed knowledge the engine reads, validated together: the pathway (options,
    criteria, evidence), the care rules and the odds selection."""

    pathway: Pathway
    care: CareRules
    odds: OddsConfig

    @property
    def evidence(self) -> EvidenceRegistry:
        return self.pathway.evidence


_LOADED: dict[Path | None, Knowledge] = {}


def load_knowledge(pathway_path: Path | None = None) -> Knowledge:
    """The packaged knowledge (or the pathway at ``pathway_path`` with the packaged care
    rules and odds), loaded once per process. Raises ``KnowledgeError`` naming every
    problem when a file is invalid."""
    found = _LOADED.get(pathway_path)
    if found is None:
        pathway = load_pathway(pathway_path)
        found = Knowledge(pathway, load_care_rules(), load_odds_config(pathway.evidence))
        _LOADED[pathway_path] = found
    return found


@dataclass(frozen=True)
class Navigation:
    """One patient's result: every option with its verdict, the care alerts, and the
    published numbers behind each option that is not ruled out."""

    assessment: Assessment
    care: CareAssessment
    knowledge: Knowledge = field(repr=False, compare=False)

    @functools.cached_property
    def odds(self) -> OddsReport:
        """Selected on first use (about 1 ms): population screening reads the verdicts
        and care alerts of a million patients and never their numbers. Pure, so when it
        is computed does not change what it is."""
        return odds_report(self.knowledge.pathway, self.knowledge.odds, self.assessment)

    @property
    def as_of(self) -> dt.date:
        return self.assessment.as_of

    @property
    def facts(self) -> Facts:
        return self.assessment.facts


def navigate(knowledge: Knowledge, facts: Facts, as_of: dt.date,
             warnings: Sequence[Problem] = ()) -> Navigation:
    """Assess ``facts`` on ``as_of`` against all of ``knowledge``.

    ``warnings`` (from reading the input) are carried into the assessment's issues. The
    caller decides the date (a command's ``--as-of``, the facts' own ``as_of``, today):
    the clock is read at the edges only."""
    a = assess(knowledge.pathway, facts, as_of, warnings)
    care = assess_care(knowledge.care, facts, a.as_of)
    return Navigation(a, care, knowledge)

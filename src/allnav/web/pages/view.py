"""What the pages show for one patient, built once per request from the core's results.

:func:`build_report` calls :func:`allnav.navigate.navigate` (the engine, the care triage and
the odds selection, as every entry point does), then groups the options the way people think
about the choice. Nothing here decides anything: it only arranges what the core returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from allnav.assessment import Assessment, OptionResult
from allnav.care import CareAssessment
from allnav.evidence import EvidenceItem
from allnav.facts import FIELDS, Facts
from allnav.navigate import Knowledge, Navigation, navigate
from allnav.odds import OptionOdds
from allnav.pathway import Option
from allnav.problems import Problem
from allnav.topics import Topics
from allnav.web.pages.forms import FORM_FIELDS

#: The patient view's groups, in this order; comfort and symptom relief is always shown, and
#: never last (it must not be the part people reach only after every treatment).
PATIENT_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("remission-treatment", "Treatments aimed at another remission",
     "These treatments try to make the leukemia go away again."),
    ("transplant", "A stem cell transplant",
     "A transplant from a donor can help keep the leukemia away for a long time."),
    ("comfort-and-support", "Comfort and symptom relief",
     "This care helps you feel as well as you can. It is for everyone, at every stage, and you "
     "can have it at the same time as any treatment."),
    ("clinical-trial", "Clinical trials",
     "A trial tests a new treatment. It can be a choice at any step."),
)

STATUS_WORDS = {
    "suitable": "Fits what you told us",
    "possible": "Might fit: it depends on something we don't know yet",
    "not-suitable": "Not a fit right now",
}


SHORT_STATUS = {"suitable": "Fits", "possible": "Might fit", "not-suitable": "Not now"}


@dataclass(frozen=True)
class OptionView:
    result: OptionResult
    option: Option
    what: str
    odds: OptionOdds | None
    #: What would change the answer, in the patient's words.
    changes: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.result.id


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    intro: str
    fitting: tuple[OptionView, ...]
    not_fitting: tuple[OptionView, ...]


@dataclass(frozen=True)
class Urgent:
    """One emergency for the banner: what to do now and why (the same sentences as the EHR
    card), then the explanation for this patient."""

    title: str
    text: str
    do_now: str = ""
    why: str = ""
    hospice: bool = False


@dataclass(frozen=True)
class Report:
    navigation: Navigation
    options: tuple[OptionView, ...]
    groups: tuple[Group, ...]
    urgent: tuple[Urgent, ...]
    #: Questions for the care team: the general ones, then one per missing fact.
    questions: tuple[str, ...]
    #: The missing facts that would change an option, as the form asks them.
    find_out: tuple[str, ...]
    sources: tuple[EvidenceItem, ...]

    @property
    def assessment(self) -> Assessment:
        return self.navigation.assessment

    @property
    def care(self) -> CareAssessment:
        return self.navigation.care

    @property
    def facts(self) -> Facts:
        return self.assessment.facts

    def option(self, option_id: str) -> OptionView:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(option_id)


def plain_question(fact: str) -> str:
    """The form's everyday question for a fact, else the pathway's question."""
    f = FORM_FIELDS.get(fact)
    return f.label if f is not None else FIELDS[fact].question


def _changes(r: OptionResult) -> tuple[str, ...]:
    if r.status == "possible":
        # A judgement call (outside a label's or trial's population) is said as it is.
        judged = tuple(x.text for x in r.reasons if x.outcome is False and x.judgement)
        return judged + tuple(f"We don't know yet: {plain_question(name)}"
                              for name in r.missing_facts)
    if r.status == "not-suitable":
        return tuple(x.text for x in r.reasons if x.outcome is False and x.counts)
    return ()


def urgent_items(a: Assessment, care: CareAssessment) -> tuple[Urgent, ...]:
    """Emergencies, for the banner: the care alerts at level ``emergency`` (written for
    patients). They appear exactly when the engine marks their pathway option urgent (both
    read the same criteria); the engine's urgent options are the fallback."""
    alerts = [Urgent(al.title, al.patient_text.removeprefix(f"{al.do_now} {al.why}").strip()
                     if al.do_now and al.why else al.patient_text,
                     al.do_now or "", al.why or "", care.in_hospice)
              for al in care.alerts if al.level == "emergency"]
    if alerts:
        return tuple(alerts)
    out = []
    for o in a.urgent:
        head, _, rest = (o.urgent_text or "").partition(". ")
        out.append(Urgent(o.plain_title, "", head + "." if rest else head, rest, care.in_hospice))
    return tuple(out)


def build_report(knowledge: Knowledge, topics: Topics, facts: Facts, as_of: dt.date,
                 warnings: Sequence[Problem] = ()) -> Report:
    """The pages' view of :func:`~allnav.navigate.navigate` for ``facts`` (their own
    ``as_of``, else ``as_of``): options grouped as patients read them, with their numbers."""
    nav = navigate(knowledge, facts, facts.as_of or as_of, warnings)
    a, care, pathway = nav.assessment, nav.care, knowledge.pathway
    by_id = {o.option_id: o for o in nav.odds.options}
    views = tuple(OptionView(r, pathway.option(r.id), topics.option_words.get(r.id, r.plain_title),
                             by_id.get(r.id), _changes(r)) for r in a.options)
    groups = []
    for gid, title, intro in PATIENT_GROUPS:
        members = [v for v in views if v.result.category == gid]
        groups.append(Group(gid, title, intro,
                            tuple(v for v in members if v.result.status != "not-suitable"),
                            tuple(v for v in members if v.result.status == "not-suitable")))
    find_out = tuple(plain_question(m.fact) for m in a.missing_facts)
    ids: list[str] = []
    for v in views:
        if v.result.status != "not-suitable" and v.result.category != "urgent-care":
            ids += v.result.evidence
            if v.odds is not None:
                ids += [s.source.evidence_id for s in (*v.odds.benefits, *v.odds.harms)]
    return Report(nav, views, tuple(groups), urgent_items(a, care),
                  (*topics.questions, *(f"Can you find out: {q}" for q in find_out)), find_out,
                  tuple(pathway.evidence[e] for e in dict.fromkeys(ids)))

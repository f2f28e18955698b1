"""Honest odds: the published numbers behind each option, for one patient.

``odds_report(pathway, config, assessment)`` takes an assessment (from
:func:`allnav.engine.assess`) and, for every option found suitable or possible, picks
the outcomes ``knowledge/odds.yaml`` lists for it, keeps those whose study fits the
patient (hiding, with the reason, any the patient's facts rule out), and says:

- the number in words, as a natural frequency with its uncertainty;
- the comparison only with the same trial's control arm, never across trials;
- how the patient differs from the people studied;
- the cautions that travel with the number (design, small numbers, verification,
  Kaplan-Meier);
- an icon-array specification whose counts match the words.

Benefits and harms are shown in the same detail; where the registry holds no harm
numbers the option says so. No new predictive model: only published numbers, each with
its source. It supports decisions; it does not make them. Pure: no I/O, no clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from allnav.assessment import Assessment, Status
from allnav.evidence import EvidenceItem
from allnav.odds.config import ContextSpec, Hints, OddsConfig, OptionSpec, ShowSpec
from allnav.odds.match import (
    HintCheck,
    PatientProfile,
    check_hints,
    population_differences,
    read_situation,
)
from allnav.odds.numbers import Caution, OutcomeNumbers, outcome_numbers
from allnav.odds.words import (
    IconArray,
    SourcedSentence,
    clinician_line,
    median_words,
    proportion_words,
    segments,
)
from allnav.pathway import Pathway

ShownRole = Literal["benefit", "harm", "context"]
StatementKind = Literal["no-numbers", "benefits", "harms", "benefits-none-fit",
                        "harms-none-fit"]
YOUR_DETAILS = "your details"

NOT_HEAD_TO_HEAD = Caution(
    "not-head-to-head", "These numbers come from different studies of different people. They "
    "were not tested side by side, so do not compare them with each other directly.")
ARM_ONLY = Caution(
    "treatment-group-only", "From a randomized trial, but the source gives this number for the "
    "treatment group only, so there is nothing to compare it with.")
REPORT_CAUTIONS = (
    Caution("not-head-to-head", "Numbers for different options come from different studies. "
            "Only a trial that put people into groups by chance can compare two treatments; "
            "where one did, its comparison group is shown with the number."),
    Caution("selected-people", "People in trials are chosen: mostly fit, mostly younger adults, with "
            "healthy organs. Your own chances may be different; your care team knows your "
            "whole situation."),
)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a number comes from, and when the registry entry was last reviewed."""

    evidence_id: str
    short: str
    kind: str
    citation: str
    year: int
    url: str
    pmid: str | None
    doi: str | None
    verification: str
    last_reviewed: dt.date


@dataclass(frozen=True, slots=True)
class ShownOutcome:
    """One published number shown for one option (or as context), with everything that
    must travel with it."""

    role: ShownRole
    numbers: OutcomeNumbers
    source: SourceRef
    plain: str
    treated: str
    control: str | None
    sentences: tuple[SourcedSentence, ...]
    clinician: str
    differences: tuple[str, ...]
    unchecked: tuple[str, ...]
    hints: tuple[HintCheck, ...]
    cautions: tuple[Caution, ...]
    array: IconArray | None
    fits: bool | None = None


@dataclass(frozen=True, slots=True)
class NotShown:
    """Numbers of one study left out because the patient's facts rule out the people they
    were measured in (alternatives in a slot that another number answers are not listed)."""

    evidence_id: str
    short: str
    outcome_ids: tuple[str, ...]
    roles: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class StatementView:
    """Words shown instead of numbers, with their sources."""

    kind: StatementKind
    text: str
    sources: tuple[SourceRef, ...] = ()


@dataclass(frozen=True, slots=True)
class OptionOdds:
    """The numbers for one option, for this patient: benefits and harms in equal detail."""

    option_id: str
    title: str
    plain_title: str
    status: Status
    benefits: tuple[ShownOutcome, ...]
    harms: tuple[ShownOutcome, ...]
    statements: tuple[StatementView, ...]
    not_shown: tuple[NotShown, ...]
    cautions: tuple[Caution, ...]


@dataclass(frozen=True, slots=True)
class OddsReport:
    """Everything ``allnav odds`` shows: the patient's situation as read, the historical
    context, each option's numbers, and the cautions for the whole report."""

    as_of: dt.date
    situation: PatientProfile
    context: tuple[ShownOutcome, ...]
    options: tuple[OptionOdds, ...]
    cautions: tuple[Caution, ...]
    odds_reviewed: dt.date


def source_ref(item: EvidenceItem) -> SourceRef:
    """The citation block of an evidence item."""
    return SourceRef(item.id, item.short, item.kind, item.citation, item.year, item.url,
                     item.pmid, item.doi, item.verification, item.last_reviewed)


def _where(item: EvidenceItem) -> str:
    """How sentences name the study: "In TOWER", "In the Revumenib FDA 2024 summary"."""
    return f"In the {item.short} summary" if item.kind == "drug-label" else f"In {item.short}"


def _array_id(*parts: str) -> str:
    return "--".join(p.replace("#", "-") for p in parts)


def show_outcome(pathway: Pathway, role: ShownRole, evidence_id: str, outcome_id: str, *,
                 plain: str, treated: str, control: str | None, situation: PatientProfile,
                 checks: tuple[HintCheck, ...] = (), also: Sequence[str] = (),
                 extra_cautions: Sequence[str] = (), array_owner: str = "context",
                 title: str = "") -> ShownOutcome:
    """Build one shown number: words, clinician line, differences, cautions, icon array."""
    item = pathway.evidence[evidence_id]
    n = outcome_numbers(item, item.outcome(outcome_id))
    src = source_ref(item)
    array = None
    where = _where(item)
    if n.measure == "proportion":
        texts, (x, y, scale) = proportion_words(n, treated, plain, control, where=where)
        segs = segments(x, y, scale, treated, plain, control)
        subtitle = f"Out of {scale:,} people like those in {item.short}"
    else:
        texts = median_words(n, treated, plain, control, where=where)
    diffs, pop_unknown = population_differences(item, situation, treatment=role != "context")
    unchecked = tuple(dict.fromkeys([*pop_unknown,
                                     *(c.what for c in checks if c.result == "unknown")]))
    cautions = list(n.cautions)
    if item.kind == "randomized-trial" and not control:
        cautions = [ARM_ONLY if c.kind == "randomized" else c for c in cautions]
    cautions += [Caution("reviewer", text) for text in extra_cautions]
    sentences = tuple(SourcedSentence(t, item.id) for t in texts)
    if n.measure == "proportion":
        desc = " ".join([*texts, *diffs, *(c.text for c in cautions),
                         f"Source: {item.citation} Reviewed {item.last_reviewed.isoformat()}."])
        array = IconArray(
            id=_array_id(array_owner, evidence_id, outcome_id), role=role, total=scale,
            segments=segs, title=title or f"{treated[:1].upper()}{treated[1:]}: {plain}",
            subtitle=subtitle, description=desc,
            source=f"Source: {item.short} ({item.year}), {item.id}; reviewed "
                   f"{item.last_reviewed.isoformat()}",
            unverified=n.verification != "verified")
    also_numbers = tuple(outcome_numbers(item, item.outcome(a)) for a in also)
    return ShownOutcome(
        role=role, numbers=n, source=src, plain=plain, treated=treated, control=control,
        sentences=sentences,
        clinician=clinician_line(n, also_numbers,
                                 "control-arm" if control else "other-group"),
        differences=diffs, unchecked=unchecked, hints=checks, cautions=tuple(cautions),
        array=array)


def _statement(pathway: Pathway, kind: StatementKind, text: str,
               evidence: Sequence[str] = ()) -> StatementView:
    return StatementView(kind, text, tuple(source_ref(pathway.evidence[e]) for e in evidence))


def _select(specs: Sequence[ShowSpec], situation: PatientProfile, pathway: Pathway
            ) -> tuple[list[tuple[ShowSpec, tuple[HintCheck, ...]]], list[NotShown]]:
    """Keep the outcomes whose study fits; within a slot, only the best-matching ones."""
    kept: list[tuple[ShowSpec, tuple[HintCheck, ...], int]] = []
    misses: list[tuple[ShowSpec, str]] = []
    for spec in specs:
        checks = check_hints(spec.when, situation)
        why = "\n".join(c.why for c in checks if c.result == "contradicted")
        if why:
            misses.append((spec, why))
        else:
            kept.append((spec, checks, sum(c.result == "met" for c in checks)))
    best: dict[str, int] = {}
    for spec, _, score in kept:
        if spec.slot:
            best[spec.slot] = max(best.get(spec.slot, 0), score)
    chosen = [(spec, checks) for spec, checks, score in kept
              if not spec.slot or score == best[spec.slot]]
    # A hidden alternative of a slot that is answered is noise, not information.
    grouped: dict[str, tuple[list[ShowSpec], list[str]]] = {}
    for spec, why in misses:
        if spec.slot is None or spec.slot not in best:
            specs_, whys = grouped.setdefault(spec.evidence, ([], []))
            specs_.append(spec)
            whys.extend(w for w in why.split("\n") if w not in whys)
    hidden = [NotShown(ev, pathway.evidence[ev].short, tuple(s.outcome for s in group),
                       tuple(dict.fromkeys(s.role for s in group)),
                       f"Not shown from {pathway.evidence[ev].short}: {' '.join(whys)}")
              for ev, (group, whys) in grouped.items()]
    return chosen, hidden


_ROLE_KINDS: tuple[tuple[str, str, StatementKind, StatementKind], ...] = (
    ("benefit", "benefits", "benefits", "benefits-none-fit"),
    ("harm", "harms", "harms", "harms-none-fit"),
)


def _missing_statements(pathway: Pathway, spec: OptionSpec, has_benefits: bool,
                        has_harms: bool, hidden: Sequence[NotShown]) -> list[StatementView]:
    """Words in place of a missing benefit or harm number (IPDAS: equal detail), saying
    whether none fits this patient or none is held at all."""
    out: list[StatementView] = []
    for word, plural, kind, none_fit in _ROLE_KINDS:
        if has_benefits if word == "benefit" else has_harms:
            continue
        own = spec.benefits_statement if word == "benefit" else spec.harms_statement
        if any(word in h.roles for h in hidden):
            out.append(_statement(pathway, none_fit, (
                f"None of the {word} numbers we hold for this option were measured in people "
                "in your situation (see what was left out, below).")))
        elif own is not None:
            out.append(_statement(pathway, kind, own.text, own.evidence))
        else:
            out.append(_statement(pathway, kind, (
                f"Numbers for the {plural} of this option are not in our registry.")))
    return out


def option_odds(pathway: Pathway, spec: OptionSpec, status: Status, situation: PatientProfile
                ) -> OptionOdds:
    """The numbers for one option and one patient."""
    option = pathway.option(spec.option)
    statements: list[StatementView] = []
    if spec.statement is not None:
        statements.append(_statement(pathway, "no-numbers", spec.statement.text,
                                     spec.statement.evidence))
    chosen, hidden = _select(spec.shows, situation, pathway)
    shown = [show_outcome(pathway, s.role, s.evidence, s.outcome, plain=s.plain,
                          treated=s.treated or spec.treated, control=s.control, situation=situation,
                          checks=checks, also=s.also, extra_cautions=s.cautions,
                          array_owner=spec.option) for s, checks in chosen]
    benefits = tuple(o for o in shown if o.role == "benefit")
    harms = tuple(o for o in shown if o.role == "harm")
    if spec.statement is None:
        statements += _missing_statements(pathway, spec, bool(benefits), bool(harms), hidden)
    cautions = (NOT_HEAD_TO_HEAD,) if len({o.source.evidence_id for o in shown}) > 1 else ()
    return OptionOdds(option.id, option.title, option.plain_title, status, benefits, harms,
                      tuple(statements), tuple(hidden), cautions)


def _context(pathway: Pathway, spec: ContextSpec, situation: PatientProfile) -> ShownOutcome:
    checks = check_hints(spec.when, situation)
    fits: bool | None = None
    if spec.when != Hints():
        if any(c.result == "contradicted" for c in checks):
            fits = False
        elif all(c.result == "met" for c in checks):
            fits = True
    shown = show_outcome(pathway, "context", spec.evidence, spec.outcome, plain=spec.plain,
                         treated=spec.treated, control=None, situation=situation,
                         checks=checks)
    return dataclasses.replace(shown, fits=fits)


def _situation(pathway: Pathway, assessment: Assessment) -> PatientProfile:
    """The patient as studies select on, with the pathway's named criteria evaluated once."""
    titles = {cid: c.title for cid, c in pathway.criteria.items()}
    return read_situation(assessment.facts, pathway.evaluate_criteria(assessment.facts), titles)


def odds_for_patient(pathway: Pathway, config: OddsConfig, assessment: Assessment
                     ) -> tuple[OptionOdds, ...]:
    """The numbers for every option ``assessment`` found suitable or possible, in the
    vocabulary order. Options found not suitable are left out."""
    situation = _situation(pathway, assessment)
    return tuple(option_odds(pathway, config.options[o.id], o.status, situation)
                 for o in assessment.options if o.status != "not-suitable")


def odds_report(pathway: Pathway, config: OddsConfig, assessment: Assessment) -> OddsReport:
    """:func:`odds_for_patient` plus the patient's situation as read, the historical
    context (chemotherapy-era odds by salvage line, survival after relapse) and the
    report-wide cautions."""
    situation = _situation(pathway, assessment)
    return OddsReport(
        as_of=assessment.as_of, situation=situation,
        context=tuple(_context(pathway, c, situation) for c in config.context),
        options=odds_for_patient(pathway, config, assessment), cautions=REPORT_CAUTIONS,
        odds_reviewed=config.last_reviewed)

"""The stable JSON forms of the evidence registry and of an odds report (docs/odds.md).

Every figure object names its source (``evidence_id`` and ``source_short``) next to its
numbers, so a number can never be lifted out of the JSON without where it came from.
Proportions are fractions 0-1; ``ci95`` is ``[low, high]`` or ``null``, with
``interval.method`` saying how it was obtained.
"""

from __future__ import annotations

from typing import Any

from allnav.evidence import EvidenceItem, EvidenceRegistry, Population
from allnav.odds.numbers import (
    ArmNumbers,
    Caution,
    OutcomeNumbers,
    comparator_kind,
    outcome_numbers,
)
from allnav.odds.report import OddsReport, OptionOdds, ShownOutcome, SourceRef, StatementView
from allnav.render import DISCLAIMER

EVIDENCE_FORMAT = "allnav.evidence/1"
ODDS_FORMAT = "allnav.odds/1"


def _r(value: float | None) -> float | None:
    # Round for readability only; 6 decimals is far finer than any published figure.
    return None if value is None else round(value, 6)


def figure_to_dict(a: ArmNumbers, n: OutcomeNumbers) -> dict[str, Any]:
    """One arm's figure with its interval, named with its source."""
    iv = a.interval
    ci95 = None
    if iv is not None and iv.level == 0.95:
        ci95 = [_r(iv.low), _r(iv.high)]
    return {
        "evidence_id": n.evidence_id,
        "source_short": n.evidence_short,
        "arm": a.arm,
        "measure": a.measure,
        "events": a.events,
        "total": a.total,
        "estimate": _r(a.estimate),
        "unit": a.unit if a.measure != "proportion" else "fraction",
        "ci95": ci95,
        "interval": None if iv is None else {
            "low": _r(iv.low), "high": _r(iv.high), "level": iv.level, "method": iv.method,
            "basis": iv.basis},
        "published_ci95": None if a.published_ci95 is None else [
            _r(a.published_ci95[0]), _r(a.published_ci95[1])],
    }


def cautions_to_list(cautions: tuple[Caution, ...]) -> list[dict[str, str]]:
    return [{"kind": c.kind, "text": c.text} for c in cautions]


def numbers_to_dict(n: OutcomeNumbers) -> dict[str, Any]:
    """One outcome: what it measured, its figures and the cautions that travel with them."""
    return {
        "evidence_id": n.evidence_id,
        "outcome_id": n.outcome_id,
        "ref": n.ref,
        "source_short": n.evidence_short,
        "endpoint": n.endpoint,
        "kind": n.kind,
        "label": n.label,
        "measure": n.measure,
        "verification": n.verification,
        "time_to_event": n.time_to_event,
        "timeframe": n.timeframe,
        "result": figure_to_dict(n.result, n),
        "comparator": None if n.comparator is None else figure_to_dict(n.comparator, n),
        "note": n.note,
        "cautions": cautions_to_list(n.cautions),
    }


def population_to_dict(p: Population) -> dict[str, Any]:
    return {"description": p.description, "n": p.n, "age": p.age, "lineage": p.lineage,
            "ph_status": p.ph_status, "setting": p.setting,
            "salvage_line": list(p.salvage_line), "prior_transplant": p.prior_transplant}


def evidence_item_to_dict(item: EvidenceItem) -> dict[str, Any]:
    """An evidence item: what, for whom, numbers, source, verification, review date."""
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "short": item.short,
        "year": item.year,
        "verification": item.verification,
        "last_reviewed": item.last_reviewed.isoformat(),
        "source": {"citation": item.citation, "url": item.url, "pmid": item.pmid,
                   "doi": item.doi, "checked_sources": list(item.checked_sources)},
        "population": population_to_dict(item.population),
        "design_note": item.design_note,
        "comparator_kind": comparator_kind(item),
        "outcomes": [numbers_to_dict(outcome_numbers(item, o)) for o in item.outcomes],
        "notes": list(item.notes),
    }


def evidence_to_dict(registry: EvidenceRegistry) -> dict[str, Any]:
    """The whole registry in the ``allnav.evidence/1`` shape."""
    return {"format": EVIDENCE_FORMAT, "count": len(registry),
            "items": [evidence_item_to_dict(i) for i in registry]}


def source_to_dict(s: SourceRef) -> dict[str, Any]:
    return {"evidence_id": s.evidence_id, "short": s.short, "kind": s.kind,
            "citation": s.citation, "year": s.year, "url": s.url, "pmid": s.pmid, "doi": s.doi,
            "verification": s.verification, "last_reviewed": s.last_reviewed.isoformat()}


def shown_to_dict(o: ShownOutcome) -> dict[str, Any]:
    """A shown number with its words, matching, cautions and icon-array counts."""
    out = {
        "role": o.role,
        **numbers_to_dict(o.numbers),
        "source": source_to_dict(o.source),
        "plain": o.plain,
        "treated": o.treated,
        "comparator_is_control_arm": o.control is not None,
        "control": o.control,
        "sentences": [{"text": s.text, "source": s.source} for s in o.sentences],
        "clinician": o.clinician,
        "differences": list(o.differences),
        "unchecked": list(o.unchecked),
        "hints": [{"what": h.what, "result": h.result, "why": h.why} for h in o.hints],
        "cautions": cautions_to_list(o.cautions),
        "icon_array": None if o.array is None else {
            "id": o.array.id, "total": o.array.total, "role": o.array.role,
            "segments": [{"key": s.key, "count": s.count, "label": s.label}
                         for s in o.array.segments],
            "evidence_id": o.source.evidence_id},
    }
    if o.role == "context":
        out["fits_you"] = o.fits
    return out


def _statement(s: StatementView) -> dict[str, Any]:
    return {"kind": s.kind, "text": s.text, "sources": [source_to_dict(x) for x in s.sources]}


def option_odds_to_dict(o: OptionOdds) -> dict[str, Any]:
    return {
        "id": o.option_id, "title": o.title, "plain_title": o.plain_title, "status": o.status,
        "benefits": [shown_to_dict(x) for x in o.benefits],
        "harms": [shown_to_dict(x) for x in o.harms],
        "statements": [_statement(s) for s in o.statements],
        "not_shown": [{"evidence_id": n.evidence_id, "short": n.short,
                       "outcome_ids": list(n.outcome_ids), "roles": list(n.roles),
                       "reason": n.reason} for n in o.not_shown],
        "cautions": cautions_to_list(o.cautions),
    }


def odds_to_dict(report: OddsReport) -> dict[str, Any]:
    """The odds report in the ``allnav.odds/1`` shape."""
    s = report.situation
    return {
        "format": ODDS_FORMAT,
        "as_of": report.as_of.isoformat(),
        "odds_reviewed": report.odds_reviewed.isoformat(),
        "disclaimer": DISCLAIMER,
        "situation": {"salvage_line": s.salvage_line, "explanation": s.line_explanation,
                      "source": "your details"},
        "cautions": cautions_to_list(report.cautions),
        "context": [shown_to_dict(c) for c in report.context],
        "options": [option_odds_to_dict(o) for o in report.options],
    }

"""The stable JSON form of an assessment (documented in docs/assessment-json.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allnav.assessment import Assessment, OptionResult, outcome_word
from allnav.care import CareAssessment
from allnav.care.report import care_to_dict
from allnav.navigate import Knowledge, Navigation
from allnav.pathway import Pathway
from allnav.render import DISCLAIMER
from allnav.render.odds_json import odds_to_dict

FORMAT = "allnav.assessment/1"


def jsonable(value: object) -> Any:
    """Facts values in JSON form: tuples as lists, dates as ISO text."""
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def evidence_ref(pathway: Pathway, evidence_id: str) -> dict[str, Any]:
    item = pathway.evidence[evidence_id]
    out: dict[str, Any] = {
        "id": item.id, "short": item.short, "citation": item.citation, "year": item.year,
        "url": item.url, "kind": item.kind, "verification": item.verification,
        "last_reviewed": item.last_reviewed.isoformat(),
    }
    if item.pmid:
        out["pmid"] = item.pmid
    if item.doi:
        out["doi"] = item.doi
    return out


def option_to_dict(o: OptionResult, pathway: Pathway, a: Assessment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": o.id,
        "title": o.title,
        "plain_title": o.plain_title,
        "category": o.category,
        "status": o.status,
        "urgent": o.urgent,
        "headline": o.headline,
        "reasons": [
            {
                "criterion": r.criterion,
                "title": r.title,
                "outcome": outcome_word(r.outcome),
                "text": r.text,
                "facts": {name: jsonable(v) for name, v in a.reason_facts(r)},
                "counts": r.counts,
                # Only on a requirement that makes the option "possible" when not met.
                **({"judgement": True} if r.judgement else {}),
            }
            for r in o.reasons
        ],
        "missing_facts": list(o.missing_facts),
        "notes": list(o.notes),
        "evidence": [evidence_ref(pathway, e) for e in o.evidence],
    }
    if o.urgent_text:
        out["urgent_text"] = o.urgent_text
    if o.guideline is not None:
        g = o.guideline
        out["guideline"] = {"rank": g.rank, "group": g.group,
                            "source": evidence_ref(pathway, g.evidence),
                            "verification": g.verification}
    return out


def assessment_to_dict(a: Assessment, pathway: Pathway,
                       care: CareAssessment | None = None) -> dict[str, Any]:
    """The assessment as plain JSON-ready data, in a stable documented shape.

    With ``care``, the care alerts go under the ``care`` key (see docs/care.md)."""
    sources = {name: s.as_dict() for name, s in a.facts.sources.items()}
    out: dict[str, Any] = {
        "format": FORMAT,
        "pathway": {
            "id": a.pathway_id,
            "version": a.pathway_version,
            "last_reviewed": a.pathway_last_reviewed.isoformat(),
        },
        "as_of": a.as_of.isoformat(),
        "disclaimer": DISCLAIMER,
        "facts": {name: jsonable(v) for name, v in a.facts.known().items() if name != "as_of"},
        "fact_sources": sources,
        "situations": [
            {"id": s.id, "title": s.title, "applies": outcome_word(s.applies)}
            for s in a.situations
        ],
        "options": [option_to_dict(o, pathway, a) for o in a.options],
        "missing_facts": [
            {"fact": m.fact, "question": m.question, "options": list(m.options)}
            for m in a.missing_facts
        ],
        "issues": [p.as_dict() for p in a.issues],
    }
    if care is not None:
        out["care"] = care_to_dict(care, pathway.evidence)
    return out


def navigation_to_dict(nav: Navigation, knowledge: Knowledge) -> dict[str, Any]:
    """The one JSON document of a patient's result (docs/assessment-json.md): the
    assessment, its ``care`` alerts and its ``odds`` (the ``allnav.odds/1`` document).
    ``allnav assess --format json``, ``POST /api/assess`` and the clinician page's export
    all answer this, so they cannot drift apart."""
    out = assessment_to_dict(nav.assessment, knowledge.pathway, nav.care)
    out["odds"] = odds_to_dict(nav.odds)
    return out

"""A care assessment as report sections, JSON-ready data and Markdown lines.

Pure string building, shared by the terminal, Markdown and JSON outputs of
``allnav care`` and ``allnav assess`` so that they say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from allnav.care.model import Alert, CareAssessment, Guidance, Level, MasccResult
from allnav.evidence import EvidenceRegistry
from allnav.facts import FIELDS

FORMAT = "allnav.care/1"

#: Short labels for the triage levels, in front of each alert.
LEVEL_LABELS: dict[Level, str] = {"emergency": "NOW", "same-day": "TODAY",
                                  "next-visit": "NEXT VISIT"}

CARE_DISCLAIMER = (
    "These alerts support decisions; they do not make them, and this tool does not dose "
    "drugs. If you feel very unwell, call your care team or emergency services whatever "
    "this page says."
)


@dataclass(frozen=True, slots=True)
class AdviceSection:
    """A titled block of lines for one audience; ``urgent`` asks the renderer to stand it out."""

    title: str
    lines: tuple[str, ...]
    audience: Literal["patient", "clinician"]
    urgent: bool = False


def sources_text(ids: tuple[str, ...], evidence: EvidenceRegistry) -> str:
    """``IDSA 2011 febrile neutropenia (2011); ...``, marking sources not fully verified."""
    parts = []
    for e in ids:
        item = evidence[e]
        mark = "" if item.verification == "verified" else f" [{item.verification}]"
        year = "" if str(item.year) in item.short else f" ({item.year})"
        parts.append(f"{item.short}{year}{mark}")
    return "; ".join(parts)


def alert_patient_text(a: Alert) -> str:
    """What the patient reads for an alert (for an emergency it starts with what to do now
    and why, in the same words as the EHR card)."""
    return a.patient_text


def call_title(care: CareAssessment) -> str:
    """The title of the "when to call right away" list."""
    who = "your hospice team" if care.in_hospice else "your care team"
    return f"When to call {who} right away"


def cannot_reach(care: CareAssessment) -> str:
    """The last line of that list: where to go when the team cannot be reached."""
    if care.in_hospice:
        return "If you cannot reach them and minutes count (heavy bleeding, a seizure, trouble breathing), call 911."
    return "If you cannot reach them, go to the emergency department."


def mascc_lines(m: MasccResult) -> tuple[str, ...]:
    """The MASCC score or range, item by item, with the statement that it does not lower risk."""
    if m.minimum == m.maximum:
        head = f"MASCC score {m.minimum} of {m.max_possible}"
    else:
        unknown = sum(1 for i in m.items if i.points is None)
        head = (f"MASCC score between {m.minimum} and {m.maximum} of {m.max_possible} "
                f"({unknown} item(s) unknown)")
    band = {"low": f"low risk by score alone ({m.low_risk_at_least} or more)",
            "high": f"high risk by score alone (below {m.low_risk_at_least})",
            "undetermined": f"cannot tell low from high risk yet (low risk is "
                            f"{m.low_risk_at_least} or more)"}[m.band]
    lines = [f"{head}: {band}. Treated as HIGH RISK whatever the score."]
    if not m.applies_now:
        lines.append("There is no febrile neutropenia now; the index is meant for its onset.")
    for i in m.items:
        pts = "unknown" if i.points is None else f"{i.points} of {i.max_points}"
        lines.append(f"  {i.label}: {pts}")
    lines.append(m.statement)
    return tuple(lines)


def _alert_clinician(a: Alert, evidence: EvidenceRegistry) -> str:
    line = f"[{a.level}] {a.clinician_text} (sources: {sources_text(a.evidence, evidence)})"
    if a.needs:
        line += " Would be more precise with: " + ", ".join(
            f"{n} ({FIELDS[n].question})" for n in a.needs)
    return line


def care_sections(care: CareAssessment, evidence: EvidenceRegistry) -> tuple[AdviceSection, ...]:
    """The care assessment as titled sections, patient-facing first."""
    out: list[AdviceSection] = []
    if care.alerts:
        out.append(AdviceSection("Right now", tuple(
            f"{LEVEL_LABELS[a.level]} - {a.title}. {alert_patient_text(a)}" for a in care.alerts),
            "patient", urgent=care.level == "emergency"))
    else:
        out.append(AdviceSection("Right now", (
            "Nothing in the information given needs a call now. If anything on the list "
            "below happens, call your care team right away.",), "patient"))
    out.append(AdviceSection(call_title(care), (
        care.call_heading,
        *(f"- {line}" for line in care.call_right_away),
        cannot_reach(care),
    ), "patient"))
    if care.alerts:
        out.append(AdviceSection("For the care team: alerts and the values behind them", tuple(
            _alert_clinician(a, evidence) for a in care.alerts), "clinician",
            urgent=care.level == "emergency"))
    if care.mascc is not None:
        out.append(AdviceSection("MASCC risk index (for information only)", (
            *mascc_lines(care.mascc),
            f"Sources: {sources_text(care.mascc.evidence, evidence)}"), "clinician"))
    for g in (care.palliative, care.hospice):
        if g is not None:
            out.append(AdviceSection(g.title, (
                g.patient_text, f"For the care team: {g.clinician_text}",
                f"Sources: {sources_text(g.evidence, evidence)}"), "patient"))
    out.append(AdviceSection("About these alerts", (
        f"Care rules v{care.rules_version}, clinically reviewed "
        f"{care.rules_last_reviewed.isoformat()}. {CARE_DISCLAIMER}",
        *(f"{p.severity}: {p.path}: {p.msg}" for p in care.issues),
    ), "patient"))
    return tuple(out)


def care_markdown(care: CareAssessment, evidence: EvidenceRegistry) -> list[str]:
    """The care sections as Markdown lines, under one ``## Care`` heading."""
    out = ["## Care: symptom relief and safety alerts", ""]
    for s in care_sections(care, evidence):
        out += [f"### {s.title}", ""]
        for line in s.lines:
            text = line.strip()
            out.append(text if text.startswith("- ") else f"- {text}")
        out.append("")
    return out


def _evidence_ref(evidence: EvidenceRegistry, evidence_id: str) -> dict[str, Any]:
    item = evidence[evidence_id]
    return {"id": item.id, "short": item.short, "year": item.year, "url": item.url,
            "verification": item.verification}


def _alert_dict(a: Alert, evidence: EvidenceRegistry,
                level_words: Mapping[Level, str]) -> dict[str, Any]:
    return {
        "rule": a.rule,
        "variant": a.variant,
        "level": a.level,
        "level_text": level_words[a.level],
        "title": a.title,
        "triggers": [{"fact": t.fact, "value": t.value, "shown": t.shown}
                     for t in a.triggers],
        "patient_text": a.patient_text,
        "do_now": a.do_now,
        "why": a.why,
        "option": a.option,
        "clinician_text": a.clinician_text,
        "needs": list(a.needs),
        "evidence": [_evidence_ref(evidence, e) for e in a.evidence],
    }


def _guidance_dict(g: Guidance, evidence: EvidenceRegistry) -> dict[str, Any]:
    return {"id": g.id, "title": g.title, "patient_text": g.patient_text,
            "clinician_text": g.clinician_text,
            "evidence": [_evidence_ref(evidence, e) for e in g.evidence]}


def _mascc_dict(m: MasccResult, evidence: EvidenceRegistry) -> dict[str, Any]:
    return {
        "minimum": m.minimum, "maximum": m.maximum, "max_possible": m.max_possible,
        "complete": m.complete, "low_risk_at_least": m.low_risk_at_least,
        "band_by_score": m.band, "treated_as": m.treated_as, "applies_now": m.applies_now,
        "items": [{"id": i.id, "label": i.label, "facts": list(i.facts), "points": i.points,
                   "max_points": i.max_points} for i in m.items],
        "missing_facts": list(m.missing),
        "statement": m.statement,
        "evidence": [_evidence_ref(evidence, e) for e in m.evidence],
    }


def care_to_dict(care: CareAssessment, evidence: EvidenceRegistry) -> dict[str, Any]:
    """The care assessment as plain JSON-ready data (documented in docs/care.md)."""
    return {
        "format": FORMAT,
        "as_of": care.as_of.isoformat(),
        "rules": {"version": care.rules_version,
                  "last_reviewed": care.rules_last_reviewed.isoformat()},
        "level": care.level,
        "alerts": [_alert_dict(a, evidence, care.level_words) for a in care.alerts],
        "in_hospice": care.in_hospice,
        "call_right_away": list(care.call_right_away),
        "mascc": None if care.mascc is None else _mascc_dict(care.mascc, evidence),
        "palliative": _guidance_dict(care.palliative, evidence),
        "hospice": None if care.hospice is None else _guidance_dict(care.hospice, evidence),
        "issues": [p.as_dict() for p in care.issues],
        "disclaimer": CARE_DISCLAIMER,
    }

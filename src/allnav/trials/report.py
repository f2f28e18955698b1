"""The JSON form of a trial match (format ``allnav-trials/1``, see docs/trials.md). Pure."""

from __future__ import annotations

from collections.abc import Mapping

from allnav.trials.match import DISCLAIMER, MatchResult, TrialMatch

FORMAT = "allnav-trials/1"


def _phase(p: str) -> str:
    return {"NA": "not applicable", "EARLY_PHASE1": "early phase 1"}.get(
        p, p.replace("PHASE", "phase "))


def phases_text(phases: tuple[str, ...]) -> str:
    """``("PHASE1", "PHASE2")`` as "phase 1/2"; empty when not given."""
    if not phases:
        return "phase not given"
    names = [_phase(p) for p in phases]
    if all(n.startswith("phase ") for n in names) and len(names) > 1:
        return "phase " + "/".join(n[6:] for n in names)
    return ", ".join(names)


def trial_to_dict(m: TrialMatch, rank: int | None = None) -> dict[str, object]:
    """One judged study as JSON-ready data."""
    s = m.study
    nearest = None
    if m.nearest is not None:
        nearest = {"facility": m.nearest.facility, "city": m.nearest.city,
                   "state": m.nearest.state, "country": m.nearest.country,
                   "distance_km": round(m.distance_km, 1) if m.distance_km is not None else None}
    return {
        "rank": rank,
        "nct_id": s.nct_id,
        "title": s.title,
        "url": s.url,
        "phases": list(s.phases),
        "phase_text": phases_text(s.phases),
        "status": s.status,
        "group": m.group,
        "fit": m.fit,
        "unknown_count": m.unknowns,
        "not_met_count": sum(j.status == "not-met" for j in m.judged),
        "nearest_site": nearest,
        "exclusions": list(m.exclusions),
        "criteria": [{"key": j.criterion.key, "label": j.label, "section": j.criterion.section,
                      "status": j.status, "note": j.note, "quote": j.criterion.sentence,
                      "question": j.question, "doubt": j.criterion.doubt} for j in m.judged],
        "questions": list(m.questions),
        "unrecognised_sentences": s.unrecognised,
        "last_update": s.last_update,
    }


def result_to_dict(r: MatchResult, store: Mapping[str, object] | None = None,
                   near_query: str | None = None) -> dict[str, object]:
    """The whole match as JSON-ready data: header, ranked trials, excluded trials."""
    near = None
    if r.place is not None:
        near = {"query": near_query or r.place.query, "resolved": r.place.label,
                "kind": r.place.kind, "within_km": r.within_km}
    return {
        "format": FORMAT,
        "disclaimer": DISCLAIMER,
        "store": dict(store) if store else None,
        "near": near,
        "counts": {
            "trials": len(r.trials),
            "recruiting": sum(m.group == "recruiting" for m in r.trials),
            "not_yet_recruiting": sum(m.group == "not-yet-recruiting" for m in r.trials),
            "closed": sum(m.group == "closed" for m in r.trials),
            "fit_eligible": sum(m.fit == "eligible" for m in r.trials),
            "fit_unknown": sum(m.fit == "unknown" for m in r.trials),
            "fit_not_eligible": sum(m.fit == "not-eligible" for m in r.trials),
            "excluded_shown": len(r.excluded),
        },
        "trials": [trial_to_dict(m, i) for i, m in enumerate(r.trials, 1)],
        "excluded": [trial_to_dict(m) for m in r.excluded],
    }

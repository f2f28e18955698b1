"""One patient of a population screen: their export lines in, one JSON record out.

Both engines (embedded and Spark) call :func:`screen_patient` and nothing else per patient,
and it calls :func:`allnav.interop.patient.assess_ndjson_lines`, the path ``allnav assess
patient.ndjson`` takes. The lines are first put in one canonical order (sorted), so neither
the engine nor the layout of the export's files can change a result.

The record is JSON (bytes), so it crosses process and Spark boundaries unchanged:

- ``{"patient", "kind": "all", "row": {...}, "worklist": [[list, reason], ...]}`` for a
  patient with an ALL diagnosis; ``row`` is their line of ``assessments.ndjson``;
- ``{"patient", "kind": "other-disease"}`` for a patient with no ALL diagnosis (skipped);
- ``{"patient", "kind": "unreadable", "problems": [type, ...]}`` when the records cannot be
  read as one patient's (problem types only: no values).

Nothing here logs, and no record carries a name, a birth date or a value: ids, option ids,
statuses, fact names, problem types and messages (which name resources, never values).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from allnav.facts import FIELDS, Facts
from allnav.interop.fastjson import loads
from allnav.interop.fhir import facts_from_ndjson_lines
from allnav.interop.patient import assess_patient
from allnav.navigate import Knowledge, Navigation, load_knowledge
from allnav.problems import InputError
from allnav.trials.match import match_trials
from allnav.trials.model import Study

__all__ = ["TEST_FACTS", "WORKLISTS", "ScreenContext", "has_goals_of_care_record", "screen_patient"]

#: Facts that a laboratory test settles: a missing one that would change an option puts the
#: patient on the ``missing-test`` worklist (CD22, BCR::ABL1 and its mutations, KMT2A ...).
TEST_FACTS: tuple[str, ...] = ("lineage", "ph_status", "abl1_mutations", "cd19", "cd22", "kmt2a", "mrd")
#: The worklists, in report order, with what each one means.
WORKLISTS: dict[str, str] = {
    "urgent": "An urgent option or an emergency / same-day care alert",
    "missing-test": "A test result that would change the options is not in the records",
    "no-goals-of-care": "Relapsed, with no goals-of-care record",
    "trial": "Might join an open trial in the trial store (one row per trial)",
}
_URGENT_LEVELS = ("emergency", "same-day")
_GOALS_TYPES = (b'"CarePlan"', b'"Goal"')
#: Words that make a CarePlan a goals-of-care record (its category, title or description).
_GOALS_WORDS = re.compile(r"\b(goals? of care|advance care plan(ning)?|goals-of-care)\b", re.I)


@dataclass(frozen=True, slots=True)
class ScreenContext:
    """What every patient of one screen shares: the date and the open trials."""

    as_of: dt.date
    studies: tuple[Study, ...] = ()


def _as_bytes(line: str | bytes) -> bytes:
    return line.encode("utf-8") if isinstance(line, str) else line


def has_goals_of_care_record(lines: Sequence[bytes]) -> bool:
    """Whether the records hold a goals-of-care record: a FHIR ``Goal``, or a ``CarePlan``
    whose category, title or description names goals of care or advance care planning."""
    for line in lines:
        if not any(t in line for t in _GOALS_TYPES):
            continue
        try:
            res = loads(line)
        except ValueError:
            continue
        if not isinstance(res, dict):
            continue
        if res.get("resourceType") == "Goal":
            return True
        if res.get("resourceType") == "CarePlan" and _GOALS_WORDS.search(_texts(res)):
            return True
    return False


def _texts(res: dict[str, Any]) -> str:
    parts = [res.get("title"), res.get("description")]
    for cat in res.get("category") or ():
        if isinstance(cat, dict):
            parts.append(cat.get("text"))
            parts += [c.get("display") for c in cat.get("coding") or () if isinstance(c, dict)]
    return " ".join(p for p in parts if isinstance(p, str))


def assessment_row(patient: str, result: Navigation) -> dict[str, Any]:
    """The patient's line of ``assessments.ndjson``."""
    a, care = result.assessment, result.care
    return {
        "patient": patient,
        "as_of": a.as_of.isoformat(),
        "options": [{"id": o.id, "status": o.status, "urgent": o.urgent} for o in a.options],
        "missing_facts": [m.fact for m in a.missing_facts],
        "care_alerts": [{"rule": al.rule, "level": al.level} for al in care.alerts],
        "issues": [{"type": p.type, "severity": p.severity, "msg": p.msg} for p in a.issues],
    }


def _worklist(result: Navigation, facts: Facts, goals_record: bool,
              studies: Sequence[Study]) -> list[list[str]]:
    a, care = result.assessment, result.care
    out: list[list[str]] = []
    for o in a.options:
        if o.urgent:
            out.append(["urgent", f"{o.title} (urgent option)"])
    for al in care.alerts:
        if al.level in _URGENT_LEVELS:
            out.append(["urgent", f"{al.title} (care alert: {al.level})"])
    for m in a.missing_facts:
        if m.fact in TEST_FACTS:
            out.append(["missing-test", f"{m.fact} unknown ({FIELDS[m.fact].question}); would "
                                        f"change {len(m.options)} option(s): {', '.join(m.options)}"])
    if facts.disease_status == "relapsed" and not goals_record and \
            (facts.goals is None or facts.goals in FIELDS["goals"].unknown_values):
        out.append(["no-goals-of-care", "relapsed; no goals-of-care record (CarePlan or Goal) found"])
    if studies:
        for t in match_trials(studies, facts).trials:
            if t.fit == "eligible":
                out.append(["trial", f"{t.study.nct_id}: fits every criterion checked"])
            elif t.fit == "unknown":
                out.append(["trial", f"{t.study.nct_id}: might fit; {t.unknowns} criterion(s) "
                                     "to check with the study team"])
    return out


@functools.cache
def _knowledge() -> Knowledge:
    # Once per process: the loaders' own caches resolve file paths on every call (0.4 ms).
    return load_knowledge()


def _may_hold_diagnosis(line: bytes) -> bool:
    # A superset of the Patient and Condition lines: the derivation finds a diagnosis only in
    # Conditions, and checks them against the Patient. A line with a \u escape may spell its
    # resourceType that way, so it is kept too.
    return b'"Condition"' in line or b'"Patient"' in line or b"\\u" in line


def screen_patient(patient: str, lines: Iterable[str | bytes], ctx: ScreenContext) -> bytes:
    """One patient's record (JSON bytes, see the module docstring) from their export lines.

    The steps are those of :func:`allnav.interop.patient.assess_ndjson_lines` (the FHIR
    derivation, then :func:`~allnav.interop.patient.assess_patient`), with one short cut for
    the 97 % of a cancer center's patients who do not have ALL: the derivation first reads only
    their Patient and Condition lines, which decide whether there is an ALL diagnosis; without
    one the patient is counted and not assessed (a third of the time of reading every line)."""
    ordered = sorted(_as_bytes(line) for line in lines)
    try:
        subset = [line for line in ordered if _may_hold_diagnosis(line)]
        if len(subset) < len(ordered):
            _, found = facts_from_ndjson_lines(subset, ctx.as_of) if subset else (None, ())
            if not subset or any(p.type == "fhir_no_all_diagnosis" for p in found):
                return orjson.dumps({"patient": patient, "kind": "other-disease"})
        facts, warnings = facts_from_ndjson_lines(ordered, ctx.as_of)
    except InputError as e:
        return orjson.dumps({"patient": patient, "kind": "unreadable",
                             "problems": sorted({p.type for p in e.problems})})
    if any(p.type == "fhir_no_all_diagnosis" for p in warnings):
        return orjson.dumps({"patient": patient, "kind": "other-disease"})
    result = assess_patient(facts, warnings, ctx.as_of, _knowledge())
    worklist = _worklist(result, facts, has_goals_of_care_record(ordered), ctx.studies)
    return orjson.dumps({"patient": patient, "kind": "all",
                         "row": assessment_row(patient, result), "worklist": worklist})

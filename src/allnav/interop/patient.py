"""One patient's records in, every option and care alert out: the one path that ``allnav
assess`` and population screening (``allnav screen``) share, so their results agree by
construction.

The pathway and care rules are loaded once and cached by their loaders; a caller that
screens many patients may pass them in to skip even the cache look-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from allnav.assessment import Assessment
from allnav.care import CareAssessment, CareRules, assess_care, load_care_rules
from allnav.engine import assess
from allnav.facts import Facts
from allnav.interop.fhir import facts_from_ndjson_lines
from allnav.pathway import Pathway, load_pathway
from allnav.problems import Problem

__all__ = ["PatientResult", "assess_ndjson_lines", "assess_patient"]


class PatientResult(NamedTuple):
    """A patient's assessment (options, missing facts, issues) and care alerts."""

    assessment: Assessment
    care: CareAssessment


def assess_patient(facts: Facts, warnings: Sequence[Problem], as_of: dt.date,
                   pathway: Pathway | None = None, care_rules: CareRules | None = None,
                   ) -> PatientResult:
    """Every option of the pathway and the care alerts for ``facts`` on ``as_of``.

    ``warnings`` (from reading the records) are carried into the assessment's issues."""
    path = pathway if pathway is not None else load_pathway()
    result = assess(path, facts, as_of, warnings)
    rules = care_rules if care_rules is not None else load_care_rules()
    return PatientResult(result, assess_care(rules, facts, result.as_of))


def assess_ndjson_lines(lines: Iterable[str | bytes], as_of: dt.date,
                        pathway: Pathway | None = None, care_rules: CareRules | None = None,
                        ) -> tuple[PatientResult, Facts]:
    """One patient's bulk-data NDJSON lines through the FHIR derivation and
    :func:`assess_patient`: what ``allnav assess patient.ndjson`` does. Raises
    :class:`~allnav.problems.InputError` when the lines hold no resource, or more than one
    patient."""
    facts, warnings = facts_from_ndjson_lines(lines, as_of)
    return assess_patient(facts, warnings, as_of, pathway, care_rules), facts

"""One patient's records in, every option and care alert out: the FHIR side of
:func:`allnav.navigate.navigate`, which ``allnav assess`` and population screening
(``allnav screen``) share, so their results agree by construction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from allnav.facts import Facts
from allnav.interop.fhir import facts_from_ndjson_lines
from allnav.navigate import Knowledge, Navigation, load_knowledge, navigate
from allnav.problems import Problem

__all__ = ["PatientResult", "assess_ndjson_lines", "assess_patient"]

#: A patient's result (options, missing facts, issues, care alerts; odds on demand).
PatientResult = Navigation


def assess_patient(facts: Facts, warnings: Sequence[Problem], as_of: dt.date,
                   knowledge: Knowledge | None = None) -> Navigation:
    """:func:`~allnav.navigate.navigate` with the packaged knowledge unless given.

    ``warnings`` (from reading the records) are carried into the assessment's issues."""
    return navigate(knowledge if knowledge is not None else load_knowledge(), facts, as_of,
                    warnings)


def assess_ndjson_lines(lines: Iterable[str | bytes], as_of: dt.date,
                        knowledge: Knowledge | None = None) -> tuple[Navigation, Facts]:
    """One patient's bulk-data NDJSON lines through the FHIR derivation and
    :func:`assess_patient`: what ``allnav assess patient.ndjson`` does. Raises
    :class:`~allnav.problems.InputError` when the lines hold no resource, or more than one
    patient."""
    facts, warnings = facts_from_ndjson_lines(lines, as_of)
    return assess_patient(facts, warnings, as_of, knowledge), facts

"""What each engine does with a raw export line before grouping, said once in both dialects.

A line is *malformed* when it is not JSON, or not an object with a ``resourceType``; it is
*unattributed* when it is a resource about no single patient (a Medication, an Organization,
a subject that is a Group); otherwise its patient is the ``Patient`` resource's ``id``, or
the ``Patient/<id>`` at the end of its ``subject`` or ``patient`` reference (relative,
absolute or versioned). Blank lines are skipped.

The engines express the same rule in SQL (:data:`PATIENT_SQL`);
:func:`line_problem` is the rule in Python, used to find the file and line number of each
malformed line once an engine has counted them (only files with such lines are read again).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from allnav.interop.fastjson import loads

__all__ = ["PATIENT_REF", "PATIENT_SQL", "line_problem", "malformed_lines"]

#: A reference's patient id: the id after the last ``Patient/`` (an id is 1-64 of [A-Za-z0-9-.]),
#: optionally followed by ``/_history/<version>``.
PATIENT_REF = r"(^|/)Patient/([A-Za-z0-9.-]{1,64})(/_history/[^/]*)?$"

#: The patient id of a line in SQL, given columns ``rtype``, ``rid``, ``subj``, ``pat`` (the
#: resourceType, id, subject.reference and patient.reference). DuckDB and Spark SQL read it
#: alike: no backslash (which Spark's string literals would take as an escape).
PATIENT_SQL = (
    "CASE WHEN rtype = 'Patient' THEN nullif(regexp_extract(rid, '^([A-Za-z0-9.-]{1,64})$', 1), '') "
    f"ELSE coalesce(nullif(regexp_extract(subj, '{PATIENT_REF}', 2), ''), "
    f"nullif(regexp_extract(pat, '{PATIENT_REF}', 2), '')) END"
)


def line_problem(line: bytes) -> str | None:
    """Why a non-blank line cannot be screened (``None`` when it is a resource)."""
    try:
        res = loads(line)
    except (ValueError, UnicodeDecodeError):
        return "not valid JSON"
    if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
        return "not a FHIR resource (no resourceType)"
    return None


def _open(path: Path) -> BinaryIO:
    return cast(BinaryIO, gzip.open(path, "rb")) if path.name.endswith(".gz") else path.open("rb")


def malformed_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Line number (from 1) and reason of every malformed line of one export file."""
    with _open(path) as f:
        for n, line in enumerate(f, start=1):
            if line.strip() and (why := line_problem(line)) is not None:
                yield n, why

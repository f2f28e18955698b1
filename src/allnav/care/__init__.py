"""Care: symptom relief and safety alerts beside every treatment path.

``assess_care(rules, facts, as_of)`` turns a patient's symptoms and counts into
triage alerts (emergency now, same day, next visit), each with the values that
triggered it, plain words for the patient, a clinician line and its sources;
the MASCC score (for information only); specialist palliative care with every
treatment choice; and hospice information when the goal is comfort.

The numbers and words are data (``knowledge/care.yaml``), loaded once by
:func:`load_care_rules`. :mod:`allnav.care.triage` is pure: no clock, no I/O.
"""

from allnav.care.model import (
    LEVELS,
    Alert,
    CareAssessment,
    Guidance,
    Level,
    MasccItem,
    MasccResult,
    Trigger,
)
from allnav.care.rules import CareRules, Threshold, load_care_rules
from allnav.care.triage import assess_care, fever, neutropenia

__all__ = [
    "LEVELS",
    "Alert",
    "CareAssessment",
    "CareRules",
    "Guidance",
    "Level",
    "MasccItem",
    "MasccResult",
    "Threshold",
    "Trigger",
    "assess_care",
    "fever",
    "load_care_rules",
    "neutropenia",
]

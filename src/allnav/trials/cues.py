"""Cues in a normalised sentence that change how its criteria must be read.

Real eligibility sentences carry qualifiers that turn a plain reading wrong:
a limit that holds for one part of the study ("during the phase II portion"),
for one age band ("Karnofsky >= 50% for patients > 10 years of age"), for a lab
value by age ("creatinine <= 0.6 mg/dL (1-23 months of age)"), for the age at
diagnosis, a waiting period ("at least 4 months since prior stem cell
transplant": met when the transplant was never given), an upper limit on prior
lines, or the reference point of the study drug ("within 5 years before
blinatumomab treatment" is not prior blinatumomab). Each cue here either
rewrites the sentence before the detectors run, or says why a failed criterion
may not be a failure ("doubt"): a doubtful "not met" is shown as unknown, with
the sentence, for the study team. Pure: no I/O.
"""

from __future__ import annotations

import re

from allnav.trials.diagnoses import covers_all, names_all, other_diseases, other_group
from allnav.trials.model import TrialRequirement

_PART = re.compile(
    r"\b(?:phase\s+(?:i{1,3}|1|2|3|1b|2a|2b|ib|iia|iib)\b(?:\s+(?:portion|part|cohort|stage|"
    r"component))?|(?:dose[- ])?escalation\b|(?:dose[- ])?expansion\b|cohorts?\s+[a-z0-9]\b|"
    r"strat(?:um|a)\b|\barms?\s+[a-z0-9]\b|\bpart\s+[a-z0-9]\b|\bgroup\s+[a-z0-9]\b|"
    r"portion of (?:the|this) (?:study|trial)|\bmtd\b)")
_LAB = re.compile(
    r"creatinine|bilirubin|clearance|\bgfr\b|\balt\b|\bast\b|sgpt|sgot|transaminase|platelet|"
    r"neutrophil|\banc\b|hemoglobin|haemoglobin|albumin|amylase|lipase|mg/dl|\buln\b|"
    r"upper limit of normal|mmol|umol|µmol|ejection|shortening fraction|\bweight\b|\bkg\b")
_AT_DIAGNOSIS = re.compile(r"\b(?:at|when|time of)\s+(?:\w+\s+){0,2}diagnos|\bdiagnosed\b.{0,40}"
                           r"\b(?:age|years)\b|\bage\w* at (?:initial |original )?diagnosis")
_WAIT = re.compile(
    r"(?:>=|>|\bat least|\bminimum of|\bmore than)\s*\d+\s*(?:days?|weeks?|months?|years?|hours?|"
    r"hrs?)\s*(?:must have (?:elapsed|passed)\s*)?(?:have (?:elapsed|passed)\s*)?(?:since|after|"
    r"from|following|post|beyond)\b|\b\d+\s*(?:days?|weeks?|months?|years?)\s+(?:after|since|"
    r"from|post)\s+(?:the\s+)?(?:prior|previous|last|an?|their)?\s*\w*\s*(?:transplant|hsct|"
    r"sct|hct|bmt|car|infusion|therapy|treatment|chemotherapy|stem)|\b(?:are|is|be)\s+eligible\s+"
    r"\d+\s*(?:days?|weeks?|months?)\s+after\b|\b(?:off|from)\s+(?:\w+\s+){0,4}(?:>=|>)\s*\d+\s*"
    r"(?:days?|weeks?|hours?|hrs?|months?)|(?:>=|>)\s*\d+\s*(?:days?|weeks?|months?)\s+(?:from|off)")
_LINES_MAX = re.compile(
    r"(?:<=|\bat most|\bup to|\bmaximum of|<)\s*(\d+|one|two|three|four)\s+"
    r"(?!(?:days?|weeks?|months?|years?|hours?|hrs?|cycles? of)\b)(?:\w+\s+){0,3}?"
    r"(?:prior|previous|lines?|regimens?|attempts?|courses?|salvage|inductions?|therap)")
_CANDIDATE = re.compile(
    r"\b(?:candidates?|eligib\w*|suitable|fit)\s+(?:\w+\s+){0,2}for\s+(?:an?\s+)?(?:autologous|"
    r"allogeneic|allo|hsct|hct|sct|stem|transplant|bmt|bone marrow transplant)|\bavailable\s+"
    r"(?:\w+[- ])?(?:\w+\s+)?donor|\bdonor\s+(?:is\s+)?(?:available|identified)")
_PREVIOUS_STUDY = re.compile(r"\b(?:completed|enrolled|participated|treated)\s+(?:\w+\s+){0,3}"
                             r"(?:previous|prior|parent|earlier)\s+(?:\w+\s+){0,4}(?:study|trial|"
                             r"protocol)")
#: "before blinatumomab treatment", "prior to the first dose of study drug": a reference point.
_REFERENCE = re.compile(
    r"\b(?:before|prior to|of|preceding)\s+(?:the\s+)?(?:start\s+of\s+|first\s+dose\s+of\s+|"
    r"initiation\s+of\s+|beginning\s+)?(?:the\s+)?(?:blinatumomab|inotuzumab|study|protocol|"
    r"investigational|trial)\s*(?:\w+\s+)?(?:treatment|therapy|drugs?|dose|infusion|entry|"
    r"enrol\w*|registration|start)\b")
#: A lead-in that permits something under conditions.
PERMISSION = re.compile(r"\b(?:allowed|permitted|eligible|acceptable)\b")
_EXCEPTION = re.compile(r"\b(?:unless|except|excluding|with the exception)\b")
#: "(for patients > 10 years of age)", "for patients <= 16 years".
_AGE_GROUP = re.compile(
    r"\(?\b(?:for|in)\s+(?:patients|subjects|participants|those|children|adults)\s+(?:aged?\s+)?"
    r"(>=|<=|>|<)\s*(\d{1,2})\s*(?:years?|yrs?)(?:\s+of\s+age|\s+old)?\)?")
#: A trailing clause naming a group the sentence is limited to ("... for subjects with CNS
#: disease", "(for Ph+ patients)"): its words describe who, not what is required.
_FOR_GROUP = re.compile(
    r"\s\(?\b(?:for|in|among)\s+(?:(?:the|all)\s+)?(?:patients|subjects|participants|those|"
    r"children|adults)\s+(?:with|who|whose|receiving|treated|enrolled|in)\b(?P<a>[^()]{0,80}?)\)?"
    r"\s*[.;]?\s*$|\s\(?\b(?:for|in)\s+(?P<b>(?:\S+\s+){0,3}?\S+)\s+(?:patients|subjects|"
    r"participants)(?:\s+only)?\)?\s*[.;]?\s*$")
_ARM_WORDS = re.compile(r"\b(?:for|in)\s+(?:the\s+)?\w+(?:[- ]\w+)?\s+(?:arm|cohort|group|stratum|"
                        r"part|portion)\b")


def part_of_study(s: str) -> bool:
    """The sentence is limited to one part, arm, cohort or stratum of the study."""
    return bool(_PART.search(s) or _ARM_WORDS.search(s))


def lab_sentence(s: str) -> bool:
    """A sentence about lab values or organ function (its ages are bands, not limits)."""
    return bool(_LAB.search(s))


def at_diagnosis(s: str) -> bool:
    """An age limit at diagnosis, not now."""
    return bool(_AT_DIAGNOSIS.search(s))


def waiting_period(s: str) -> bool:
    """A time since a treatment ("at least 90 days since prior transplant")."""
    return bool(_WAIT.search(s))


def lines_limit(s: str) -> int | None:
    """An upper limit on prior lines or attempts ("no more than 3 prior courses")."""
    m = _LINES_MAX.search(s)
    if not m:
        return None
    word = m.group(1)
    n = {"one": 1, "two": 2, "three": 3, "four": 4}.get(word) or int(word)
    return n - 1 if s[m.start():m.start() + 1] == "<" and s[m.start():m.start() + 2] != "<=" else n


_LINES_OVER = re.compile(
    r"(?:>|>=|\bmore than)\s*(\d+|one|two|three|four)\s+(?!(?:days?|weeks?|months?|years?|hours?|"
    r"hrs?|cycles? of)\b)(?:\w+\s+){0,2}?(?:prior|previous|lines?|regimens?|salvage|"
    r"re-?inductions?)")


def lines_excluded(s: str) -> int | None:
    """In an exclusion, more than N prior lines ("> 2 prior salvage regimens"): at most N
    (or N - 1 for ">=")."""
    m = _LINES_OVER.search(s)
    if not m:
        return None
    word = m.group(1)
    n = {"one": 1, "two": 2, "three": 3, "four": 4}.get(word) or int(word)
    return n - 1 if s[m.start():m.start() + 2] == ">=" else n


def transplant_candidacy(s: str) -> bool:
    """Eligibility for a transplant now, or a donor's availability: not in the facts."""
    return bool(_CANDIDATE.search(s))


def previous_study(s: str) -> bool:
    """Open only to people who took part in an earlier study."""
    return bool(_PREVIOUS_STUDY.search(s))


def strip_reference(s: str) -> str:
    """The sentence without the study drug's own start ("before blinatumomab treatment")."""
    return _REFERENCE.sub(" before the study ", s)


def has_exception(s: str) -> bool:
    """The sentence carries an exception the facts cannot check."""
    return bool(_EXCEPTION.search(s))


def age_group(s: str) -> tuple[TrialRequirement | None, str, int]:
    """An age band the sentence is limited to, as a condition; the sentence without it; and
    how many such bands it names (more than one: the bands belong to different clauses)."""
    found = list(_AGE_GROUP.finditer(s))
    if not found:
        return None, s, 0
    m = found[0]
    req = TrialRequirement("age", f"{m.group(1)}{int(m.group(2))}")
    return req, (s[:m.start()] + s[m.end():]).strip(), len(found)


def group_clause(s: str) -> tuple[str | None, str]:
    """A trailing clause that limits the sentence to a group ("... (for Ph+ patients)"):
    the words naming the group, and the sentence without the clause; ``(None, s)`` when
    there is none. A clause at the start is left to the condition patterns."""
    m = _FOR_GROUP.search(s)
    if not m or m.start() <= 10:
        return None, s
    who = (m.group("a") if m.group("a") is not None else m.group("b") or "").strip()
    return who or "a group of patients", s[:m.start()]


def other_disease_only(s: str) -> bool:
    """The sentence is about another disease's patients ("Age > 60 years with AML",
    "Patients with acute promyelocytic leukemia must ...", "Solid tumors:")."""
    return bool(other_diseases(s)) and not covers_all(s)


def about_other_group(s: str) -> bool:
    """The sentence is limited to another disease's patients ("Age > 60 years with AML")."""
    return other_group(s)


def mixed_diseases(s: str) -> bool:
    """The sentence names ALL and other diseases together."""
    return names_all(s) and bool(other_diseases(s))

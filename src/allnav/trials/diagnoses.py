"""Which diseases a piece of eligibility text names, and whether ALL is among them.

Real studies of ALL often take several diseases ("1 of the following: AML ...;
ALL ...; CML ..."), and studies of other diseases list ALL among their MeSH
conditions. The reader needs to know, for a diagnosis item, whether it is the
ALL branch (its criteria apply), another disease's branch (its criteria do not
apply to an ALL patient), or a broad term that covers ALL ("acute leukemia",
"relapsed/refractory leukemias", "lymphoid malignancy"). Pure: no I/O.
"""

from __future__ import annotations

import re

_F = re.IGNORECASE
#: ALL itself, under its names and subtypes. "ALL" is matched in capitals only.
_ALL = re.compile(
    r"acute\s+lympho(?:blastic|cytic|id)\s+leuka?emi|lymphoblastic\s+(?:leuka?emi|lymphoma)|"
    r"precursor\s+(?:b|t)?[- ]?(?:cell\s+)?(?:acute\s+)?lymphoblastic|\b[bt][- ]?all\b|"
    r"\bb[- ]precursor\b|\bpre[- ]b\b|\bph\+?\s*all\b|\bbcp[- ]all\b|\bt[- ]?ll\b|\bt[- ]lbl\b",
    _F)
_ALL_CAPS = re.compile(r"(?<![\w-])ALL(?![\w-])")
#: Broad terms that take in ALL.
_COVERS = re.compile(
    r"\bacute\s+leuka?emi|\bleuka?emias\b|\bhematolog\w*\s+(?:malignan|cancer|neoplas|disease)|"
    r"\bhaematolog\w*\s+(?:malignan|cancer|neoplas)|\blymphoid\s+(?:malignan|neoplas)|"
    r"\bblood\s+cancer|(?<!myeloid )(?<!myelogenous )(?<!chronic )(?<!lymphocytic )"
    r"(?<!hairy cell )(?<!prolymphocytic )\bleuka?emia\b(?!\s*(?:cells?|blasts?))", _F)
#: Other diseases, each with the name it is shown under.
_OTHER: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(p, _F)) for name, p in (
        ("acute myeloid leukemia", r"\bacute\s+(?:myeloid|myelogenous|myeloblastic|non-?lymphoc"
         r"ytic|promyelocytic)|\bAML\b|\bAPL\b"),
        ("chronic myeloid leukemia", r"\bchronic\s+myel(?:oid|ogenous)|\bCML\b"),
        ("myelodysplastic syndrome", r"\bmyelodysplas|\bMDS\b|\bCMML\b|\bmyelomonocytic"),
        ("myeloproliferative neoplasm", r"\bmyeloproliferat|\bmyelofibrosis|\bMPD\b|\bMPN\b|"
         r"polycythemia|thrombocythemia"),
        ("chronic lymphocytic leukemia", r"\bchronic\s+lymphocytic|\bCLL\b|\bSLL\b|small\s+"
         r"lymphocytic|prolymphocytic|\bT-?PLL\b|hairy\s+cell"),
        ("lymphoma", r"(?<!lymphoblastic )(?<!lymphoblastic )\blymphomas?\b|\bNHL\b|\bhodgkin"
         r"|\bMCL\b|\bburkitt"),
        ("myeloma", r"\bmyeloma\b|plasma\s+cell"),
        ("solid tumor", r"\bsolid\s+tumou?rs?\b|\bcarcinoma|\bsarcoma|neuroblastoma|\bbrain\s+"
         r"tumou?r|\bglioma|\bmetasta"),
    ))
#: Word pieces one of which every other disease's name holds: most sentences hold none, and
#: this test is much cheaper than the patterns.
_OTHER_PIECES = ("leuk", "lymphom", "nhl", "hodgkin", "mcl", "burkitt", "aml", "apl", "cml",
                 "mds", "myel", "cll", "sll", "pll", "hairy", "plasma", "tumo", "carcinom",
                 "sarcom", "neuroblastom", "glioma", "metasta", "polycyth", "thrombocyth", "mpd",
                 "mpn")


def _maybe_other(text: str) -> bool:
    low = text.lower()
    return any(p in low for p in _OTHER_PIECES)


_OTHER_ANY = re.compile("|".join(f"(?:{p.pattern})" for _, p in _OTHER), _F)
_OTHER_CLEAN = re.compile(f"(?:{_OTHER_ANY.pattern})\\w*(?:\\s+leuka?emias?)?", _F)
_COVERS_CUE = re.compile(r"leuk|malignan|neoplas|cancer|hematolog|haematolog", _F)
_GROUP_BEFORE = re.compile(r"\b(?:with|for|in patients|in subjects)\b(?:\s+\S+){0,4}\s*$", _F)
#: A sentence that states a diagnosis ("Histologically confirmed ...", "Patients with ...").
_DIAGNOSIS_HEAD = re.compile(
    r"^(?:\W*(?:(?:histolog\w*|cytolog\w*|patholog\w*|histopatholog\w*|morpholog\w*|"
    r"immunophenotyp\w*)(?:ally)?\s*(?:(?:and|or|and/or)\s+\w+\s*)?(?:-?\s*confirmed|proven|"
    r"documented)?\s*:?\s*|(?:confirmed|documented|established|known)\s+|(?:a\s+)?diagnos\w+\s+"
    r"(?:of\s+)?(?:(?:1|one)\s+of\s+the\s+following:?\s*)?|(?:patients?|subjects?|participants?"
    r")\s+(?:must\s+)?(?:with|have|has|having)\s+(?:a\s+)?(?:(?:histolog|cytolog)\w*\s+"
    r"(?:confirmed\s+)?)?(?:diagnosis\s+of\s+)?|(?:must\s+)?have\s+|relapsed\s+(?:or|and|/)\s+"
    r"refractory\s+|relapsed\s*(?:or|and|/)\s*refractory\s+|relapsed\s+|refractory\s+|recurrent\s+|untreated\s+|previously\s+treated,?"
    r"\s+|active\s+|advanced\s+|known\s+hiv\s+infection\s+and\s+)*)", _F)


def names_all(text: str) -> bool:
    """The text names ALL (or one of its names or subtypes)."""
    return bool(_ALL_CAPS.search(text) or (_ALL_CUE.search(text) and _ALL.search(text)))


_ALL_CUE = re.compile(r"lympho|all\b|precursor|pre-?b|t-?l|lbl", _F)


def covers_all(text: str) -> bool:
    """The text names ALL, or a broad disease term that takes ALL in ("acute myeloid
    leukemia" is not "leukemia": other diseases' names are taken out first)."""
    if names_all(text):
        return True
    if not _COVERS_CUE.search(text):
        return False
    return bool(_COVERS.search(_OTHER_CLEAN.sub(" ", text) if _maybe_other(text) else text))


def other_group(text: str) -> bool:
    """Another disease named as the group a sentence is about ("Age > 60 years with AML",
    "for patients with solid tumors"), and ALL not named."""
    if not _maybe_other(text) or not _OTHER_ANY.search(text) or covers_all(text):
        return False
    return any(_GROUP_BEFORE.search(text[max(0, m.start() - 50):m.start()])
               for m in _OTHER_ANY.finditer(text))


def other_diseases(text: str) -> list[str]:
    """The other diseases the text names, in the order of the lexicon."""
    if not _maybe_other(text) or not _OTHER_ANY.search(text):
        return []
    cleaned = _ALL.sub(" ", text)
    return [name for name, p in _OTHER if p.search(cleaned)]


def diagnosis_head(text: str) -> str | None:
    """The disease named at the start of a diagnosis sentence ("Histologically confirmed
    solid tumor or lymphomas ..."), as the words that name it, or ``None`` when the
    sentence does not open with a diagnosis."""
    if _NEGATED.match(text):
        return None  # "No CNS solid tumors", "Patients should not have CNS lymphoma"
    rest = text[_DIAGNOSIS_HEAD.match(text).end():]  # type: ignore[union-attr]  # always matches
    head = _SPLIT.split(rest, maxsplit=1)[0].strip(" ,")
    if _STATEMENT.search(head):
        return None  # "Patients with lymphoma must have measurable disease": about a group
    if head and len(head.split()) <= 14 and (covers_all(head) or other_diseases(head)):
        return head
    # "Imatinib mesylate-resistant Philadelphia chromosome-positive (Ph+) acute lymphoblastic
    # leukemia (ALL), defined as ...": the disease a few words in, before any "with".
    clause = re.split(r"[,;:]|\b(?:defined|with|who|for|in|that)\b", rest, maxsplit=1)[0]
    words = clause.split()
    if 0 < len(words) <= 14 and names_all(" ".join(words)):
        return clause.strip()
    return None


_STATEMENT = re.compile(r"\b(?:must|should|may|will|can|cannot|need|needs|are|is|were|was|"
                        r"require[sd]?|eligible|allowed|permitted|excluded)\b", _F)
#: Words that say a sentence states the diagnosis the study takes.
DIAGNOSIS_CUE = re.compile(r"histolog|cytolog|patholog|confirmed|diagnos|documented|proven", _F)
_NEGATED = re.compile(r"^\W*(?:\w+\s+){0,3}?(?:no|not|without|never|none)\b", _F)
_SPLIT = re.compile(r"[.;:(\[]|\b(?:with|who|that|and (?:must|who)|defined|for whom|as follows|"
                    r"which|in (?:first|second|1st|2nd|complete|cr))\b", _F)

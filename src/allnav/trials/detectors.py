"""Detectors for the eligibility criteria that matter in relapsed/refractory ALL.

Each detector reads one normalised sentence (lower case, ``>=``/``<=`` for the
symbols and phrases, plain hyphens) and returns :class:`Hit` objects: where in
the sentence the criterion was found and what it asks of the patient, *as the
sentence is written* (``positive`` means "the sentence names CD19-positive
disease"). :mod:`allnav.trials.recognise` then turns the polarity around for
exclusion sentences and groups alternatives. Pure: no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

_FLAGS = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Hit:
    """A criterion found in a sentence: span, kind, and value as written.

    ``flip`` says how the value reads in an exclusion sentence: ``True`` for
    values that name a group of patients (``positive`` becomes ``negative``),
    ``False`` for values that already state what is required.
    """

    start: int
    end: int
    kind: str
    value: str
    flip: bool = True


_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "first": 1, "second": 2, "third": 3,
              "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}


@functools.cache
def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words))


def _has(s: str, words: tuple[str, ...]) -> bool:
    """A cheap test before the regular expressions: most sentences name none of the words."""
    return _words(words).search(s) is not None


def number_word(word: str) -> int:
    return _NUM_WORDS.get(word, 0) or int(re.sub(r"\D", "", word) or 0)


PERMIT = re.compile(
    r"\b(?:is|are|will be)\s+(?:also\s+)?(?:allowed|permitted|eligible|acceptable)\b|"
    r"\b(?:allowed|permitted)\b|\bmay have (?:received|had|been)\b|\bregardless of\b|"
    r"\bis not (?:required|an exclusion)\b|\bare not excluded\b|\bmay (?:participate|enroll)\b",
    _FLAGS)
RECENT = re.compile(
    r"\bwithin\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+|prior\s+)?\d+\s*(?:days?|weeks?|months?)|"
    r"(?:<|<=)\s*\d+\s*(?:days?|weeks?|months?)\b|"
    r"\bin the (?:last|past|previous)\s+\d+\s*(?:days?|weeks?|months?)|"
    r"\b\d+\s*(?:days?|weeks?|months?)\s+(?:prior to|before|of)\s+(?:enrol|start|first|study|"
    r"registration|randomi[sz]ation|treatment|screening|the first)", _FLAGS)
CONDITIONS = re.compile(
    r"\b(?:if|provided|as long as|only if|unless|must|should)\b|(?:>=|>)\s*\d+\s*(?:days?|weeks?|"
    r"months?)|\bday\s*\+?\d+|\b\d+\s*(?:days?|weeks?|months?)\s+(?:from|since|after)\b", _FLAGS)
PRIOR = re.compile(
    r"\b(?:prior|previous(?:ly)?|history of|received|receiving|receipt of|treated with|"
    r"treatment with|therapy with|exposure to|exposed to|failed|failure of|failure to|"
    r"refractory to|resistan\w* to|intoleran\w*|after|following|post|underwent|undergone|had|"
    r"naive|naïve)\b", _FLAGS)
FUTURE_HSCT = re.compile(
    r"\b(?:candidates?|eligible|planned|plan|plans|intend\w*|intent|bridg\w*|proceed\w*|suitable|"
    r"referr\w*|consolidat\w*)\s+(?:for|to|with)\s+(?:an?\s+)?(?:subsequent\s+)?(?:allo|hsct|hct|"
    r"sct|stem|transplant|bone)", _FLAGS)
GVHD = re.compile(r"\bgvhd\b|graft[- ]versus[- ]host", _FLAGS)

# --- disease setting -----------------------------------------------------------------------

_RR = re.compile(r"\b(?:relapsed?|recurrent)\s*(?:/|or|and/or|and or)\s*refractory\b|"
                 r"\brefractory\s*(?:/|or|and/or)\s*(?:relapsed?|recurrent)\b|\br/r\b", _FLAGS)
_AFTER_HSCT = re.compile(
    r"\b(?:relapsed?|recurrence|relapsing)\s+(?:at any time\s+)?(?:after|following|post)[- ]"
    r"?\s*(?:an?\s+)?(?:prior\s+)?(?:allo\w*|hsct|hct|sct|bmt|(?:hematopoietic\s+)?stem cell|"
    r"transplant\w*)", _FLAGS)
_NTH_RELAPSE = re.compile(
    r"(?:>=\s*)?\b(first|second|third|fourth|1st|2nd|3rd|4th)\s*(?:(or|and)\s+(?:greater|later|"
    r"subsequent|higher|more|beyond|further)\s+|\+\s*)?(?:bone marrow\s+|marrow\s+|morphologic\s+)?"
    r"relapse", _FLAGS)
_CR1 = re.compile(r"(?:first\s+)?(?:remission|cr1|cr)\b[^<>\d]{0,30}?(?:<|<=)\s*(\d{1,2})\s*months",
                  _FLAGS)
_PRIMARY_REF = re.compile(
    r"\bprimary(?:[- ]|\s+induction\s+)?(?:refractory|refractoriness|failure)\b|"
    r"\binduction failure\b|\bfailed to achieve (?:an?\s+)?(?:cr|complete remission)|"
    r"\bnot (?:achieved|achieving|attained) (?:an?\s+)?(?:cr|complete remission)", _FLAGS)
_LINES = re.compile(
    r"(?:>=|at least|a minimum of)\s*(\d|one|two|three|four)\s+(?:prior\s+|previous\s+|"
    r"lines? of\s+|standard\s+|salvage\s+)*(?:lines?|regimens?|therap(?:y|ies)|treatments?)\b|"
    r"\b(\d|two|three|four)\s+or more\s+(?:prior\s+|previous\s+)?(?:lines?|regimens?|"
    r"therap(?:y|ies)|treatments?)\b", _FLAGS)
_MRD = re.compile(r"\b(?:mrd|minimal residual disease|measurable residual disease)\s*(?:\(mrd\)\s*)?"
                  r"(?:-\s*)?(?:positiv\w*|\+|>=|detectable|persist\w*)", _FLAGS)
_RELAPSED = re.compile(r"\b(?:relapsed|recurrent|in relapse|at relapse|(?:first|any)\s+relapse"
                       r"|relapse of)\b", _FLAGS)
_REFRACTORY = re.compile(r"\brefractory\b(?!\s+to\s+(?:or\s+intolerant\s+)?(?:\w+\s+){0,3}"
                         r"(?:tki|tyrosine|imatinib|dasatinib|nilotinib|bosutinib|ponatinib))",
                         _FLAGS)
_REMISSION = re.compile(r"\bin (?:a\s+)?(?:complete |first |second |morphologic(?:al)? |"
                        r"hematologic(?:al)? )*(?:remission|cr[12]?)\b", _FLAGS)
_DISEASE_WORD = re.compile(r"\b(?:all|b-all|t-all|leuka?emia|lymphoblastic|disease|lymphoma|"
                           r"blasts?)\b", _FLAGS)


def detect_disease(s: str) -> list[Hit]:
    """Relapsed / refractory / n-th relapse / relapse after transplant / lines / MRD."""
    if not _has(s, ("relaps", "refract", "recurr", "r/r", "remission", "mrd", "residual",
                    "induction")) and not (_has(s, (">=", "or more")) and _has(
                        s, ("line", "regimen", "therap", "treatment"))):
        return []
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], value: str) -> None:
        hits.append(Hit(m.start(), m.end(), "disease", value, flip=False))
        taken.append((m.start(), m.end()))

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= a or m.start() >= b for a, b in taken)

    for m in _AFTER_HSCT.finditer(s):
        add(m, "after-hsct")
    for m in _NTH_RELAPSE.finditer(s):
        if not free(m):
            continue
        n = number_word(m.group(1).lower())
        if n == 1 and not m.group(2):
            cr1 = _CR1.search(s, m.end(), m.end() + 60)
            add(m, f"first-relapse-cr1<{cr1.group(1)}" if cr1 else "first-relapse")
        elif n > 1:
            add(m, f"relapse>={n}")
        else:
            add(m, "relapsed")
    for m in _PRIMARY_REF.finditer(s):
        if free(m):
            add(m, "primary-refractory")
    for m in _LINES.finditer(s):
        if free(m) and not re.search(r"\b(?:tki|tyrosine)", s[m.start():m.end() + 12], _FLAGS):
            add(m, f"lines>={number_word((m.group(1) or m.group(2)).lower())}")
    for m in _MRD.finditer(s):
        if free(m):
            add(m, "mrd-positive")
    for m in _RR.finditer(s):
        if free(m):
            hits.append(Hit(m.start(), m.end(), "disease", "relapsed", flip=False))
            hits.append(Hit(m.start(), m.end(), "disease", "refractory", flip=False))
            taken.append((m.start(), m.end()))
    for m in _REMISSION.finditer(s):
        if free(m):
            add(m, "remission")
    if _DISEASE_WORD.search(s):
        for m in _RELAPSED.finditer(s):
            if free(m):
                add(m, "relapsed")
        for m in _REFRACTORY.finditer(s):
            if free(m):
                add(m, "refractory")
    return hits


# --- markers ---------------------------------------------------------------------------------

_CD = re.compile(r"\bcd(19|22)\b", _FLAGS)
_CD_THERAPY = re.compile(r"^\s*[- ]?(?:directed|targeted|targeting|specific|car\b|chimeric|"
                         r"bispecific|x\s*cd3|/\s*cd3|antibod|monoclonal|adc)", _FLAGS)
_CD_NEG = re.compile(r"^\s*(?:\)\s*)?(?:-?\s*negativ\w*|-\s*neg\b|-(?=[\s,.;)]|$)|"
                     r"expression\s+(?:is\s+)?(?:absent|negative|lost))", _FLAGS)
_CD_POS = re.compile(r"^\s*(?:\)\s*)?(?:-?\s*positiv\w*|\+|-?\s*express\w*|expression|>=|>|"
                     r"detect\w*|on\s+(?:leuk|blast))", _FLAGS)
_CD_BEFORE_POS = re.compile(r"(?:express\w*|positiv\w* for|presence of)\s+(?:of\s+)?$", _FLAGS)
_CD_BEFORE_NEG = re.compile(r"(?:loss of|absence of|negative for|lack of)\s+$", _FLAGS)
_CD_PAIR = re.compile(r"\bcd(19|22)\s*(?:and/or|or|/|and)\s*cd(19|22)\b", _FLAGS)


def detect_markers(s: str) -> list[Hit]:
    """CD19 and CD22 expression, not CD19-directed therapy."""
    if not _has(s, ("cd19", "cd22")):
        return []
    hits: list[Hit] = []
    for m in _CD_PAIR.finditer(s):
        after = s[m.end():m.end() + 30]
        if _CD_THERAPY.match(after):
            continue
        value = "negative" if _CD_NEG.match(after) else "positive" if _CD_POS.match(after) else ""
        if value:
            joined_or = "or" in m.group(0).lower() or "/" in m.group(0)
            for g in (1, 2):
                hits.append(Hit(m.start(g) - 2, m.end(g), f"cd{m.group(g)}", value,
                                flip=True))
            if not joined_or:
                # "CD19 and CD22 positive": both required, mark them apart for grouping.
                hits[-1] = Hit(m.end() - 4, m.end(), hits[-1].kind, value)
    for m in _CD.finditer(s):
        if any(h.start <= m.start() < h.end for h in hits):
            continue
        after, before = s[m.end():m.end() + 30], s[max(0, m.start() - 25):m.start()]
        if _CD_THERAPY.match(after) or re.search(r"anti-?\s*$", before, _FLAGS):
            continue
        if _CD_NEG.match(after) or _CD_BEFORE_NEG.search(before):
            hits.append(Hit(m.start(), m.end() + 3, f"cd{m.group(1)}", "negative"))
        elif _CD_POS.match(after) or _CD_BEFORE_POS.search(before):
            hits.append(Hit(m.start(), m.end() + 3, f"cd{m.group(1)}", "positive"))
    return hits


_PH_NEG = re.compile(r"\bph(?:iladelphia)?(?:[- ]chromosome)?(?:\s*\(ph\))?\s*[- ]?\s*negative\b|"
                     r"\bph\s*-(?=[\s,.;)/]|$)|\bbcr[:\- ]*abl1?\s*[- ]?negative\b", _FLAGS)
_PH_POS = re.compile(r"\bph(?:iladelphia)?(?:[- ]chromosome)?(?:\s*\(ph\+?\))?\s*[- ]?\s*"
                     r"positive\b|\bph\s*\+|\bbcr[:\- ]*abl1?\s*(?:[- ]?positive\b|\+|fusion|"
                     r"transcript|rearrange)|\bt\(9;22\)", _FLAGS)
_PH_LIKE = re.compile(r"\bph(?:iladelphia)?[- ]like\b", _FLAGS)


def detect_ph(s: str) -> list[Hit]:
    """Philadelphia chromosome / BCR::ABL1 status; "Ph+ or Ph-" names no requirement."""
    if not _has(s, ("ph", "bcr", "9;22")):
        return []
    pos = [m for m in _PH_POS.finditer(s) if not _PH_LIKE.match(s, m.start())]
    neg = [m for m in _PH_NEG.finditer(s) if not _PH_LIKE.match(s, m.start())]
    if pos and neg:
        return []
    return [Hit(m.start(), m.end(), "ph", "positive" if pos else "negative") for m in pos or neg][:1]


_T315I = re.compile(r"\bt315i\b", _FLAGS)
_T315I_NOT = re.compile(r"(?:without|no|absence of|negative for|other than|except|excluding|"
                        r"non-)\s*(?:a\s+|an\s+|the\s+|known\s+|abl1?\s+|bcr[:\- ]*abl1?\s+)*"
                        r"(?:kinase domain\s+)?$", _FLAGS)


def detect_t315i(s: str) -> list[Hit]:
    """The ABL1 T315I gatekeeper mutation; "other than T315I" names no requirement."""
    if not _has(s, ("t315i",)):
        return []
    out: list[Hit] = []
    for m in _T315I.finditer(s):
        before = s[max(0, m.start() - 40):m.start()]
        if re.search(r"(?:other than|except|excluding)\s+(?:\w+\s+)?$", before, _FLAGS):
            continue
        value = "absent" if _T315I_NOT.search(before) else "present"
        out.append(Hit(m.start(), m.end(), "t315i", value))
    return out[:1]


_B = re.compile(r"\bb[- ]?(?:cell\s+)?(?:precursor\s+|lineage\s+|progenitor\s+)?(?:all|acute "
                r"lymphoblastic|lymphoblastic)\b|\bbcp[- ]?all\b|\bpre-?b[- ]?(?:cell\s+)?(?:all|"
                r"acute)\b|\bprecursor b[- ]cell\b|\bb[- ]cell precursor\b|\bb[- ]lineage\b|"
                # "pre-B-cell or T-cell ALL", "B- or T-cell ALL": B named beside T.
                r"\bpre-?b[- ]cell\b|\bb(?:[- ]cell)?-?\s*(?:or|and|and/or|/)\s*t[- ]cell\b",
                _FLAGS)
_T = re.compile(r"\bt-all\b|\bt-lbl\b|\bt[- ]cell\s+all\b|\bt[- ](?:cell\s+)?(?:lineage\s+)?(?:acute lymphoblastic|"
                r"lymphoblastic)\b|\bearly t[- ]cell precursor\b|\betp[- ]all\b|\bt[- ]lineage\b",
                _FLAGS)


def detect_lineage(s: str) -> list[Hit]:
    """B- or T-lineage ALL; a sentence naming both asks for neither."""
    if not _has(s, ("all", "lymphoblastic", "lineage", "precursor", "etp", "lbl", "pre-b")):
        return []
    b, t = _B.search(s), _T.search(s)
    if b and t:
        return []
    if b:
        return [Hit(b.start(), b.end(), "lineage", "B")]
    if t:
        return [Hit(t.start(), t.end(), "lineage", "T")]
    return []


_KMT2A = re.compile(r"\b(?:kmt2a|mll|11q23)\b(?:[- ]?(?:r\b|gene\s+)?(?:rearrange\w*|fusion|"
                    r"translocation|rearranged|r\b))|\bkmt2ar\b|\bmllr\b|\b(?:kmt2a|mll)\s*"
                    r"\((?:kmt2a|mll)\)\s*[- ]?rearrange\w*|rearrange\w* (?:of|in|involving) "
                    r"(?:the\s+)?(?:kmt2a|mll)\b", _FLAGS)


def detect_kmt2a(s: str) -> list[Hit]:
    """KMT2A (MLL) rearrangement, not the partial tandem duplication."""
    if not _has(s, ("kmt2a", "mll", "11q23")):
        return []
    m = _KMT2A.search(s)
    if not m or re.search(r"partial tandem|\bptd\b", s, _FLAGS):
        return []
    before = s[max(0, m.start() - 20):m.start()]
    value = "not-rearranged" if re.search(r"(?:without|no|non-?)\s*$", before, _FLAGS) \
        else "rearranged"
    return [Hit(m.start(), m.end(), "kmt2a", value)]


# --- CNS and fitness -------------------------------------------------------------------------

_CNS = re.compile(r"\bcns[- ]?3\b|\b(?:active|symptomatic|clinically active|overt|current)\s+"
                  r"(?:cns|central nervous system)\b|\b(?:cns|central nervous system)\s+"
                  r"(?:involvement|disease|leuk\w*|relapse|infiltration|positiv\w*|status 3)|"
                  r"\bleptomeningeal\b", _FLAGS)


def detect_cns(s: str) -> list[Hit]:
    """Active CNS leukaemia (CNS-3) as an exclusion. Allowed CNS-1/CNS-2 names nothing."""
    if not _has(s, ("cns", "central nervous", "leptomening")):
        return []
    m = _CNS.search(s)
    if not m:
        return []
    strong = re.search(r"cns[- ]?3|\bactive\b|symptomatic", s, _FLAGS)
    if PERMIT.search(s) and not strong:
        return []
    # Written as the group to keep out: "active CNS disease" is excluded.
    return [Hit(m.start(), m.end(), "cns", "active")]


_ECOG = re.compile(r"\becog\b|eastern cooperative oncology group|\bzubrod\b|who performance",
                   _FLAGS)
_KPS = re.compile(r"\bkarnofsky\b|\bkps\b", _FLAGS)


def _ecog_max(tail: str, exclusion: bool) -> int | None:
    if m := re.match(r"[^<>\d]{0,45}?(<=|<)\s*([0-4])\b", tail):
        return int(m.group(2)) - (1 if m.group(1) == "<" else 0)
    if m := re.match(r"[^<>\d]{0,45}?(>=|>)\s*([0-4])\b", tail):
        return int(m.group(2)) - (1 if m.group(1) == ">=" else 0)
    if m := re.match(r"[^<>\d]{0,45}?\b([0-4])\s*(?:-|to)\s*([0-4])\b", tail):
        lo, hi = int(m.group(1)), int(m.group(2))
        return lo - 1 if exclusion else hi
    if m := re.match(r"[^<>\d]{0,45}?\b([0-4])((?:\s*,\s*[0-4])*)\s*,?\s*(?:or|and)\s*([0-4])\b",
                     tail):
        return int(m.group(1)) - 1 if exclusion else int(m.group(3))
    if m := re.match(r"[^<>\d]{0,45}?\b([0-4])\b", tail):
        return int(m.group(1)) - 1 if exclusion else int(m.group(1))
    return None


def detect_performance(s: str, exclusion: bool) -> list[Hit]:
    """ECOG (maximum allowed) and Karnofsky (minimum), already as requirements."""
    if not _has(s, ("ecog", "eastern", "zubrod", "who perf", "karnofsky", "kps")):
        return []
    out: list[Hit] = []
    if (e := _ECOG.search(s)) and (top := _ecog_max(s[e.end():e.end() + 70], exclusion)) is not None \
            and top >= 0:
        out.append(Hit(e.start(), e.end(), "ecog", f"<={top}", flip=False))
    if k := _KPS.search(s):
        tail = s[k.end():k.end() + 80]
        # The first score that is not an age ("Karnofsky (age >= 16 years) >= 50").
        m = next((x for x in re.finditer(r"(>=|>|<=|<)?\s*\b(\d{2,3})\b\s*%?(?!\s*(?:years?|yrs?))",
                                         tail) if not re.search(r"age\s*$", tail[:x.start()])),
                 None)
        if m:
            n, op = int(m.group(2)), m.group(1) or ">="
            low = n if op == ">=" else n + 10 if op == ">" else n if op == "<" else n + 10
            if op in ("<", "<=") and not exclusion:
                low = -1
            if 0 < low <= 100:
                out.append(Hit(k.start(), k.end(), "karnofsky", f">={low}", flip=False))
    return out


_AGE_CUE = re.compile(r"\bage[ds]?\b|\byears? (?:of age|old)\b|\byears? or (?:older|above)|"
                      r"\byears? and (?:older|above)|\bpatients? >=|\badults? >=", _FLAGS)
_AGE_SKIP = re.compile(r"karnofsky|lansky|\bkps\b|\becog\b|\bweigh|\bbsa\b|\bdiagnos\w* (?:at|before)"
                       r"|\bat (?:initial )?diagnosis", _FLAGS)
_AGE_OP = re.compile(r"(>=|<=|>|<)\s*(\d{1,3})\s*(?:years?|yrs?|y)\b", _FLAGS)
_AGE_WORD = re.compile(r"\bage[ds]?\s*(?:of\s*)?(?:must be\s*)?(?:is\s*)?(>=|<=|>|<)\s*(\d{1,3})\b",
                       _FLAGS)
_AGE_RANGE = re.compile(r"\b(\d{1,3})\s*(?:-|to)\s*(\d{1,3})\s*(?:years?|yrs?)\b|\bbetween\s+"
                        r"(?:the\s+ages?\s+of\s+)?(\d{1,3})\s+and\s+(\d{1,3})\s*(?:years?|yrs?)?",
                        _FLAGS)
_AGE_OLDER = re.compile(r"\b(\d{1,3})\s*(?:years?|yrs?)\s*(?:of age\s*|old\s*)?(?:or|and)\s*"
                        r"(older|above|over|more|greater|younger|less|under|below)\b|\bage[ds]?\s+"
                        r"(\d{1,3})\s+(?:and|or)\s+(older|above|over|younger|under|below)\b", _FLAGS)


def detect_age(s: str) -> list[Hit]:
    """Age limits in whole years written in the text (the structured ages are separate)."""
    if not _AGE_CUE.search(s) or _AGE_SKIP.search(s):
        return []
    if m := _AGE_RANGE.search(s):
        lo, hi = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return [Hit(m.start(), m.end(), "age", f">={int(lo)}"),
                Hit(m.start(), m.end(), "age", f"<={int(hi)}")]
    out: list[Hit] = []
    for m in list(_AGE_WORD.finditer(s)) + list(_AGE_OP.finditer(s)):
        if not any(h.start <= m.start() < h.end or m.start() <= h.start < m.end() for h in out):
            out.append(Hit(m.start(), m.end(), "age", f"{m.group(1)}{int(m.group(2))}"))
    for m in _AGE_OLDER.finditer(s):
        n, word = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        op = ">=" if word.lower() in ("older", "above", "over", "more", "greater") else "<="
        if not any(h.start <= m.start() < h.end for h in out):
            out.append(Hit(m.start(), m.end(), "age", f"{op}{int(n)}"))
    return out


#: Every detector that does not depend on the section, in the order they run.
DETECTORS: tuple[Callable[[str], list[Hit]], ...] = (
    detect_disease, detect_markers, detect_ph, detect_t315i, detect_lineage, detect_kmt2a,
    detect_cns, detect_age,
)

"""Detectors for earlier treatment: blinatumomab, inotuzumab, CAR-T, allogeneic
transplant, TKIs (ponatinib apart), nelarabine and menin inhibitors.

A hit's value says how the sentence speaks of the treatment: ``had`` (prior
treatment named), ``had>=N`` (a number of TKIs), ``had-recent`` (only within a
time window, e.g. "within 90 days") or ``conditional`` (allowed, but only under
conditions). :mod:`allnav.trials.recognise` turns it into a requirement for the
section (exclusion ``had`` means ``none``). Pure: no I/O.
"""

from __future__ import annotations

import re

from allnav.trials.detectors import (
    CONDITIONS,
    FUTURE_HSCT,
    GVHD,
    PERMIT,
    PRIOR,
    RECENT,
    Hit,
    _has,
    number_word,
)

_F = re.IGNORECASE
#: Words one of which every treatment pattern below contains (a cheap test first).
_WORDS = ("blinat", "blincyto", "cd3", "bispecific", "inotuz", "besponsa", "car", "chimeric",
          "tisagen", "brexu", "obecab", "axicab", "kymriah", "tecartus", "aucatzyl", "allo",
          "transplant", "hsct", "hct", "sct", "stem", "marrow", "ponatinib", "iclusig",
          "nelarabine", "arranon", "atriance", "menin", "revumenib", "ziftomenib", "bleximenib",
          "enzomenib", "sndx", "ko-539", "tki", "tyrosine", "abl", "inib", "cd19", "cd22")
_HSCT = (r"allogeneic\s+(?:hematopoietic\s+|haematopoietic\s+|peripheral blood\s+)?(?:stem[- ]cell"
         r"\s+|hematopoietic cell\s+|bone marrow\s+|cell\s+)?(?:transplant\w*|hsct|sct|hct|bmt)|"
         r"\ballo[- ]?(?:hsct|hct|sct|bmt|transplant\w*|geneic)\b|\ballogeneic\b|\b(?:hsct|hct|"
         r"allo-sct)\b|(?:hematopoietic\s+|haematopoietic\s+)?stem[- ]cell transplant\w*|"
         r"bone marrow transplant\w*|hematopoietic cell transplant\w*")

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("prior_blinatumomab", re.compile(r"\bblinatumomab\b|\bblincyto\b|\bcd3\s*[x/]\s*cd19\b|"
                                      r"\bcd19\s*[x/]\s*cd3\b|bispecific t[- ]cell engager", _F)),
    ("prior_inotuzumab", re.compile(r"\binotuzumab(?:\s+ozogamicin)?\b|\bbesponsa\b", _F)),
    ("prior_car_t", re.compile(r"\bcar[- ]?t\b|chimeric antigen receptor|tisagenlecleucel|"
                               r"brexucabtagene|obecabtagene|axicabtagene|\bkymriah\b|"
                               r"\btecartus\b|\baucatzyl\b|\bcar[- ](?:t[- ])?cells?\b", _F)),
    ("prior_allo_hsct", re.compile(_HSCT, _F)),
    ("prior_ponatinib", re.compile(r"\bponatinib\b|\biclusig\b", _F)),
    ("prior_nelarabine", re.compile(r"\bnelarabine\b|\barranon\b|\batriance\b", _F)),
    ("prior_menin", re.compile(r"\bmenin(?:[- ]kmt2a)?\s+inhibit\w*|\brevumenib\b|\bziftomenib\b|"
                               r"\bbleximenib\b|\benzomenib\b|\bsndx-5613\b|\bko-539\b", _F)),
)
_TKI_GENERIC = re.compile(r"tyrosine kinase inhibitors?|\btkis?\b|\babl1?\s+(?:kinase\s+)?"
                          r"inhibitors?", _F)
_TKI_NAMES = re.compile(r"\b(?:imatinib|dasatinib|nilotinib|bosutinib|asciminib|olverembatinib|"
                        r"flumatinib)\b", _F)
_TKI_COUNT = re.compile(r"(?:>=|at least)\s*(\d|one|two|three)\s+(?:prior\s+|previous\s+|different"
                        r"\s+|approved\s+|second[- ]generation\s+)*(?:tkis?|tyrosine|abl)|\b(\d|two|"
                        r"three)\s+or more\s+(?:prior\s+)?(?:tkis?|tyrosine)", _F)
_CD19_DIRECTED = re.compile(r"(?:anti-?\s*cd19|cd19[- ](?:directed|targeted|targeting|specific))"
                            r"(?!\s+car)", _F)
_CD22_DIRECTED = re.compile(r"(?:anti-?\s*cd22|cd22[- ](?:directed|targeted|targeting|specific))"
                            r"(?!\s+car)", _F)
_FAILED_ON = re.compile(r"\b(?:refractory|resistan\w*|progress\w*|no response|not respond\w*)\s+"
                        r"(?:to|on|during|after|with)\s+(?:the\s+)?(?:prior\s+|previous\s+)?", _F)
_IRRELEVANT = re.compile(r"hypersensitiv\w*|allerg\w*|contraindicat\w*|concurrent\w*|concomitant"
                         r"|\bdonor\b|\bautologous\b(?!.*\ballo)", _F)


def _value(s: str, inclusion: bool) -> str | None:
    """How the sentence speaks of the treatment it names, or ``None`` if not as a prior one."""
    if not inclusion and _FAILED_ON.search(s):
        return "conditional"  # excluded only if it failed: earlier use alone is not enough
    if PERMIT.search(s):
        return "conditional" if CONDITIONS.search(s) or RECENT.search(s) else None
    if RECENT.search(s):
        return "had-recent"
    if PRIOR.search(s) or not inclusion:
        return "had"
    return None


def detect_therapies(s: str, inclusion: bool) -> list[Hit]:
    """Earlier treatments named as prior therapy (not allergies, donors or future plans)."""
    if not _has(s, _WORDS) or _IRRELEVANT.search(s):
        return []
    value = _value(s, inclusion)
    if value is None:
        return []
    hits: list[Hit] = []
    seen: set[str] = set()

    def add(m: re.Match[str], kind: str, v: str = value) -> None:
        if kind not in seen:
            seen.add(kind)
            hits.append(Hit(m.start(), m.end(), kind, v))

    for m in _CD19_DIRECTED.finditer(s):
        add(m, "prior_blinatumomab")
        add(m, "prior_car_t")
    for m in _CD22_DIRECTED.finditer(s):
        add(m, "prior_inotuzumab")
    generic = _TKI_GENERIC.search(s)
    for kind, pattern in _KINDS:
        for m in pattern.finditer(s):
            if kind == "prior_allo_hsct" and (FUTURE_HSCT.search(s) or
                                              (GVHD.search(s) and value == "had")):
                # A planned transplant or active GVHD is not a prior-transplant criterion;
                # GVHD after a transplant means "if you had one, conditions apply".
                if GVHD.search(s) and not FUTURE_HSCT.search(s):
                    add(m, kind, "conditional")
                continue
            if kind == "prior_ponatinib" and generic:
                continue  # named as one example of the TKIs the sentence is about
            add(m, kind)
    # A named TKI in an exclusion ("prior asciminib") is not "any TKI": only generic words
    # or a list of failed TKIs in an inclusion count.
    tki = generic or (_TKI_NAMES.search(s) if inclusion else None)
    if tki:
        count = _TKI_COUNT.search(s)
        n = number_word((count.group(1) or count.group(2)).lower()) if count else 1
        add(tki, "prior_tki", f"had>={n}" if value == "had" and n > 1 else value)
    return sorted(hits, key=lambda h: h.start)

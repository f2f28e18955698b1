"""Turn eligibility text into :class:`~allnav.trials.model.Criterion` objects.

For every sentence: normalise it, split off a condition ("patients with Ph+
ALL must ..."), run the detectors, turn what the sentence names into what the
patient must satisfy (an exclusion of "prior CAR-T" is the requirement "no
prior CAR-T"; an inclusion sentence that starts with "No" is read the same
way), and join alternatives written with "or" ("ECOG 0-2 or Karnofsky >= 60").
Recognising runs once, at import; matching only evaluates. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from allnav.trials.detectors import CONDITIONS, DETECTORS, PERMIT, Hit, detect_performance
from allnav.trials.model import EligibilitySection, TrialCriterion, TrialRequirement
from allnav.trials.text import EligibilitySentence, split_eligibility
from allnav.trials.therapies import detect_therapies

#: Every criterion kind the recogniser knows, for documentation and validation.
KINDS: tuple[str, ...] = (
    "disease", "cd19", "cd22", "ph", "t315i", "lineage", "kmt2a", "cns", "ecog", "karnofsky",
    "age", "prior_blinatumomab", "prior_inotuzumab", "prior_car_t", "prior_allo_hsct",
    "prior_tki", "prior_ponatinib", "prior_nelarabine", "prior_menin",
)

_SYMBOLS = str.maketrans({"≥": ">=", "≤": "<=", "⩾": ">=", "⩽": "<=", "–": "-", "—": "-",
                          "‐": "-", "‑": "-", "−": "-", "×": "x", "ï": "i", "’": "'",
                          "\u00a0": " "})
_EITHER_HSCT = re.compile(r"\b(?:autologous\s+(?:and/or|or|and)\s+allogeneic|allogeneic\s+"
                          r"(?:and/or|or|and)\s+autologous)\b")
_PHRASE_WORDS = re.compile(r"than|least|minimum|maximum")
_PHRASES = (
    (re.compile(r"\b(?:greater than or equal to|more than or equal to|at least|no less than|not "
                r"less than|a minimum of)\b"), ">="),
    (re.compile(r"\b(?:less than or equal to|no more than|not more than|not greater than|a "
                r"maximum of)\b"), "<="),
    (re.compile(r"\b(?:greater than|more than|older than)\b(?=\s*\d)"), ">"),
    (re.compile(r"\b(?:less than|younger than|fewer than)\b(?=\s*\d)"), "<"),
)
_NEGATED = re.compile(
    r"^(?:no|not|without|none|never)\b|\b(?:must|should|may|will|shall) not (?:have|be|"
    r"receive)\b|\b(?:has|have|had) not (?:received|had|been|undergone)\b|\b(?:is|are) "
    r"(?:not eligible|ineligible|excluded)\b|\bnot (?:be )?(?:previously )?(?:received|"
    r"treated)\b|\bnaive to\b|-naive\b|\bnaive\b")
_COND = (
    re.compile(r"^(?:for|in)\s+(?:patients|subjects|participants|those)?\s*(?:with|who have|who "
               r"had|who received)?\s*(?P<c>.{2,80}?)\s*[:,]\s+(?P<r>.+)$"),
    re.compile(r"^(?:patients|subjects|participants|those|adults)\s+(?:with|who have received|who "
               r"have|who had|who received|who are)\s+(?P<c>.{2,80}?)\s*,?\s*(?P<r>(?:must|"
               r"should|need|needs|are required|is required|will need|require|are eligible|are "
               r"allowed|may|who)\b.*)$"),
    re.compile(r"^(?P<c>.{2,50}?)\s+(?:patients|subjects|participants)(?:\s+only)?\s*[:,]?\s*"
               r"(?P<r>(?:must|should|need|are required|will need|require)\b.*)$"),
    re.compile(r"^if\s+(?P<c>.{2,80}?),\s*(?P<r>.+)$"),
    # "Ph positive ALL eligible if failed prior TKI therapy": a permission for a group.
    re.compile(r"^(?P<c>.{2,80}?)\s+(?:are|is)?\s*(?:also\s+)?eligible\s+(?:only\s+)?(?:if|"
               r"provided|when)\s+(?:they\s+)?(?:have\s+)?(?P<r>.+)$"),
)
_COND_KINDS = frozenset({"ph", "lineage", "kmt2a", "cd19", "cd22", "t315i", "prior_blinatumomab",
                         "prior_inotuzumab", "prior_car_t", "prior_allo_hsct", "prior_tki",
                         "prior_ponatinib", "prior_nelarabine", "prior_menin"})
_OPPOSITE = {"positive": "negative", "negative": "positive", "present": "absent",
             "absent": "present", "B": "T", "T": "B", "rearranged": "not-rearranged",
             "not-rearranged": "rearranged", "active": "no-active"}
_AGE_FLIP = {">=": "<", ">": "<=", "<=": ">", "<": ">="}
_FAMILY = {"disease": "disease", "ecog": "fitness", "karnofsky": "fitness", "prior_tki": "tki",
           "t315i": "tki", "prior_ponatinib": "tki", "cd19": "antigen", "cd22": "antigen",
           "prior_blinatumomab": "prior", "prior_inotuzumab": "prior", "prior_car_t": "prior",
           "ph": "ph", "lineage": "lineage"}
# Alternatives that cover every value say nothing ("Ph+ or Ph- ALL").
_COVERING = {"ph", "lineage", "cd19", "cd22", "t315i", "kmt2a"}


def normalise(sentence: str) -> str:
    """Lower case, plain hyphens, and ``>=``/``<=`` for symbols and phrases."""
    s = sentence.translate(_SYMBOLS).replace("=>", ">=").replace("=<", "<=")
    s = " ".join(s.lower().split()).replace("tyrosinekinase", "tyrosine kinase")
    # An exclusion of "autologous or allogeneic" transplant excludes an allogeneic one.
    s = _EITHER_HSCT.sub("allogeneic", s)
    if _PHRASE_WORDS.search(s):  # every phrase below contains one of these words
        for pattern, new in _PHRASES:
            s = pattern.sub(new, s)
    return s


def _hits(s: str, exclusion: bool) -> list[Hit]:
    found: list[Hit] = []
    for detect in DETECTORS:
        found += detect(s)
    found += detect_performance(s, exclusion)
    after = [h for h in found if h.value == "after-hsct"]
    # "Relapse after allogeneic HSCT" is a disease setting, not a separate transplant criterion.
    found += [h for h in detect_therapies(s, not exclusion)
              if not any(a.start <= h.start < a.end for a in after)]
    if after and PERMIT.search(s):
        # "Patients who relapsed after HSCT are eligible if ..." permits, under conditions.
        found = [h for h in found if h.value != "after-hsct"]
        if CONDITIONS.search(s):
            found.append(Hit(after[0].start, after[0].end, "prior_allo_hsct", "conditional"))
    return sorted(found, key=lambda h: (h.start, h.end))


def _requirement(hit: Hit, as_exclusion: bool) -> TrialRequirement | None:
    """What the patient must satisfy, given how the sentence names it."""
    kind, value = hit.kind, hit.value
    if kind.startswith("prior_"):
        if as_exclusion:
            value = {"had": "none", "had-recent": "none-recent"}.get(value, value)
            value = "none" if value.startswith("had>=") else value
        else:
            value = value.replace("had>=", ">=") if value.startswith("had>=") else \
                {"had": "required", "had-recent": "required"}.get(value, value)
        return TrialRequirement(kind, value)
    if kind == "disease":
        return None if as_exclusion else TrialRequirement(kind, value)
    if kind == "cns":
        return TrialRequirement(kind, "no-active") if as_exclusion else None
    if not hit.flip or not as_exclusion:
        return TrialRequirement(kind, value)
    if kind == "age":
        op = value.rstrip("0123456789")
        return TrialRequirement(kind, _AGE_FLIP[op] + value[len(op):])
    return TrialRequirement(kind, _OPPOSITE.get(value, value))


def _joiner(s: str, a: Hit, b: Hit) -> str:
    if b.start < a.end:
        return "or" if a.kind == b.kind == "disease" else "adjacent"
    between = s[a.end:b.start]
    if re.search(r"\band\b(?!\s*/)", between) and "and/or" not in between:
        return "and"
    if re.search(r"\bor\b", between):
        return "or"
    if re.search(r"[,/;]", between):
        return "comma"
    return "adjacent" if not between.strip() else "other"


def _groups(s: str, hits: list[Hit], exclusion: bool) -> list[list[Hit]]:
    """Hits in runs that the sentence joins with "or" (only in inclusion sentences)."""
    groups: list[list[Hit]] = []
    joiners: list[list[str]] = []
    for h in hits:
        if groups and not exclusion:
            prev = groups[-1][-1]
            j = _joiner(s, prev, h)
            fam = _FAMILY.get(h.kind)
            same = fam is not None and fam == _FAMILY.get(prev.kind)
            if same and (j in ("or", "comma") or (j == "adjacent" and fam == "disease")):
                groups[-1].append(h)
                joiners[-1].append(j)
                continue
        groups.append([h])
        joiners.append([])
    out: list[list[Hit]] = []
    for group, js in zip(groups, joiners, strict=True):
        if len(group) > 1 and "or" not in js and group[0].kind != "disease":
            out += [[h] for h in group]  # "A, B" or "A and B": each one is required
        else:
            out.append(group)
    return out


def _criteria(section: EligibilitySection, sentence: str, s: str, when: TrialRequirement | None,
              body: str | None = None) -> list[TrialCriterion]:
    # Negation is read on the bullet itself, not on the lead-in it sits under.
    as_exclusion = section == "exclusion" or bool(_NEGATED.search(s if body is None else body))
    exclusion = section == "exclusion"
    out: list[TrialCriterion] = []
    for group in _groups(s, _hits(s, exclusion), exclusion):
        reqs: list[TrialRequirement] = []
        for h in group:
            r = _requirement(h, as_exclusion)
            if r is not None and r not in reqs and r != when:
                reqs.append(r)
        if len(reqs) > 1 and len({r.kind for r in reqs}) == 1 and reqs[0].kind in _COVERING:
            continue
        if reqs:
            crit = TrialCriterion(section, sentence, tuple(reqs), when)
            if all(c.key != crit.key for c in out):
                out.append(crit)
    return out


def _conditional(section: EligibilitySection, sentence: str, s: str) -> list[TrialCriterion] | None:
    """Criteria of a sentence that opens with a condition, or ``None`` if it does not."""
    for pattern in _COND:
        m = pattern.match(s)
        if not m:
            continue
        cond = [h for h in _hits(m.group("c"), False) if h.kind in _COND_KINDS]
        if not cond:
            continue
        when = _requirement(cond[0], False)
        rest = m.group("r")
        found = _criteria(section, sentence, rest, when)
        if found:
            return found
        if when is not None and when.kind.startswith("prior_") and (
                CONDITIONS.search(rest) or rest.startswith("who")) and not (
                PERMIT.search(rest) and not CONDITIONS.search(rest)):
            return [TrialCriterion(section, sentence, (TrialRequirement(when.kind, "conditional"),))]
        return []
    return None


_GENERIC = frozenset({"disease=relapsed", "disease=refractory"})


def _alternatives(sents: list[EligibilitySentence]) -> list[TrialCriterion]:
    """Bullets under "one of the following:": the lead-in's own criteria, then every
    bullet's requirements as alternatives of one criterion."""
    first = sents[0]
    quoted = f"{first.lead} " + "; or ".join(s.body.rstrip(".;") for s in sents)
    alts: list[TrialRequirement] = []
    for sent in sents:
        reqs = [r for c in _criteria(sent.section, quoted, normalise(sent.body), None)
                for r in c.any_of]
        if any(r.kind == "disease" and r.key not in _GENERIC for r in reqs):
            # "Relapsed or refractory disease after 2 or more lines": the specific part decides.
            reqs = [r for r in reqs if r.key not in _GENERIC]
        alts += [r for r in reqs if r not in alts]
    lead = _criteria(first.section, quoted, normalise(first.lead), None)
    if any(r.kind == "disease" for r in alts):
        lead = [c for c in lead if c.any_of[0].kind != "disease"]
    return lead + ([TrialCriterion(first.section, quoted, tuple(alts))] if alts else [])


def _sentence(sent: EligibilitySentence) -> list[TrialCriterion]:
    s = normalise(sent.text)
    found = _conditional(sent.section, sent.text, s)
    if found is None:
        found = _criteria(sent.section, sent.text, s, None, normalise(sent.body or sent.text))
    return found


def recognise(text: str | None) -> tuple[tuple[TrialCriterion, ...], int]:
    """The criteria in an eligibility text, and how many sentences matched no criterion:
    the outline is read by :func:`allnav.trials.reader.read_criteria`."""
    from allnav.trials.reader import read_criteria  # the reader builds on this module

    return read_criteria(text)


def recognise_sentences(text: str | None) -> tuple[tuple[TrialCriterion, ...], int]:
    """The first reader, sentence by sentence (kept to compare the two readings)."""
    out: list[TrialCriterion] = []
    unrecognised = 0
    sentences = split_eligibility(text)
    i = 0
    while i < len(sentences):
        sent = sentences[i]
        j = i + 1
        if sent.group is not None:
            while j < len(sentences) and sentences[j].group == sent.group:
                j += 1
            found = _alternatives(sentences[i:j])
        else:
            found = _sentence(sent)
        i = j
        if not found:
            unrecognised += 1
        # The same requirement said twice (inclusion "B-ALL", exclusion "T-ALL") counts once.
        out += [c for c in found if all(c.key != o.key for o in out)]
    return tuple(out), unrecognised


def criterion_keys(criteria: Iterable[TrialCriterion]) -> set[str]:
    """The keys of criteria (for comparing with labels)."""
    return {c.key for c in criteria}

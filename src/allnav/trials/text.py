"""Split ClinicalTrials.gov eligibility text into inclusion and exclusion sentences.

The text is markdown-ish: section headers ("Inclusion Criteria:"), bullets with
``*``, ``-`` or numbers, nested bullets under a lead-in that ends with a colon,
and markdown characters escaped with a backslash (``\\<``, ``\\>``, ``\\*``).
Each returned sentence keeps its lead-in ("Any of the following prior
therapies: blinatumomab within 2 weeks") so that it still makes sense when it
is quoted alone. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from allnav.trials.model import EligibilitySection

_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>~^|=])")
_HEADER = re.compile(
    r"^(?:key|main|major|general|additional|specific|other|patient|subject|participant)?\s*"
    r"(inclusion|exclusion|eligibility|ineligibility)\s*(?:criteria|criterion)?\b[^:]{0,60}:?\s*$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^(\s*)(?:[*\-•·]|\d{1,2}[.)]|[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)])\s+")
# A period ends a sentence unless it belongs to one of these abbreviations.
_ABBREV = frozenset({"e.g", "i.e", "eg", "ie", "vs", "approx", "dr", "no", "etc", "incl", "max",
                     "min", "fig", "ca", "st", "mr", "ms", "mrs", "pt", "pts", "resp", "ref"})
_SENTENCE_END = re.compile(r"([.;])\s+(?=[A-Z(\"'])")


_ONE_OF = re.compile(r"\b(?:one|any|either|at least one) of (?:the following|these|the below)|"
                     r"\bone or more of\b|\bany one of\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EligibilitySentence:
    """One sentence of the eligibility text and the section it belongs to.

    ``text`` is what is quoted (lead-in and body); ``body`` is the sentence alone.
    Bullets under a lead-in such as "one of the following:" share a ``group``
    number: they are alternatives, not each required.
    """

    section: EligibilitySection
    text: str
    body: str = ""
    lead: str = ""
    group: int | None = None


def unescape(text: str) -> str:
    """Undo the backslash escapes ClinicalTrials.gov puts before markdown characters."""
    return _ESCAPED.sub(r"\1", text)


def _header(line: str) -> EligibilitySection | None:
    bare = line.strip().strip("*#_ ").strip()
    m = _HEADER.match(bare)
    if not m or len(bare) > 80:
        return None
    word = m.group(1).lower()
    return "exclusion" if word in ("exclusion", "ineligibility") else "inclusion"


def split_sentences(item: str) -> list[str]:
    """Split one bullet into sentences at '.' or ';' before a capital letter,
    leaving abbreviations (e.g., i.e., vs.) and decimals alone."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(item):
        before = item[start:m.start()].rsplit(None, 1)
        last = before[-1].lower().rstrip(".") if before else ""
        if m.group(1) == "." and last in _ABBREV:
            continue
        piece = item[start:m.end(1)].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = item[start:].strip()
    if tail:
        out.append(tail)
    return out


@dataclass
class _Item:
    section: EligibilitySection
    indent: int
    text: str
    context: str


def _items(text: str) -> list[_Item]:
    """Group lines into bullet items, each with the lead-in it sits under."""
    section: EligibilitySection = "inclusion"
    items: list[_Item] = []
    # Lead-ins (text ending with ':') with the indent their children must exceed.
    leads: list[tuple[int, str]] = []
    blank_before = True
    for raw in text.replace("\r\n", "\n").split("\n"):
        if not raw.strip():
            blank_before = True
            continue
        found = _header(raw)
        if found is not None:
            section, leads, blank_before = found, [], True
            continue
        m = _BULLET.match(raw)
        indent = len(raw) - len(raw.lstrip())
        if m is None and not blank_before and items:
            # A wrapped line continues the item above it.
            items[-1].text += " " + raw.strip()
            blank_before = False
            continue
        body = raw[m.end():] if m else raw.strip()
        body = body.strip()
        is_bullet = m is not None
        while leads and (indent < leads[-1][0] or (not is_bullet and indent == leads[-1][0])):
            leads.pop()
        # A paragraph lead-in keeps applying to the bullets at its own indent that follow it.
        context = " ".join(t for _, t in leads)
        items.append(_Item(section, indent, body, context))
        if body.endswith(":"):
            # Children of a bullet are indented further; children of a paragraph may not be.
            leads.append((indent + 1 if is_bullet else indent, body))
        blank_before = False
    return items


def split_eligibility(text: str | None) -> list[EligibilitySentence]:
    """The sentences of an eligibility text, each tagged inclusion or exclusion.

    Text before any section header counts as inclusion (older records have no
    headers). Lead-ins that only introduce a list are not returned on their own.
    """
    if not text:
        return []
    out: list[EligibilitySentence] = []
    groups: dict[str, int] = {}
    for n, item in enumerate(_items(text)):
        body = unescape(item.text)
        if body.endswith(":"):
            continue
        context = " ".join(unescape(item.context).split())
        group = None
        if context and _ONE_OF.search(context):
            group = groups.setdefault(f"{item.section}:{item.indent}:{context}", n)
        for sentence in split_sentences(body):
            body_text = " ".join(sentence.split())
            full = f"{context} {body_text}" if context else body_text
            out.append(EligibilitySentence(item.section, full, body_text, context, group))
    return out

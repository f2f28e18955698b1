"""Jinja filters for the patient's words: glossary links where a term first appears, clinic
shorthand in plain words, the clinician view in the third person, icon arrays drawn as
icons with their words left to the page (so the text size control reaches them)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from allnav.facts import FIELDS
from allnav.glossary import Glossary, load_glossary
from allnav.render.icon_array import icon_array_svg
from allnav.web.pages.view import plain_question


def svg(array: Any) -> Markup:
    # icon_array_svg escapes every text it writes; it is our own markup. The page writes the
    # array's title, legend and source as HTML, so they follow the reader's text size.
    plain = dataclasses.replace(array, description=plain_words(array.description))
    return Markup(icon_array_svg(plain, words=False))


def glossary() -> Glossary:
    return load_glossary()


@pass_context
def explain(ctx: Context, text: str) -> Markup:
    """``text`` with the first mention on the page of each glossary term linked to its
    explanation (the page's ``seen_terms`` remembers which terms were already linked)."""
    seen = ctx.get("seen_terms")
    if not isinstance(seen, set):
        return Markup(escape(text))
    g = glossary()
    out: list[str] = []
    pos = 0
    for m in g.pattern().finditer(text):
        term = g.term_for(m.group(1))
        if term is None or term.id in seen:
            continue
        seen.add(term.id)
        out += [str(escape(text[pos:m.start()])),
                str(Markup('<a class="term" href="/glossary#term-{}">{}</a>').format(term.id, m.group(1)))]
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


#: Clinic shorthand that the odds sentences use, in the patient's words.
_PLAIN = ((re.compile(r"your performance status \(ECOG \d\) is lower"),
           "you are less active than most of them"),
          (re.compile(r"\bECOG 3-4\b"), "being in bed or a chair more than half the day"),
          (re.compile(r"\bECOG (\d)(?:-(\d))?"), "a low activity level"))


def plain_words(text: str) -> str:
    for pattern, words in _PLAIN:
        text = pattern.sub(words, text)
    return text


#: The odds sentences speak to the patient; the clinician view speaks of the patient.
_THIRD_PERSON = ((re.compile(r"\byou are\b"), "the patient is"), (re.compile(r"\bYou are\b"), "The patient is"),
                 (re.compile(r"\byou have\b"), "the patient has"), (re.compile(r"\bYou have\b"), "The patient has"),
                 (re.compile(r"\byour\b"), "the patient's"), (re.compile(r"\bYour\b"), "The patient's"),
                 (re.compile(r"\byou\b"), "the patient"), (re.compile(r"\bYou\b"), "The patient"))


_TRIAL_PLAIN = ((re.compile(r"\bECOG (\d)\b"), r"activity level \1 (on the 0-4 scale, 0 fully active)"),
                (re.compile(r"\bECOG\b"), "activity level"),
                (re.compile(r"\blineage\b"), "type (B-cell or T-cell)"))


def trial_words(text: str) -> str:
    """A trial criterion's label in the patient's words (the clinician view keeps the study's)."""
    for pattern, words in _TRIAL_PLAIN:
        text = pattern.sub(words, text)
    return text


def third_person(text: str) -> str:
    for pattern, words in _THIRD_PERSON:
        text = pattern.sub(words, text)
    return text


def fact_words(name: str) -> str:
    """A fact name (``lineage``) as its plain question; any other text unchanged."""
    return plain_question(name) if name in FIELDS else plain_words(name)



"""Reading grade of patient-facing pages: Flesch-Kincaid, offline, with a syllable heuristic.

textstat's English syllable counter downloads a dictionary at run time, which fails
offline; this module needs nothing but the standard library. The heuristic counts vowel
groups with the usual English corrections (silent final e, -le, -ed, -es); on common
words it matches dictionary counts closely, and it is tested on a word list.

Flesch-Kincaid grade = 0.39 x (words / sentences) + 11.8 x (syllables / words) - 15.59.

:func:`page_text` takes the visible prose of a page's ``<main>``: each heading, list
item, label, table cell or paragraph ends a sentence even without a full stop. Left out,
and said so in docs/web.md: scripts, styles, the icon-array SVGs (their words are also
shown as sentences), and elements marked ``data-readability="skip"``, which are
citations (author lists, journal names, links) rather than prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_VOWELS = re.compile(r"[aeiouy]+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
#: Elements whose text ends a sentence (a heading or a list item has no full stop).
_BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd",
                     "label", "legend", "summary", "caption", "figcaption", "button",
                     "blockquote", "div", "section", "article", "header", "footer", "nav",
                     "aside", "form", "fieldset", "tr", "ul", "ol", "dl", "table", "main",
                     "details", "br", "option", "select", "textarea"})
_SKIP = frozenset({"script", "style", "svg", "noscript", "template", "head", "title"})
_VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col"})


def syllables(word: str) -> int:
    """Syllables in an English word, by vowel groups with common corrections (at least 1)."""
    w = word.lower().replace("’", "'").split("'")[0]
    if not w:
        return 0
    if len(w) <= 3:
        return 1
    count = len(_VOWELS.findall(w))
    # A silent final e ("cure", "time"), but not "-le" after a consonant ("able", "simple").
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        count -= 1
    elif w.endswith("le") and len(w) > 2 and w[-3] not in "aeiouy":
        pass  # "simple": the "le" is its own syllable, already counted by its e
    # "-ed" is silent except after t or d ("tested"); "-es" is silent except after s-like sounds.
    if w.endswith("ed") and len(w) > 3 and w[-3] not in "td" and w[-3] not in "aeiouy":
        count -= 1
    if (w.endswith("es") and len(w) > 3 and w[-3] not in "aeiouy"
            and not w.endswith(("ses", "zes", "ces", "ges", "shes", "ches", "xes"))):
        count -= 1
    # Vowel pairs that are two syllables: "ia" (leukemia), "io" (radio), "ua" (usual) ...
    count += len(re.findall(r"[^aeiou]i[ao]|[^aeioq]ua|uo", w))
    # ... except in "-tion", "-sion", "-cial", "-gious": one syllable there.
    count -= len(re.findall(r"[cstgx]i[ao]", w))
    if w.endswith("ea") or re.search(r"[aeiouy]ing$", w):
        count += 1  # "area", "idea"; "being", "going"
    if w.endswith("ely"):
        count -= 1  # "likely", "safely": the e is silent
    return max(1, count)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def sentence_count(text: str) -> int:
    """Sentences in one block of text; a block with words but no end mark is one sentence."""
    parts = [p for p in _SENTENCE_END.split(text) if words(p)]
    return max(1, len(parts)) if words(text) else 0


@dataclass(frozen=True, slots=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level (0 for no text)."""
        if not self.words or not self.sentences:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59


def measure(blocks: list[str]) -> Readability:
    """Counts over text blocks (each block is at least one sentence)."""
    n_words = n_sentences = n_syll = 0
    for block in blocks:
        ws = words(block)
        if not ws:
            continue
        n_words += len(ws)
        n_syll += sum(syllables(w) for w in ws)
        n_sentences += sentence_count(block)
    return Readability(n_words, n_sentences, n_syll)


def fk_grade(text: str) -> float:
    """The Flesch-Kincaid grade of plain text."""
    return measure([text]).grade


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipping)
        self.in_main = False
        self.main_depth = 0

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main = True
        if tag in _BLOCKS:
            self._flush()
        if tag in _VOID:
            return
        a = dict(attrs)
        skip = tag in _SKIP or a.get("data-readability") == "skip" or "hidden" in a
        self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag in _BLOCKS:
            self._flush()
        if tag == "main":
            self._flush()
            self.in_main = False

    def handle_data(self, data: str) -> None:
        if self.in_main and not self._skipping():
            self.current.append(data)


def page_text(html: str) -> list[str]:
    """The prose blocks of a page's ``<main>`` (see the module docstring for what is left out)."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.blocks


def page_readability(html: str) -> Readability:
    return measure(page_text(html))

"""Patient-facing words for the web pages, from ``knowledge/topics.yaml``, validated.

The file holds the topic pages (the 2013 source page's topics in our own words, each
with its own medical review date and cited evidence), a plain "what it is" for every
option of the vocabulary, the "what matters most to you" statements and the questions
to ask the care team. A typo fails at load time with its path, like the pathway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from allnav.evidence import EvidenceRegistry
from allnav.pathway import OPTION_IDS
from allnav.problems import KnowledgeError, Loc, did_you_mean
from allnav.schema import Checker


@dataclass(frozen=True, slots=True)
class TopicSection:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    summary: str
    last_reviewed: dt.date
    evidence: tuple[str, ...]
    sections: tuple[TopicSection, ...]


@dataclass(frozen=True, slots=True)
class ValueItem:
    """One "what matters most to you" statement."""

    id: str
    text: str


@dataclass(frozen=True)
class Topics:
    last_reviewed: dt.date
    review_interval_days: int
    reviewed_by: str
    topics: tuple[Topic, ...]
    option_words: Mapping[str, str]
    values: tuple[ValueItem, ...]
    questions: tuple[str, ...]

    def topic(self, topic_id: str) -> Topic | None:
        for t in self.topics:
            if t.id == topic_id:
                return t
        return None

    def review_due(self) -> dt.date:
        return self.last_reviewed + dt.timedelta(days=self.review_interval_days)


def default_topics_path() -> Path:
    return Path(str(resources.files("allnav") / "knowledge" / "topics.yaml"))


def _texts(chk: Checker, node: Mapping[str, Any], key: str, loc: Loc) -> tuple[str, ...]:
    found = chk.text_list(node, key, loc)
    if key in node and not found:
        chk.error((*loc, key), "must be a non-empty list of text")
    return found


def _evidence(chk: Checker, node: Mapping[str, Any], loc: Loc,
              evidence: EvidenceRegistry) -> tuple[str, ...]:
    ids = _texts(chk, node, "evidence", loc)
    for i, ev in enumerate(ids):
        if ev not in evidence:
            chk.error((*loc, "evidence", i),
                      f"unknown evidence id '{ev}'{did_you_mean(ev, list(evidence.items))}")
    return ids


def _topic(chk: Checker, node: object, loc: Loc, evidence: EvidenceRegistry) -> Topic | None:
    m = chk.mapping(node, loc, ("id", "title", "summary", "last_reviewed", "evidence", "sections"))
    if m is None:
        return None
    sections: list[TopicSection] = []
    raw = m.get("sections")
    if not isinstance(raw, list) or not raw:
        chk.error((*loc, "sections"), "must be a non-empty list of sections")
        raw = []
    for j, s in enumerate(raw):
        sloc = (*loc, "sections", j)
        sm = chk.mapping(s, sloc, ("heading", "paragraphs"))
        if sm is not None:
            sections.append(TopicSection(chk.text(sm, "heading", sloc), _texts(chk, sm, "paragraphs", sloc)))
    reviewed = chk.date(m, "last_reviewed", loc)
    return Topic(chk.ident(m, "id", loc), chk.text(m, "title", loc), chk.text(m, "summary", loc),
                 reviewed or dt.date.min, _evidence(chk, m, loc, evidence), tuple(sections))


def parse_topics(data: object, evidence: EvidenceRegistry, chk: Checker) -> Topics | None:
    """Validate a parsed topics document; problems go to ``chk``."""
    root = chk.mapping(data, (), ("schema_version", "last_reviewed", "review_interval_days",
                                  "reviewed_by", "topics", "option_words", "values", "questions"))
    if root is None:
        return None
    if root.get("schema_version") != 1:
        chk.error(("schema_version",), "must be 1")
    topics: list[Topic] = []
    raw_topics = root.get("topics")
    if not isinstance(raw_topics, list) or not raw_topics:
        chk.error(("topics",), "must be a non-empty list of topics")
        raw_topics = []
    for i, node in enumerate(raw_topics):
        t = _topic(chk, node, ("topics", i), evidence)
        if t is not None:
            if any(t.id == other.id for other in topics):
                chk.error(("topics", i, "id"), f"duplicate topic id '{t.id}'")
            topics.append(t)
    words: dict[str, str] = {}
    raw_words = root.get("option_words")
    if not isinstance(raw_words, Mapping):
        chk.error(("option_words",), "must map each option id to its plain words")
        raw_words = {}
    for key, text in raw_words.items():
        if key not in OPTION_IDS:
            chk.error(("option_words", str(key)),
                      f"'{key}' is not in the option vocabulary{did_you_mean(str(key), OPTION_IDS)}")
        elif not isinstance(text, str) or not text.strip():
            chk.error(("option_words", str(key)), "must be non-empty text")
        else:
            words[key] = " ".join(text.split())
    for oid in OPTION_IDS:
        if oid not in raw_words:
            chk.error(("option_words",), f"option '{oid}' has no plain words")
    values: list[ValueItem] = []
    for i, node in enumerate(root.get("values") or []):
        vm = chk.mapping(node, ("values", i), ("id", "text"))
        if vm is not None:
            item = ValueItem(chk.ident(vm, "id", ("values", i)), chk.text(vm, "text", ("values", i)))
            if any(v.id == item.id for v in values):
                chk.error(("values", i, "id"), f"duplicate value id '{item.id}'")
            values.append(item)
    if not values:
        chk.error(("values",), "must list at least one statement")
    questions = _texts(chk, root, "questions", ())
    if not questions:
        chk.error(("questions",), "must list at least one question")
    reviewed = chk.date(root, "last_reviewed", ())
    interval = chk.number(root, "review_interval_days", (), integer=True)
    if chk.errors or reviewed is None:
        return None
    return Topics(reviewed, int(interval or 365), chk.text(root, "reviewed_by", ()), tuple(topics),
                  MappingProxyType(words), tuple(values), questions)


_CACHE: dict[tuple[Path, int], Topics] = {}


def load_topics(evidence: EvidenceRegistry, path: Path | None = None) -> Topics:
    """Load and validate ``topics.yaml``; raise :class:`KnowledgeError` listing every problem."""
    path = (path or default_topics_path()).resolve()
    key = (path, id(evidence))
    if key not in _CACHE:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        chk = Checker()
        topics = parse_topics(data, evidence, chk)
        if chk.errors or topics is None:
            raise KnowledgeError(path.name, chk.errors)
        _CACHE[key] = topics
    return _CACHE[key]

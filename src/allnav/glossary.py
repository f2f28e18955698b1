"""Plain words for the patient pages, from ``knowledge/glossary.yaml``, validated.

The glossary (each term with the words it is found by), the question to ask the care team
for each missing test, the facts only the patient knows (asked in the form, never put to the
care team), which options speak to each "what matters most to you" statement, and the help
for "I'm not sure yet". A typo fails at load time with its path, like the pathway.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from allnav.facts import FIELDS
from allnav.pathway import OPTION_IDS
from allnav.problems import KnowledgeError, did_you_mean
from allnav.schema import Checker


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    term: str
    plain: str
    #: The words that find this term in a page's text (matched as whole words).
    match: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ComfortWords:
    """What a comfort option offers, what is known of its outcomes, and its limits."""

    offers: str
    known: str
    limits: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Glossary:
    last_reviewed: dt.date
    reviewed_by: str
    terms: tuple[Term, ...]
    ask: Mapping[str, str]
    patient_knows: frozenset[str]
    value_options: Mapping[str, tuple[str, ...]]
    not_sure: tuple[str, ...]
    comfort: Mapping[str, ComfortWords]
    #: Symptom care given alongside any choice: listed, not compared as a choice.
    alongside: frozenset[str]

    def term(self, term_id: str) -> Term | None:
        return next((t for t in self.terms if t.id == term_id), None)

    def pattern(self) -> re.Pattern[str]:
        """One regex finding any term's words; longest words first so "CAR-T cells" wins."""
        words = sorted({w for t in self.terms for w in t.match}, key=len, reverse=True)
        return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])")

    def term_for(self, word: str) -> Term | None:
        return next((t for t in self.terms if word in t.match), None)


def default_glossary_path() -> Path:
    return Path(str(resources.files("allnav") / "knowledge" / "glossary.yaml"))


def _fact_key(chk: Checker, key: object, loc: tuple[str | int, ...]) -> bool:
    if str(key) not in FIELDS:
        chk.error(loc, f"unknown fact '{key}'{did_you_mean(str(key), list(FIELDS))}")
        return False
    return True


def parse_glossary(data: object, chk: Checker, value_ids: tuple[str, ...] = ()) -> Glossary | None:
    root = chk.mapping(data, (), ("schema_version", "last_reviewed", "review_interval_days",
                                  "reviewed_by", "terms", "ask", "patient_knows", "value_options",
                                  "not_sure", "comfort", "alongside"))
    if root is None:
        return None
    if root.get("schema_version") != 1:
        chk.error(("schema_version",), "must be 1")
    terms: list[Term] = []
    for i, node in enumerate(root.get("terms") or []):
        m = chk.mapping(node, ("terms", i), ("id", "term", "match", "plain"))
        if m is None:
            continue
        t = Term(chk.ident(m, "id", ("terms", i)), chk.text(m, "term", ("terms", i)),
                 chk.text(m, "plain", ("terms", i)), chk.text_list(m, "match", ("terms", i)))
        if not t.match:
            chk.error(("terms", i, "match"), "must list the words that find this term")
        if any(o.id == t.id for o in terms):
            chk.error(("terms", i, "id"), f"duplicate term id '{t.id}'")
        terms.append(t)
    if not terms:
        chk.error(("terms",), "must list at least one term")
    ask: dict[str, str] = {}
    raw_ask = root.get("ask")
    if not isinstance(raw_ask, Mapping):
        chk.error(("ask",), "must map facts to the question for the care team")
        raw_ask = {}
    for key, text in raw_ask.items():
        if _fact_key(chk, key, ("ask", str(key))):
            if not isinstance(text, str) or not text.strip().endswith("?"):
                chk.error(("ask", str(key)), "must be a question (ending with '?')")
            else:
                ask[str(key)] = text.strip()
    knows = chk.text_list(root, "patient_knows", ())
    for i, key in enumerate(knows):
        _fact_key(chk, key, ("patient_knows", i))
        if key in ask:
            chk.error(("patient_knows", i), f"'{key}' is asked of the care team too ('ask')")
    values: dict[str, tuple[str, ...]] = {}
    raw_values = root.get("value_options")
    if not isinstance(raw_values, Mapping):
        chk.error(("value_options",), "must map each value statement to option ids")
        raw_values = {}
    for key, ids in raw_values.items():
        loc = ("value_options", str(key))
        if value_ids and key not in value_ids:
            chk.error(loc, f"'{key}' is not a value in topics.yaml{did_you_mean(str(key), value_ids)}")
        if not isinstance(ids, list) or not ids:
            chk.error(loc, "must be a non-empty list of option ids")
            continue
        for j, oid in enumerate(ids):
            if oid not in OPTION_IDS:
                chk.error((*loc, j), f"unknown option '{oid}'{did_you_mean(str(oid), OPTION_IDS)}")
        values[str(key)] = tuple(str(x) for x in ids)
    for vid in value_ids:
        if vid not in values:
            chk.error(("value_options",), f"value '{vid}' has no options")
    not_sure = chk.text_list(root, "not_sure", ())
    comfort: dict[str, ComfortWords] = {}
    raw_comfort = root.get("comfort")
    if not isinstance(raw_comfort, Mapping):
        chk.error(("comfort",), "must map comfort options to their words")
        raw_comfort = {}
    for key, node in raw_comfort.items():
        loc = ("comfort", str(key))
        if key not in OPTION_IDS:
            chk.error(loc, f"unknown option '{key}'{did_you_mean(str(key), OPTION_IDS)}")
        m = chk.mapping(node, loc, ("offers", "known", "limits", "evidence"))
        if m is not None:
            ev = m.get("evidence")
            comfort[str(key)] = ComfortWords(
                chk.text(m, "offers", loc), chk.text(m, "known", loc), chk.text(m, "limits", loc),
                tuple(str(x) for x in ev) if isinstance(ev, list) else ())
    alongside = chk.text_list(root, "alongside", ())
    for i, oid in enumerate(alongside):
        if oid not in OPTION_IDS:
            chk.error(("alongside", i), f"unknown option '{oid}'{did_you_mean(oid, OPTION_IDS)}")
    reviewed = chk.date(root, "last_reviewed", ())
    if chk.errors or reviewed is None:
        return None
    return Glossary(reviewed, chk.text(root, "reviewed_by", ()), tuple(terms),
                    MappingProxyType(ask), frozenset(knows), MappingProxyType(values), not_sure,
                    MappingProxyType(comfort), frozenset(alongside))


@cache
def load_glossary(path: Path | None = None, value_ids: tuple[str, ...] = ()) -> Glossary:
    """Load and validate ``glossary.yaml``; raise :class:`KnowledgeError` listing every problem."""
    path = (path or default_glossary_path()).resolve()
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    chk = Checker()
    found = parse_glossary(data, chk, value_ids)
    if chk.errors or found is None:
        raise KnowledgeError(path.name, chk.errors)
    return found

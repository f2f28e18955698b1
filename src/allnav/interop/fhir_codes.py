"""The FHIR code list (``knowledge/fhir-codes.yaml``), validated and indexed once.

Codes are data: this module only checks the file (every code has a system, a code and a
display; every fact and value it names exists in :data:`allnav.facts.FIELDS`) and builds
dictionaries keyed by ``(system URI, code)`` plus one compiled regular expression per text
list, so that reading a Bundle costs one dictionary look-up per coding.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import yaml

from allnav.facts import FIELDS
from allnav.problems import KnowledgeError, Loc, Problem

T = TypeVar("T")
Key = tuple[str, str]
#: Facts a code implies, as ``(dotted fact name, value)`` pairs.
Sets = tuple[tuple[str, object], ...]

READ_KINDS = ("quantity", "score", "coded", "presence", "immunophenotype", "variant")
_SPLIT = re.compile(r"[\s\-–—−_/:;,()\[\]]+")


#: Texts up to this length are remembered (code displays and names repeat across records;
#: long narratives do not, and would only fill the memory).
_MEMO_TEXT = 256
_MEMO_MAX = 4096


def norm_text(text: str) -> str:
    """Lower-case text with hyphens, colons, slashes and brackets read as spaces."""
    if len(text) <= _MEMO_TEXT:
        return _norm_short(text)
    return _SPLIT.sub(" ", text.lower()).strip()


@functools.lru_cache(maxsize=_MEMO_MAX)
def _norm_short(text: str) -> str:
    return _SPLIT.sub(" ", text.lower()).strip()


@functools.lru_cache(maxsize=1024)
def norm_unit(unit: str) -> str:
    """A unit spelling reduced so that ``10^9/l``, ``10*9/L`` and ``x10E9/L`` compare equal."""
    u = unit.strip().replace("µ", "u").replace("μ", "u").replace("^", "*").replace(" ", "")
    u = re.sub(r"^(x|×)?10e", "10*", u, flags=re.IGNORECASE)
    return u.lower()


class TextMatcher(Generic[T]):
    """Whole-phrase matching of normalised text against a list of phrases, longest first."""

    __slots__ = ("_memo", "_payload", "_regex")

    def __init__(self, phrases: Mapping[str, T]) -> None:
        self._payload = dict(phrases)
        ordered = sorted(self._payload, key=len, reverse=True)
        pattern = "|".join(re.escape(p) for p in ordered) or r"(?!x)x"
        self._regex = re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])")
        # Short texts (code displays, drug names) repeat across a patient's records.
        self._memo: dict[str, tuple[T, ...]] = {}

    def find(self, normalised: str) -> tuple[T, ...]:
        """Payloads of every phrase found in already-normalised text, in order of appearance."""
        found = self._memo.get(normalised)
        if found is None:
            found = tuple(self._payload[m.group(0)] for m in self._regex.finditer(normalised))
            if len(normalised) <= _MEMO_TEXT:
                if len(self._memo) >= _MEMO_MAX:
                    self._memo.clear()
                self._memo[normalised] = found
        return found


@dataclass(frozen=True, slots=True)
class Concept:
    """What an Observation code means and how its value is read."""

    id: str
    read: str
    fact: str | None = None
    unit: str | None = None
    range: tuple[float, float] | None = None
    remission_limit: float | None = None
    values: Mapping[Key, Sets] = field(default_factory=dict)
    positive: Sets = ()
    negative: Sets = ()
    quantity_positive: bool = False
    #: Possible values after conversion (the fact's range, or ``range``) and how to say it.
    limits: tuple[float, float, str] = (float("-inf"), float("inf"), "")


@dataclass(frozen=True, slots=True)
class CodeBook:
    """Every code list of ``fhir-codes.yaml``, indexed for look-up by ``(system, code)``."""

    system_alias: Mapping[str, str]
    stale_after: Mapping[str, int]
    units: Mapping[str, Mapping[str, tuple[float, float]]]
    answers: Mapping[Key, bool]
    answer_text: TextMatcher[bool]
    diagnoses: Mapping[Key, Sets]
    diagnosis_text: TextMatcher[Sets]
    clinical_status: Mapping[Key, Sets]
    observations: Mapping[Key, Concept]
    observation_text: TextMatcher[Concept]
    ignored_observations: frozenset[Key]
    gene_component: frozenset[Key]
    protein_component: frozenset[Key]
    genes: Mapping[Key, str]
    treatments: Mapping[Key, tuple[str, ...]]
    treatment_text: TextMatcher[tuple[str, ...]]
    cns_routes: TextMatcher[bool]

    def key(self, system: str, code: str) -> Key:
        """The look-up key of a coding, with known alternative system URIs unified."""
        return (self.system_alias.get(system, system), code.strip())


def _field_limits(fact: object) -> tuple[float, float, str]:
    spec = FIELDS.get(str(fact))
    if spec is None or spec.minimum is None or spec.maximum is None:
        return (float("-inf"), float("inf"), "")
    return (float(spec.minimum), float(spec.maximum), spec.unit or "")


def default_codes_path() -> Path:
    return Path(__file__).resolve().parent.parent / "knowledge" / "fhir-codes.yaml"


@functools.lru_cache(maxsize=4)
def load_codebook(path: Path | None = None) -> CodeBook:
    """Load and validate the code list; cached, since it never changes while running."""
    p = path or default_codes_path()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(p.read_text(encoding="utf-8"), Loader=loader)
    return build_codebook(data, source=p.name)


def build_codebook(data: object, *, source: str = "fhir-codes.yaml") -> CodeBook:
    """Validate plain data in the shape of ``fhir-codes.yaml``; raises :class:`KnowledgeError`."""
    b = _Builder()
    book = b.build(data)
    if b.problems or book is None:
        raise KnowledgeError(source, b.problems or [Problem("type", (), "not a code list")])
    return book


class _Builder:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.systems: dict[str, str] = {}

    def err(self, loc: Loc, msg: str) -> None:
        self.problems.append(Problem("fhir_codes", loc, msg))

    def mapping(self, raw: object, loc: Loc) -> Mapping[str, Any]:
        if isinstance(raw, Mapping):
            return raw
        self.err(loc, "must be a mapping")
        return {}

    def seq(self, raw: object, loc: Loc) -> list[Any]:
        if isinstance(raw, list):
            return raw
        self.err(loc, "must be a list")
        return []

    def text(self, raw: object, loc: Loc) -> str:
        if isinstance(raw, str | int) and not isinstance(raw, bool) and str(raw).strip():
            return str(raw).strip()
        self.err(loc, "must be non-empty text")
        return ""

    def code(self, raw: object, loc: Loc) -> Key | None:
        m = self.mapping(raw, loc)
        alias = self.text(m.get("system"), (*loc, "system"))
        code = self.text(m.get("code"), (*loc, "code"))
        self.text(m.get("display"), (*loc, "display"))
        if alias and alias not in self.systems:
            self.err((*loc, "system"), f"unknown system '{alias}'; known: {', '.join(self.systems)}")
            return None
        return (self.systems[alias], code) if alias and code else None

    def code_set(self, raw: object, loc: Loc) -> set[Key]:
        return {k for i, c in enumerate(self.seq(raw, loc))
                if (k := self.code(c, (*loc, i))) is not None}

    def sets(self, raw: object, loc: Loc) -> Sets:
        out: list[tuple[str, object]] = []
        for name, value in self.mapping(raw, loc).items():
            spec = FIELDS.get(str(name))
            if spec is None:
                self.err((*loc, str(name)), "not a fact name in allnav.facts.FIELDS")
            elif spec.choices and value not in spec.choices:
                self.err((*loc, str(name)), f"'{value}' is not one of {', '.join(spec.choices)}")
            else:
                out.append((str(name), value))
        return tuple(out)

    def phrases(self, raw: object, loc: Loc) -> list[str]:
        return [norm_text(self.text(p, (*loc, i))) for i, p in enumerate(self.seq(raw or [], loc))]

    def build(self, data: object) -> CodeBook | None:
        top = self.mapping(data, ())
        if top.get("format") != 1:
            self.err(("format",), "must be 1")
        if not isinstance(top.get("last_reviewed"), dt.date):
            self.err(("last_reviewed",), "must be a date as YYYY-MM-DD")
        for alias, uri in self.mapping(top.get("systems"), ("systems",)).items():
            self.systems[str(alias)] = self.text(uri, ("systems", str(alias)))
        aliases = self.mapping(top.get("system_aliases") or {}, ("system_aliases",))
        system_alias = {str(u): self.systems.get(str(a), "") for u, a in aliases.items()}
        for uri, target in system_alias.items():
            if not target:
                self.err(("system_aliases", uri), "must name a system listed under systems")
        stale: dict[str, int] = {}
        for name, days in self.mapping(top.get("stale_after_days"), ("stale_after_days",)).items():
            if str(name) not in FIELDS:
                self.err(("stale_after_days", str(name)), "not a fact name")
            elif not isinstance(days, int) or isinstance(days, bool) or days < 0:
                self.err(("stale_after_days", str(name)), "must be a whole number of days >= 0")
            else:
                stale[str(name)] = days
        units = self._units(top.get("units"))
        answers: dict[Key, bool] = {}
        answer_text: dict[str, bool] = {}
        ans = self.mapping(top.get("answers"), ("answers",))
        for polarity, flag in (("positive", True), ("negative", False)):
            part = self.mapping(ans.get(polarity), ("answers", polarity))
            for i, c in enumerate(self.seq(part.get("codes"), ("answers", polarity, "codes"))):
                if (k := self.code(c, ("answers", polarity, "codes", i))) is not None:
                    answers[k] = flag
            for p in self.phrases(part.get("text"), ("answers", polarity, "text")):
                answer_text[p] = flag
        diagnoses, diagnosis_text = self._diagnoses(top.get("diagnoses"))
        clinical: dict[Key, Sets] = {}
        for i, c in enumerate(self.seq(top.get("clinical_status"), ("clinical_status",))):
            if (k := self.code(c, ("clinical_status", i))) is not None:
                clinical[k] = self.sets(c.get("sets"), ("clinical_status", i, "sets"))
        observations, obs_text = self._observations(top.get("observations"), units)
        ignored = self.code_set(top.get("ignore_observation_codes") or [],
                                ("ignore_observation_codes",))
        comps = self.mapping(top.get("variant_components"), ("variant_components",))
        gene_c = self.code_set(comps.get("gene_studied"), ("variant_components", "gene_studied"))
        prot_c = self.code_set(comps.get("protein_change"),
                               ("variant_components", "protein_change"))
        genes: dict[Key, str] = {}
        for i, c in enumerate(self.seq(top.get("genes"), ("genes",))):
            if (k := self.code(c, ("genes", i))) is not None:
                genes[k] = str(c["display"]).upper()
        treatments, treatment_text = self._treatments(top.get("treatments"))
        routes = dict.fromkeys(self.phrases(top.get("cns_routes"), ("cns_routes",)), True)
        if self.problems:
            return None
        return CodeBook(
            system_alias=MappingProxyType(system_alias), stale_after=MappingProxyType(stale),
            units=MappingProxyType(units), answers=MappingProxyType(answers),
            answer_text=TextMatcher(answer_text), diagnoses=MappingProxyType(diagnoses),
            diagnosis_text=TextMatcher(diagnosis_text), clinical_status=MappingProxyType(clinical),
            observations=MappingProxyType(observations), observation_text=TextMatcher(obs_text),
            ignored_observations=frozenset(ignored), gene_component=frozenset(gene_c),
            protein_component=frozenset(prot_c), genes=MappingProxyType(genes),
            treatments=MappingProxyType(treatments), treatment_text=TextMatcher(treatment_text),
            cns_routes=TextMatcher(routes),
        )

    def _units(self, raw: object) -> dict[str, Mapping[str, tuple[float, float]]]:
        out: dict[str, Mapping[str, tuple[float, float]]] = {}
        for family, entries in self.mapping(raw, ("units",)).items():
            table: dict[str, tuple[float, float]] = {}
            for i, e in enumerate(self.seq(entries, ("units", str(family)))):
                loc: Loc = ("units", str(family), i)
                m = self.mapping(e, loc)
                unit = self.text(m.get("unit"), (*loc, "unit"))
                factor, offset = m.get("factor"), m.get("offset", 0)
                if not all(isinstance(v, int | float) and not isinstance(v, bool)
                           for v in (factor, offset)):
                    self.err(loc, "factor and offset must be numbers")
                    continue
                table[norm_unit(unit)] = (float(factor), float(offset))  # type: ignore[arg-type]
            out[str(family)] = MappingProxyType(table)
        return out

    def _diagnoses(self, raw: object) -> tuple[dict[Key, Sets], dict[str, Sets]]:
        top = self.mapping(raw, ("diagnoses",))
        codes: dict[Key, Sets] = {}
        for i, c in enumerate(self.seq(top.get("codes"), ("diagnoses", "codes"))):
            if (k := self.code(c, ("diagnoses", "codes", i))) is not None:
                codes[k] = self.sets(c.get("sets") or {}, ("diagnoses", "codes", i, "sets"))
        text: dict[str, Sets] = {}
        for i, t in enumerate(self.seq(top.get("text"), ("diagnoses", "text"))):
            m = self.mapping(t, ("diagnoses", "text", i))
            phrase = norm_text(self.text(m.get("match"), ("diagnoses", "text", i, "match")))
            text[phrase] = self.sets(m.get("sets") or {}, ("diagnoses", "text", i, "sets"))
        return codes, text

    def _observations(self, raw: object, units: Mapping[str, object]
                      ) -> tuple[dict[Key, Concept], dict[str, Concept]]:
        by_code: dict[Key, Concept] = {}
        by_text: dict[str, Concept] = {}
        for i, entry in enumerate(self.seq(raw, ("observations",))):
            loc: Loc = ("observations", i)
            m = self.mapping(entry, loc)
            read = self.text(m.get("read"), (*loc, "read"))
            if read and read not in READ_KINDS:
                self.err((*loc, "read"), f"must be one of {', '.join(READ_KINDS)}")
            fact = m.get("fact")
            if fact is not None and fact not in FIELDS:
                self.err((*loc, "fact"), f"'{fact}' is not a fact name")
            unit = m.get("unit")
            if read == "quantity" and unit not in units:
                self.err((*loc, "unit"), f"must be one of {', '.join(map(str, units))}")
            rng = m.get("range")
            values: dict[Key, Sets] = {}
            for j, v in enumerate(self.seq(m.get("values") or [], (*loc, "values"))):
                if (k := self.code(v, (*loc, "values", j))) is None:
                    continue
                if read == "score":
                    values[k] = ((str(fact), v.get("value")),)
                else:
                    values[k] = self.sets(v.get("sets"), (*loc, "values", j, "sets"))
            limit = m.get("remission_limit")
            bounds = (float(rng[0]), float(rng[1]), "%") if isinstance(rng, list) and len(rng) == 2 \
                else _field_limits(fact)
            concept = Concept(
                id=self.text(m.get("id"), (*loc, "id")), read=read,
                fact=str(fact) if fact is not None else None,
                unit=str(unit) if unit is not None else None,
                range=(float(rng[0]), float(rng[1])) if isinstance(rng, list) and len(rng) == 2 else None,
                remission_limit=float(limit) if isinstance(limit, int | float) else None,
                values=MappingProxyType(values),
                positive=self.sets(m.get("positive") or {}, (*loc, "positive")),
                negative=self.sets(m.get("negative") or {}, (*loc, "negative")),
                quantity_positive=m.get("quantity_positive") is True,
                limits=bounds,
            )
            for j, c in enumerate(self.seq(m.get("codes") or [], (*loc, "codes"))):
                if (k := self.code(c, (*loc, "codes", j))) is not None:
                    if k in by_code and by_code[k].id != concept.id:
                        self.err((*loc, "codes", j), f"code already used by '{by_code[k].id}'")
                    by_code[k] = concept
            for p in self.phrases(m.get("text"), (*loc, "text")):
                by_text[p] = concept
        return by_code, by_text

    def _treatments(self, raw: object) -> tuple[dict[Key, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        allowed = FIELDS["prior_treatments"].choices
        by_code: dict[Key, tuple[str, ...]] = {}
        by_text: dict[str, tuple[str, ...]] = {}
        for i, entry in enumerate(self.seq(raw, ("treatments",))):
            loc: Loc = ("treatments", i)
            m = self.mapping(entry, loc)
            gives = tuple(str(g) for g in self.seq(m.get("gives"), (*loc, "gives")))
            for g in gives:
                if g not in allowed:
                    self.err((*loc, "gives"), f"'{g}' is not one of {', '.join(allowed)}")
            for j, c in enumerate(self.seq(m.get("codes") or [], (*loc, "codes"))):
                if (k := self.code(c, (*loc, "codes", j))) is not None:
                    by_code[k] = gives
            for p in self.phrases(m.get("text"), (*loc, "text")):
                by_text[p] = gives
        return by_code, by_text

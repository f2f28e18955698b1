"""The pathway as data: named criteria, situations from the source page, and options.

Loaded once from ``knowledge/pathway.yaml``, validated (every criterion names a
known fact and an allowed value, every id referenced exists, every option cites
evidence that exists), and frozen. ``assess`` then evaluates it many times.

Node kinds:

- ``criterion``: a named test of the facts (``crit.cd19_positive``), built from
  the kinds in :mod:`allnav.criteria`.
- ``situation``: a branch of the source page (first relapse, CNS relapse,
  second remission...) with the quoted source text and the options it leads to.
- ``option``: something the care team may offer, with the criteria it
  requires, when it is urgent, notes that apply in some cases, and evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from allnav import criteria as C
from allnav.assessment import GuidelineRank
from allnav.evidence import EvidenceRegistry, load_evidence, parse_evidence
from allnav.facts import FIELDS, Facts
from allnav.problems import KnowledgeError, Loc, Problem, did_you_mean
from allnav.schema import Checker

# libyaml's loader is several times faster; the pure-Python one is the fallback.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The option vocabulary: every assessment answers for each of these, in this order.
OPTION_IDS: tuple[str, ...] = (
    "clinical-trial",
    "blinatumomab",
    "inotuzumab-ozogamicin",
    "car-t-cell-therapy",
    "tki-based-therapy",
    "nelarabine-based-therapy",
    "menin-inhibitor",
    "intensive-salvage-chemotherapy",
    "allogeneic-stem-cell-transplant",
    "cns-directed-therapy",
    "low-intensity-palliative-therapy",
    "palliative-care",
    "hospice-care",
    "goals-of-care-conversation",
    "febrile-neutropenia-emergency",
    "crs-icans-emergency",
    "neurologic-or-circulation-emergency",
    "transfusion-support",
    "pain-management",
    "nausea-appetite-support",
    "infection-treatment",
    # Added for issue 12 (options a hematologist expects in 2026).
    "donor-lymphocyte-infusion",
    "second-allogeneic-transplant",
    "testicular-radiation",
    "repeat-original-induction",
    "post-ponatinib-tki",
    "infection-prophylaxis",
    "immunoglobulin-replacement",
)

#: How options are grouped for people: the way patients think about the choice.
CATEGORIES: Mapping[str, str] = MappingProxyType({
    "remission-treatment": "Treatments aimed at another remission",
    "transplant": "A stem cell transplant",
    "clinical-trial": "Clinical trials",
    "comfort-and-support": "Comfort, symptom relief and support",
    "urgent-care": "Symptoms that need care now",
})


@dataclass(frozen=True, slots=True)
class NamedCriterion:
    """A criterion with a stable id; ``run`` is its compiled form, ``fact_names`` the facts it reads."""

    id: str
    title: str
    test: C.Criterion
    note: str | None = None
    fact_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    #: Generated equivalent of ``test.missing`` (the engine's hot path; tests check they agree).
    missing: Callable[[Facts], tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fact_names", self.test.facts_used())
        object.__setattr__(self, "missing", C.Emitter(f"{self.id} missing").missing_function(self.test))


@dataclass(frozen=True, slots=True)
class Requirement:
    """A criterion an option needs, with the words for each outcome.

    ``ask_if_unknown=False`` is reserved for preferences that are normally
    unstated (the patient's goals): an unknown answer then neither blocks the
    option nor lists the fact as missing. It can never make an option
    not-suitable, so "unknown is not negative" still holds.
    """

    criterion: NamedCriterion
    met: str
    not_met: str
    unknown: str
    ask_if_unknown: bool = True
    #: ``possible`` when "not met" is a matter for the team's judgement (outside the
    #: trials' or the label's population but not contraindicated); the default
    #: ``not-suitable`` rules the option out.
    not_met_means: str = "not-suitable"


#: What a requirement that is not met does to the verdict.
NOT_MET_MEANS = ("not-suitable", "possible")
#: A guideline's order within a group of options (NCCN's words).
GUIDELINE_RANKS = ("preferred", "other-recommended", "certain-circumstances")


@dataclass(frozen=True, slots=True)
class Note:
    """Extra information shown with an option when a criterion has a given outcome."""

    criterion: NamedCriterion
    on: C.Tri
    text: str


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    title: str
    plain_title: str
    category: str
    summary: str
    requires: tuple[Requirement, ...]
    evidence: tuple[str, ...]
    urgent_when: NamedCriterion | None = None
    urgent_text: str | None = None
    notes: tuple[Note, ...] = ()
    involves: str | None = None
    #: The guideline's order by situation: the first group whose criterion is true applies.
    guideline: tuple[tuple[NamedCriterion, GuidelineRank], ...] = ()
    #: Memo tables of the engine (see engine.assess_option): reasons and verdict by
    #: requirement outcomes, and whole results by every outcome the option reads.
    verdicts: dict[tuple[C.Tri, ...], Any] = field(default_factory=dict, compare=False, repr=False)
    results: dict[tuple[C.Tri, ...], Any] = field(default_factory=dict, compare=False, repr=False)
    possible_results: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    read_key: Callable[[Mapping[str, C.Tri]], tuple[C.Tri, ...]] = field(
        init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids = [r.criterion.id for r in self.requires] + [n.criterion.id for n in self.notes]
        if self.urgent_when:
            ids.append(self.urgent_when.id)
        ids += [crit.id for crit, _ in self.guideline]
        object.__setattr__(self, "read_key", _outcome_reader(tuple(ids)))


def _outcome_reader(ids: tuple[str, ...]) -> Callable[[Mapping[str, C.Tri]], tuple[C.Tri, ...]]:
    # itemgetter reads several outcomes in one C call; it returns a tuple only for 2+ keys.
    if len(ids) >= 2:
        return operator.itemgetter(*ids)
    if len(ids) == 1:
        only = ids[0]
        return lambda named: (named[only],)
    return lambda named: ()


@dataclass(frozen=True, slots=True)
class Situation:
    """A branch of the source page: when it applies and which options it leads to."""

    id: str
    title: str
    when: NamedCriterion | None
    source_text: str
    options: tuple[str, ...]
    evidence: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class Pathway:
    id: str
    title: str
    version: str
    last_reviewed: dt.date
    review_interval_days: int
    reviewed_by: str
    criteria: Mapping[str, NamedCriterion]
    situations: tuple[Situation, ...]
    options: tuple[Option, ...]
    evidence: EvidenceRegistry
    source: str

    evaluate_criteria: Callable[[Facts], dict[str, C.Tri]] = field(repr=False, compare=False)
    #: Memo tables of the engine (see engine.assess): situations by their outcomes, and
    #: the missing-facts summary by each option's missing facts.
    situation_results: dict[tuple[C.Tri, ...], Any] = field(default_factory=dict, repr=False,
                                                             compare=False)
    missing_summaries: dict[tuple[tuple[str, ...], ...], Any] = field(
        default_factory=dict, repr=False, compare=False)

    @cached_property
    def review_due_date(self) -> dt.date:
        """The date the clinical review falls due (cached: it is read on every assessment)."""
        return self.review_due()

    def option(self, option_id: str) -> Option:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(option_id)

    def review_due(self) -> dt.date:
        return self.last_reviewed + dt.timedelta(days=self.review_interval_days)


def default_pathway_path() -> Path:
    return Path(str(resources.files("allnav") / "knowledge" / "pathway.yaml"))


_CACHE: dict[tuple[Path, Path], Pathway] = {}


def load_pathway(path: Path | None = None, evidence_path: Path | None = None) -> Pathway:
    """Load, validate and freeze the pathway and its evidence. Cached per file pair.

    Raises :class:`KnowledgeError` listing every problem with its path.
    """
    path = (path or default_pathway_path()).resolve()
    ev_path = (evidence_path or path.with_name("evidence.yaml")).resolve()
    key = (path, ev_path)
    if key not in _CACHE:
        evidence = load_evidence(ev_path)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
        chk = Checker()
        pathway = parse_pathway(data, evidence, chk)
        if chk.errors or pathway is None:
            raise KnowledgeError(path.name, chk.errors)
        _CACHE[key] = pathway
    return _CACHE[key]


def check_knowledge(pathway_data: object, evidence_data: object) -> list[Problem]:
    """Every problem (errors and warnings) in a pathway/evidence document pair."""
    chk = Checker()
    evidence = parse_evidence(evidence_data, chk)
    ev_problems = [Problem(p.type, ("evidence_file", *p.loc), p.msg, p.severity)
                   for p in chk.problems]
    chk2 = Checker()
    parse_pathway(pathway_data, evidence, chk2)
    return ev_problems + chk2.problems


class _Builder:
    def __init__(self, chk: Checker, raw_criteria: Mapping[str, tuple[Any, Loc]]) -> None:
        self.chk = chk
        self.raw = raw_criteria
        self.built: dict[str, NamedCriterion] = {}
        self.building: set[str] = set()

    def named(self, crit_id: str, loc: Loc) -> NamedCriterion | None:
        if crit_id in self.built:
            return self.built[crit_id]
        if crit_id not in self.raw:
            extra = did_you_mean(crit_id, list(self.raw))
            self.chk.error(loc, f"unknown criterion '{crit_id}'{extra}")
            return None
        if crit_id in self.building:
            self.chk.error(loc, f"criterion '{crit_id}' refers to itself")
            return None
        self.building.add(crit_id)
        node, nloc = self.raw[crit_id]
        test = self.test(node.get("test"), (*nloc, "test"))
        self.building.discard(crit_id)
        if test is None:
            return None
        named = NamedCriterion(crit_id, str(node.get("title") or crit_id), test,
                               node.get("note"))
        self.built[crit_id] = named
        return named

    def test(self, node: object, loc: Loc) -> C.Criterion | None:
        chk = self.chk
        if isinstance(node, str):
            ref = self.named(node, loc)
            return None if ref is None else C.Ref(id=node, target=ref.test)
        if not isinstance(node, Mapping) or "kind" not in node:
            chk.error(loc, "must be a criterion id or a mapping with a 'kind'")
            return None
        kind = node["kind"]
        if kind not in C.KINDS:
            extra = did_you_mean(str(kind), C.KINDS) or f"; kinds: {', '.join(C.KINDS)}"
            chk.error((*loc, "kind"), f"unknown criterion kind '{kind}'{extra}")
            return None
        if kind in ("all", "any"):
            m = chk.mapping(node, loc, ("kind", "of"))
            parts = m.get("of") if m else None
            if not isinstance(parts, list) or len(parts) < 2:
                chk.error((*loc, "of"), f"'{kind}' needs a list of at least two criteria")
                return None
            built = [self.test(p, (*loc, "of", i)) for i, p in enumerate(parts)]
            if any(b is None for b in built):
                return None
            cls = C.All if kind == "all" else C.Any
            return cls(of=tuple(b for b in built if b is not None))
        if kind in ("not", "not-ruled-out"):
            m = chk.mapping(node, loc, ("kind", "of"))
            inner = self.test(m.get("of"), (*loc, "of")) if m else None
            if inner is None:
                return None
            return C.Not(of=inner) if kind == "not" else C.NotRuledOut(of=inner)
        if kind == "ref":
            m = chk.mapping(node, loc, ("kind", "id"))
            return self.test(m.get("id"), (*loc, "id")) if m else None
        return self.fact_test(kind, node, loc)

    def fact_test(self, kind: str, node: Mapping[str, Any], loc: Loc) -> C.Criterion | None:
        chk = self.chk
        keys = {"equals": ("value",), "one-of": ("values",), "compare": ("op", "value"),
                "days-since": ("op", "value"), "includes": ("value",),
                "includes-any": ("values",), "is-true": ()}[kind]
        m = chk.mapping(node, loc, ("kind", "fact", *keys))
        if m is None:
            return None
        fact = m.get("fact")
        spec = FIELDS.get(str(fact))
        if spec is None:
            extra = did_you_mean(str(fact), list(FIELDS))
            chk.error((*loc, "fact"), f"unknown fact '{fact}'{extra}")
            return None
        expected = {
            "equals": ("choice",), "one-of": ("choice",), "compare": ("number", "integer"),
            "days-since": ("date",),
            "includes": ("choice-list", "text-list"), "includes-any": ("choice-list", "text-list"),
            "is-true": ("boolean",),
        }[kind]
        if spec.kind not in expected:
            chk.error((*loc, "fact"), f"'{kind}' cannot test '{spec.name}', which is a {spec.kind}")
            return None
        name = spec.name

        def check_value(v: object, vloc: Loc) -> bool:
            if spec.choices and v not in spec.choices:
                extra = did_you_mean(str(v), list(spec.choices))
                chk.error(vloc, f"'{v}' is not a value of {name}{extra}; "
                          f"allowed: {', '.join(spec.choices)}")
                return False
            if spec.kind == "text-list" and not isinstance(v, str):
                chk.error(vloc, "must be text")
                return False
            return True

        if kind in ("equals", "includes"):
            v = m.get("value")
            if not check_value(v, (*loc, "value")):
                return None
            return C.Equals(fact=name, value=str(v)) if kind == "equals" else C.Includes(
                fact=name, value=str(v))
        if kind in ("one-of", "includes-any"):
            vs = m.get("values")
            if not isinstance(vs, list) or not vs:
                chk.error((*loc, "values"), "must be a non-empty list")
                return None
            if not all(check_value(v, (*loc, "values", i)) for i, v in enumerate(vs)):
                return None
            values = tuple(str(v) for v in vs)
            return C.OneOf(fact=name, values=values) if kind == "one-of" else C.IncludesAny(
                fact=name, values=values)
        if kind == "days-since":
            op = m.get("op")
            if op not in (">=", ">", "<=", "<"):
                chk.error((*loc, "op"), "must be one of >=, >, <=, <")
                return None
            days = chk.number(m, "value", loc)
            if days is None or not 0 <= days <= 36_500:
                chk.error((*loc, "value"), "must be a number of days from 0 to 36500")
                return None
            return C.DaysSince(fact=name, op=str(op), value=days)
        if kind == "compare":
            op = m.get("op")
            if op not in (">=", ">", "<=", "<"):
                chk.error((*loc, "op"), "must be one of >=, >, <=, <")
                return None
            value = chk.number(m, "value", loc)
            if value is None:
                chk.error((*loc, "value"), "must be a number")
                return None
            assert spec.minimum is not None
            assert spec.maximum is not None
            if not spec.minimum <= value <= spec.maximum:
                chk.error((*loc, "value"), f"{value:g} is outside the range of {name} "
                          f"({spec.minimum:g} to {spec.maximum:g})")
            return C.Compare(fact=name, op=str(op), value=value)
        return C.IsTrue(fact=name)


def _evidence_ids(chk: Checker, node: Mapping[str, Any], loc: Loc, evidence: EvidenceRegistry,
                  *, required: bool) -> tuple[str, ...]:
    ids = chk.text_list(node, "evidence", loc)
    if required and not ids:
        chk.error((*loc, "evidence"), "must cite at least one evidence id")
    for i, ev in enumerate(ids):
        if ev not in evidence:
            extra = did_you_mean(ev, list(evidence.items))
            chk.error((*loc, "evidence", i), f"unknown evidence id '{ev}'{extra}")
    return ids


def parse_pathway(data: object, evidence: EvidenceRegistry, chk: Checker) -> Pathway | None:
    """Validate a parsed pathway document against the evidence; problems go to ``chk``."""
    root = chk.mapping(data, ("pathway",), (
        "schema_version", "id", "title", "version", "last_reviewed", "review_interval_days",
        "reviewed_by", "source", "criteria", "situations", "options"), ("guideline_order",))
    if root is None:
        return None
    if root.get("schema_version") != 1:
        chk.error(("schema_version",), "must be 1")
    raw = _raw_criteria(chk, root)
    builder = _Builder(chk, raw)
    for cid, (_, loc) in raw.items():
        builder.named(cid, loc)
    options, seen = _options(chk, root, builder, evidence)
    situations = _situations(chk, root, builder, evidence, seen, options)
    _warn_unused(chk, raw, builder, options, situations)
    source = chk.text(root, "source", ())
    if source and source not in evidence:
        chk.error(("source",), f"unknown evidence id '{source}'")
    reviewed = chk.date(root, "last_reviewed", ())
    interval = chk.number(root, "review_interval_days", (), integer=True)
    if chk.errors or reviewed is None:
        return None
    return Pathway(
        evaluate_criteria=compile_criteria(builder.built.values()),
        id=chk.text(root, "id", ()), title=chk.text(root, "title", ()),
        version=str(root.get("version")), last_reviewed=reviewed,
        review_interval_days=int(interval or 365), reviewed_by=chk.text(root, "reviewed_by", ()),
        criteria=MappingProxyType(dict(builder.built)), situations=tuple(situations),
        options=tuple(options), evidence=evidence, source=source,
    )


def _raw_criteria(chk: Checker, root: Mapping[str, Any]) -> dict[str, tuple[Any, Loc]]:
    """The ``criteria`` list by id, checked for shape and duplicates (built later, by reference)."""
    raw: dict[str, tuple[Any, Loc]] = {}
    crit_list = root.get("criteria") or []
    if not isinstance(crit_list, list):
        chk.error(("criteria",), "must be a list")
        crit_list = []
    for i, node in enumerate(crit_list):
        loc: Loc = ("criteria", i)
        m = chk.mapping(node, loc, ("id", "kind", "title", "test"), ("note",))
        if m is None:
            continue
        if m.get("kind") != "criterion":
            chk.error((*loc, "kind"), "must be 'criterion'")
        cid = chk.ident(m, "id", loc, prefix="crit.")
        if cid in raw:
            chk.error((*loc, "id"), f"duplicate criterion id '{cid}'")
        raw[cid] = (m, loc)
    return raw


def _options(chk: Checker, root: Mapping[str, Any], builder: _Builder, evidence: EvidenceRegistry,
             ) -> tuple[list[Option], set[str]]:
    """The options in vocabulary order, with their guideline ranks, and the ids seen."""
    options: list[Option] = []
    opt_list = root.get("options") or []
    seen: set[str] = set()
    for i, node in enumerate(opt_list if isinstance(opt_list, list) else []):
        loc: Loc = ("options", i)
        m = chk.mapping(node, loc, ("id", "kind", "title", "plain_title", "category", "summary",
                                    "requires", "evidence"),
                        ("urgent_when", "urgent_text", "notes", "involves"))
        if m is None:
            continue
        oid = chk.ident(m, "id", loc)
        if m.get("kind") != "option":
            chk.error((*loc, "kind"), "must be 'option'")
        if oid and oid not in OPTION_IDS:
            extra = did_you_mean(oid, list(OPTION_IDS))
            chk.error((*loc, "id"), f"'{oid}' is not in the option vocabulary{extra}")
        if oid in seen:
            chk.error((*loc, "id"), f"duplicate option id '{oid}'")
        seen.add(oid)
        options.append(_option(chk, m, loc, oid, builder, evidence))
    for oid in OPTION_IDS:
        if oid not in seen:
            chk.error(("options",), f"option '{oid}' of the vocabulary is missing")
    order = _guideline_order(chk, root.get("guideline_order"), builder, evidence, seen)
    options = [dataclasses.replace(o, guideline=order.get(o.id, ())) if o.id in order else o
               for o in options]
    # The vocabulary order is the output order, whatever the file order.
    options.sort(key=lambda o: OPTION_IDS.index(o.id) if o.id in OPTION_IDS else 999)
    return options, seen


def _option(chk: Checker, m: Mapping[str, Any], loc: Loc, oid: str, builder: _Builder,
            evidence: EvidenceRegistry) -> Option:
    # Requirements, notes, then urgency: the order criteria are first built in (and so listed).
    requires = _requirements(chk, m, loc, builder)
    notes = _notes(chk, m, loc, builder)
    urgent = None
    if m.get("urgent_when") is not None:
        urgent = builder.named(str(m["urgent_when"]), (*loc, "urgent_when"))
        if not m.get("urgent_text"):
            chk.error((*loc, "urgent_text"), "an urgent option must say what to do now")
    category = chk.choice(m, "category", loc, CATEGORIES)
    return Option(
        id=oid, title=chk.text(m, "title", loc), plain_title=chk.text(m, "plain_title", loc),
        category=category, summary=chk.text(m, "summary", loc),
        requires=tuple(requires),
        evidence=_evidence_ids(chk, m, loc, evidence, required=True),
        urgent_when=urgent, urgent_text=m.get("urgent_text"), notes=tuple(notes),
        involves=m.get("involves"),
    )


def _requirements(chk: Checker, m: Mapping[str, Any], loc: Loc, builder: _Builder,
                  ) -> list[Requirement]:
    requires: list[Requirement] = []
    reqs = m.get("requires")
    if not isinstance(reqs, list):
        chk.error((*loc, "requires"), "must be a list (empty when always suitable)")
        reqs = []
    for j, r in enumerate(reqs):
        rloc = (*loc, "requires", j)
        rm = chk.mapping(r, rloc, ("criterion", "met", "not_met", "unknown"),
                         ("ask_if_unknown", "not_met_means"))
        if rm is None:
            continue
        crit = builder.named(str(rm.get("criterion")), (*rloc, "criterion"))
        ask = rm.get("ask_if_unknown", True)
        if not isinstance(ask, bool):
            chk.error((*rloc, "ask_if_unknown"), "must be true or false")
            ask = True
        means = rm.get("not_met_means", "not-suitable")
        if means not in NOT_MET_MEANS:
            chk.error((*rloc, "not_met_means"), f"must be one of {', '.join(NOT_MET_MEANS)}")
            means = "not-suitable"
        if crit is not None:
            requires.append(Requirement(
                crit, chk.text(rm, "met", rloc), chk.text(rm, "not_met", rloc),
                chk.text(rm, "unknown", rloc), ask, str(means)))
    return requires


def _notes(chk: Checker, m: Mapping[str, Any], loc: Loc, builder: _Builder) -> list[Note]:
    notes: list[Note] = []
    for j, n in enumerate(m.get("notes") or []):
        nloc = (*loc, "notes", j)
        nm = chk.mapping(n, nloc, ("when", "text"), ("outcome",))
        if nm is None:
            continue
        crit = builder.named(str(nm.get("when")), (*nloc, "when"))
        # YAML 1.1 reads a bare `on:` key as true, hence the name "outcome".
        on_word = nm.get("outcome", "true")
        on_map: dict[object, C.Tri] = {"true": True, True: True, "false": False,
                                       False: False, "unknown": None}
        if on_word not in on_map:
            chk.error((*nloc, "outcome"), "must be true, false or unknown")
        if crit is not None:
            notes.append(Note(crit, on_map.get(on_word, True), chk.text(nm, "text", nloc)))
    return notes


def _situations(chk: Checker, root: Mapping[str, Any], builder: _Builder, evidence: EvidenceRegistry,
                seen: set[str], options: list[Option]) -> list[Situation]:
    """The situations; warns about an option no situation reaches."""
    situations: list[Situation] = []
    in_situation: set[str] = set()
    for i, node in enumerate(root.get("situations") or []):
        loc: Loc = ("situations", i)
        m = chk.mapping(node, loc, ("id", "kind", "title", "options", "evidence", "explanation"),
                        ("when", "source_text"))
        if m is None:
            continue
        if m.get("kind") != "situation":
            chk.error((*loc, "kind"), "must be 'situation'")
        when = None
        if m.get("when") is not None:
            when = builder.named(str(m["when"]), (*loc, "when"))
        opts = chk.text_list(m, "options", loc)
        for j, oid in enumerate(opts):
            if oid not in seen:
                chk.error((*loc, "options", j), f"unknown option '{oid}'")
            in_situation.add(oid)
        situations.append(Situation(
            id=chk.ident(m, "id", loc, prefix="sit."), title=chk.text(m, "title", loc),
            when=when, source_text=chk.text(m, "source_text", loc, required=False),
            options=opts,
            evidence=_evidence_ids(chk, m, loc, evidence, required=True),
            explanation=chk.text(m, "explanation", loc),
        ))
    for o in options:
        if o.id and o.id not in in_situation:
            chk.warn(("options",), f"option '{o.id}' is not reachable from any situation")
    return situations


def _warn_unused(chk: Checker, raw: Mapping[str, tuple[Any, Loc]], builder: _Builder,
                 options: Sequence[Option], situations: Sequence[Situation]) -> None:
    used = {n.criterion.id for o in options for n in o.notes} | {
        r.criterion.id for o in options for r in o.requires} | {
        o.urgent_when.id for o in options if o.urgent_when} | {
        s.when.id for s in situations if s.when} | {
        crit.id for o in options for crit, _ in o.guideline}
    for cid, (_, loc) in raw.items():
        if cid not in used and not _referenced(cid, builder.built.values()):
            chk.warn(loc, f"criterion '{cid}' is never used")


def _guideline_order(chk: Checker, node: object, builder: _Builder, evidence: EvidenceRegistry,
                     options: set[str]) -> dict[str, tuple[tuple[NamedCriterion, GuidelineRank], ...]]:
    """``guideline_order``: groups of options in a situation, each with its guideline rank."""
    out: dict[str, list[tuple[NamedCriterion, GuidelineRank]]] = {}
    if node is None:
        return {}
    if not isinstance(node, list):
        chk.error(("guideline_order",), "must be a list of groups")
        return {}
    for i, group in enumerate(node):
        loc: Loc = ("guideline_order", i)
        m = chk.mapping(group, loc, ("group", "when", "evidence", "verification", "ranks"),
                        ("note",))
        if m is None:
            continue
        crit = builder.named(str(m.get("when")), (*loc, "when"))
        ev_ids = _evidence_ids(chk, m, loc, evidence, required=True)
        verification = chk.choice(m, "verification", loc, ("verified", "partial", "recalled"))
        ranks = m.get("ranks")
        rm = chk.mapping(ranks, (*loc, "ranks"), (), GUIDELINE_RANKS)
        if crit is None or rm is None or not ev_ids:
            continue
        for rank in GUIDELINE_RANKS:
            for j, oid in enumerate(chk.text_list(rm, rank, (*loc, "ranks"))):
                if oid not in options:
                    chk.error((*loc, "ranks", rank, j), f"unknown option '{oid}'"
                              + did_you_mean(oid, list(options)))
                    continue
                out.setdefault(oid, []).append((crit, GuidelineRank(
                    rank, chk.text(m, "group", loc), ev_ids[0], verification)))
    return {oid: tuple(v) for oid, v in out.items()}


def compile_criteria(order: Iterable[NamedCriterion]) -> Callable[[Facts], dict[str, C.Tri]]:
    """One function that computes every named criterion for a patient.

    ``order`` must list each criterion after those it refers to (the builder's order).
    """
    code = C.Emitter("all named criteria")
    for named in order:
        code.named_vars[named.id] = named.test.emit(code)
    return code.function(code.named_vars)


def _referenced(cid: str, named: Any) -> bool:
    def walk(c: C.Criterion) -> bool:
        if isinstance(c, C.Ref) and c.id == cid:
            return True
        return any(walk(ch) for ch in c.children() if not isinstance(c, C.Ref))
    return any(walk(n.test) for n in named if n.id != cid)

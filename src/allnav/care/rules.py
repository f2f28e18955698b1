"""The care rules as data: ``knowledge/care.yaml``, validated at load with path-addressed messages.

The file holds every number a nurse would check (thresholds, MASCC points)
and every sentence a patient reads, each rule citing evidence ids that must
exist in ``evidence.yaml``. The *logic* that combines them (fever and
neutropenia, which variant applies) is in :mod:`allnav.care.triage`; the set
of rules, variants and thresholds is closed, so a typo or a missing piece in
the file fails loudly at load instead of silently dropping an alert.

Texts may name a threshold in braces (``{fever_sustained}``); it is replaced by
the threshold's value and unit at load, so a sentence cannot drift from the
number the code uses.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import operator
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from allnav.care.model import LEVELS, Level
from allnav.evidence import EvidenceRegistry, load_evidence
from allnav.facts import FIELDS
from allnav.pathway import Pathway, load_pathway
from allnav.problems import KnowledgeError, Loc
from allnav.schema import Checker

_OPS: Mapping[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}
_OP_WORDS = {">=": "at or above", ">": "above", "<=": "at or below", "<": "below"}

#: Every threshold the triage reads, and the fact it is a threshold of.
THRESHOLD_FACTS: Mapping[str, str] = MappingProxyType({
    "fever_single": "symptoms.temperature_c",
    "fever_sustained": "symptoms.temperature_c",
    "neutropenia": "symptoms.anc_per_ul",
    "red_cells": "symptoms.hemoglobin_g_dl",
    "red_cells_symptomatic": "symptoms.hemoglobin_g_dl",
    "platelets": "symptoms.platelets_per_ul",
    "nsaid_platelets": "symptoms.platelets_per_ul",
    "pain_any": "symptoms.pain_score",
    "pain_moderate": "symptoms.pain_score",
    "pain_severe": "symptoms.pain_score",
})

#: Every rule, in output order within a level, with its variants and optional extras.
RULES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType({
    "febrile-neutropenia": (("confirmed", "not-ruled-out"), ("counts-out-of-date", "chemo-nadir")),
    "crs-icans": (("car-t", "blinatumomab"), ()),
    "neurologic-or-circulation": (("neurologic", "low-blood-pressure"), ()),
    "infection": (("fever", "neutropenia-not-ruled-out", "neutrophils-not-low"), ()),
    "bleeding": (("bleeding",), ()),
    "platelets": (("at-or-below-threshold",), ()),
    "red-cells": (("hemoglobin-low", "breathless", "fatigue"), ()),
    "pain": (("severe", "moderate", "mild", "localized-only"),
             ("localized-bone-pain", "avoid-nsaids")),
    "nsaid-caution": (("low-platelets-or-bleeding",), ()),
    "nausea-appetite": (("nausea-or-appetite",), ()),
})

#: Rules whose every variant must be an emergency: a knowledge edit cannot downgrade them.
ALWAYS_EMERGENCY = ("febrile-neutropenia", "crs-icans", "neurologic-or-circulation", "bleeding")

_BURDEN = FIELDS["symptoms.burden_of_illness"].choices
#: The published maximum of the MASCC index (Klastersky 2000); the points must add up to it.
MASCC_MAXIMUM = 26


@dataclass(frozen=True, slots=True)
class Threshold:
    """A number from the evidence sheet: ``fact op value`` (e.g. ANC below 500/µL)."""

    id: str
    fact: str
    op: str
    value: float
    evidence: tuple[str, ...]
    pathway_criteria: tuple[str, ...] = ()
    note: str | None = None

    def met(self, value: float) -> bool:
        """Whether a known value meets the threshold; exact at the boundary."""
        return _OPS[self.op](value, self.value)

    def shown(self) -> str:
        """The threshold value with its unit, as people read it (``10,000/µL``, ``38.0 °C``)."""
        return show_quantity(self.fact, self.value, op=self.op)

    def describe(self) -> str:
        return f"{_OP_WORDS[self.op]} {self.shown()}"


@dataclass(frozen=True, slots=True)
class Variant:
    level: Level
    patient: str
    clinician: str


@dataclass(frozen=True, slots=True)
class Extra:
    patient: str
    clinician: str


@dataclass(frozen=True, slots=True)
class HospiceText:
    """What a rule tells someone in hospice care: call the hospice team first (``{when}`` is
    now / today / at their next visit, by level), with 911 only where minutes count."""

    do_now: str
    why: str

    def for_level(self, level: Level) -> tuple[str, str]:
        when = {"emergency": "now", "same-day": "today", "next-visit": "at their next visit"}
        return self.do_now.replace("{when}", when[level]), self.why


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    evidence: tuple[str, ...]
    variants: Mapping[str, Variant]
    extras: Mapping[str, Extra]
    hospice: HospiceText
    #: The pathway option whose urgency this rule's emergencies are; its urgent text is the
    #: "do now" and "why" of the alert.
    option: str | None = None


@dataclass(frozen=True, slots=True)
class CallItem:
    """One line of the patient's "when to call your care team right away" list. ``when`` is
    the pathway criterion the line describes: when the facts already meet it, the line is
    not shown (an alert says what to do now instead)."""

    text: str
    rule: str
    when: str | None = None


@dataclass(frozen=True, slots=True)
class GuidanceText:
    title: str
    patient: str
    clinician: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MasccPoints:
    """The MASCC risk index (Klastersky 2000) as reviewable numbers."""

    burden_of_illness: Mapping[str, int]
    no_hypotension: int
    hypotension_below_mmhg: float
    no_copd: int
    no_prior_fungal_infection: int
    no_dehydration_needing_iv: int
    outpatient_at_fever_onset: int
    age_below_years: float
    age_points: int
    low_risk_at_least: int
    statement: str
    evidence: tuple[str, ...]

    @property
    def maximum(self) -> int:
        return (max(self.burden_of_illness.values()) + self.no_hypotension + self.no_copd
                + self.no_prior_fungal_infection + self.no_dehydration_needing_iv
                + self.outpatient_at_fever_onset + self.age_points)


@dataclass(frozen=True)
class CareRules:
    """The validated, frozen content of ``care.yaml``."""

    id: str
    version: str
    last_reviewed: dt.date
    review_interval_days: int
    reviewed_by: str
    thresholds: Mapping[str, Threshold]
    rules: Mapping[str, Rule]
    call_right_away: tuple[CallItem, ...]
    mascc: MasccPoints
    palliative: GuidanceText
    hospice: GuidanceText
    evidence: EvidenceRegistry
    #: The pathway whose named criteria decide every emergency (one source of truth: the
    #: engine's urgent options and these alerts read the same compiled criteria).
    pathway: Pathway

    def review_due(self) -> dt.date:
        return self.last_reviewed + dt.timedelta(days=self.review_interval_days)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a near miss among ``candidates``, else an empty string."""
    options = list(candidates)
    found = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean '{found[0]}'?)" if found else ""


def show_number(value: float) -> str:
    """A number as people read it: ``10,000``, ``7``, ``6.9``."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def show_quantity(fact: str, value: float, *, op: str | None = None) -> str:
    """A value of a fact with its v1 unit; temperatures also in °F.

    For a threshold (``op`` given) the °F figure is the first 0.1 °F reading that
    meets it, so 38.3 °C shows as 101 °F, the reading a patient would see.
    """
    unit = FIELDS[fact].unit or ""
    if fact == "symptoms.temperature_c":
        f = value * 9 / 5 + 32
        tenths = f * 10
        # Clear float noise first so 38.0 °C is 100.4 °F, not 100.5 °F after ceil().
        tenths = round(tenths, 6)
        if op in (">=", ">"):
            tenths = math.ceil(tenths)
        elif op in ("<=", "<"):
            tenths = math.floor(tenths)
        else:
            tenths = round(tenths)
        # One decimal as thermometers show it, two when the value has them (38.28 °C from
        # 100.9 °F must not be shown as 38.3 °C, which would meet the fever threshold).
        c = f"{value:.1f}" if round(value, 1) == round(value, 6) else f"{value:.2f}"
        return f"{c} °C ({show_number(tenths / 10)} °F)"
    if not unit:
        return show_number(value)
    return f"{show_number(value)}{unit}" if unit.startswith("/") else f"{show_number(value)} {unit}"


def default_care_path() -> Path:
    return Path(str(resources.files("allnav") / "knowledge" / "care.yaml"))


_CACHE: dict[tuple[Path, Path], CareRules] = {}


def load_care_rules(path: Path | None = None, evidence_path: Path | None = None,
                    pathway_path: Path | None = None) -> CareRules:
    """Load, validate and freeze ``care.yaml`` and its evidence. Cached per file pair.

    The pathway is ``pathway.yaml`` beside the care file when there is one, else the
    packaged pathway. Raises :class:`KnowledgeError` listing every problem with its path.
    """
    path = (path or default_care_path()).resolve()
    ev_path = (evidence_path or path.with_name("evidence.yaml")).resolve()
    if pathway_path is None:
        beside = path.with_name("pathway.yaml")
        pathway_path = beside if beside.exists() else None
    key = (path, ev_path)
    if key not in _CACHE:
        evidence = load_evidence(ev_path)
        pathway = load_pathway(pathway_path)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        chk = Checker()
        rules = parse_care_rules(data, evidence, chk, pathway)
        if chk.errors or rules is None:
            raise KnowledgeError(path.name, chk.errors)
        _CACHE[key] = rules
    return _CACHE[key]


def _evidence(chk: Checker, node: Mapping[str, Any], loc: Loc,
              evidence: EvidenceRegistry) -> tuple[str, ...]:
    ids = chk.text_list(node, "evidence", loc)
    if not ids:
        chk.error((*loc, "evidence"), "must cite at least one evidence id")
    for i, ev in enumerate(ids):
        if ev not in evidence:
            chk.error((*loc, "evidence", i),
                      f"unknown evidence id '{ev}'{did_you_mean(ev, evidence.items)}")
    return ids


class _Texts:
    """Checks the placeholders of a text and fills them with threshold values."""

    def __init__(self, chk: Checker, thresholds: Mapping[str, Threshold]) -> None:
        self.chk = chk
        self.values = {t.id: t.shown() for t in thresholds.values()}
        self.values["when"] = "{when}"  # filled per triage level (HospiceText.for_level)

    def text(self, node: Mapping[str, Any], key: str, loc: Loc) -> str:
        raw = self.chk.text(node, key, loc)
        if key not in node:
            return ""
        names: list[str] = []
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(raw) if f is not None]
        except ValueError as e:
            self.chk.error((*loc, key), f"unbalanced braces in text ({e})")
            return raw
        bad = [n for n in names if n not in self.values]
        for n in bad:
            self.chk.error((*loc, key), f"unknown threshold '{{{n}}}' in text"
                           f"{did_you_mean(n, self.values)}; known: {', '.join(self.values)}")
        if bad:
            return raw
        return raw.format_map(self.values)


def _thresholds(chk: Checker, root: Mapping[str, Any],
                evidence: EvidenceRegistry) -> dict[str, Threshold]:
    out: dict[str, Threshold] = {}
    seen: set[str] = set()
    nodes = root.get("thresholds")
    if not isinstance(nodes, list):
        chk.error(("thresholds",), "must be a list")
        return out
    for i, node in enumerate(nodes):
        loc: Loc = ("thresholds", i)
        m = chk.mapping(node, loc, ("id", "fact", "op", "value", "evidence"),
                        ("pathway_criteria", "note"))
        if m is None:
            continue
        tid = chk.text(m, "id", loc)
        if tid not in THRESHOLD_FACTS:
            chk.error((*loc, "id"), f"unknown threshold '{tid}'{did_you_mean(tid, THRESHOLD_FACTS)}")
            continue
        if tid in seen:
            chk.error((*loc, "id"), f"duplicate threshold '{tid}'")
        seen.add(tid)
        fact = chk.text(m, "fact", loc)
        if fact != THRESHOLD_FACTS[tid]:
            chk.error((*loc, "fact"), f"threshold '{tid}' is read as a threshold of "
                      f"{THRESHOLD_FACTS[tid]}, not '{fact}'")
            continue
        op = m.get("op")
        if op not in _OPS:
            chk.error((*loc, "op"), "must be one of >=, >, <=, <")
            continue
        value = chk.number(m, "value", loc)
        spec = FIELDS[fact]
        assert spec.minimum is not None
        assert spec.maximum is not None
        if value is None:
            chk.error((*loc, "value"), "must be a number")
            continue
        if not spec.minimum <= value <= spec.maximum:
            chk.error((*loc, "value"), f"{value:g} is outside the range of {fact} "
                      f"({spec.minimum:g} to {spec.maximum:g})")
        crits = chk.text_list(m, "pathway_criteria", loc)
        for j, c in enumerate(crits):
            if not c.startswith("crit."):
                chk.error((*loc, "pathway_criteria", j), "must be a pathway criterion id (crit.*)")
        out[tid] = Threshold(tid, fact, str(op), value, _evidence(chk, m, loc, evidence),
                             crits, chk.text(m, "note", loc, required=False) or None)
    for tid in THRESHOLD_FACTS:
        if tid not in seen:
            chk.error(("thresholds",), f"threshold '{tid}' is missing")
    return out


def _level(chk: Checker, node: Mapping[str, Any], loc: Loc) -> Level:
    level = node.get("level")
    for lv in LEVELS:
        if level == lv:
            return lv
    chk.error((*loc, "level"), f"'{level}' is not a triage level; one of {', '.join(LEVELS)}")
    return "emergency"


def _rules(chk: Checker, root: Mapping[str, Any], evidence: EvidenceRegistry,
           texts: _Texts, pathway: Pathway) -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    nodes = root.get("rules")
    if not isinstance(nodes, list):
        chk.error(("rules",), "must be a list")
        return out
    for i, node in enumerate(nodes):
        loc: Loc = ("rules", i)
        m = chk.mapping(node, loc, ("id", "title", "evidence", "variants", "hospice"),
                        ("extras", "option"))
        if m is None:
            continue
        rid = chk.text(m, "id", loc)
        if rid not in RULES:
            chk.error((*loc, "id"), f"unknown rule '{rid}'{did_you_mean(rid, RULES)}")
            continue
        if rid in out:
            chk.error((*loc, "id"), f"duplicate rule '{rid}'")
        want_variants, want_extras = RULES[rid]
        variants: dict[str, Variant] = {}
        vm = chk.mapping(m.get("variants"), (*loc, "variants"), want_variants)
        for name in want_variants if vm is not None else ():
            if vm is None or name not in vm:
                continue  # already reported as required
            vloc = (*loc, "variants", name)
            v = chk.mapping(vm[name], vloc, ("level", "patient", "clinician"))
            if v is None:
                continue
            level = _level(chk, v, vloc)
            if rid in ALWAYS_EMERGENCY and level != "emergency":
                chk.error((*vloc, "level"), f"every variant of '{rid}' must be 'emergency'")
            variants[name] = Variant(level, texts.text(v, "patient", vloc),
                                     texts.text(v, "clinician", vloc))
        extras: dict[str, Extra] = {}
        if want_extras or "extras" in m:
            em = chk.mapping(m.get("extras"), (*loc, "extras"), want_extras)
            for name in want_extras if em is not None else ():
                if em is None or name not in em:
                    continue  # already reported as required
                eloc = (*loc, "extras", name)
                e = chk.mapping(em[name], eloc, ("patient", "clinician"))
                if e is not None:
                    extras[name] = Extra(texts.text(e, "patient", eloc),
                                         texts.text(e, "clinician", eloc))
        option = chk.text(m, "option", loc, required=False) or None
        if option is not None:
            found = next((o for o in pathway.options if o.id == option), None)
            if found is None or found.urgent_when is None:
                chk.error((*loc, "option"), f"'{option}' is not a pathway option with an "
                          "urgent_when: a rule's emergencies must be the pathway's")
        hloc = (*loc, "hospice")
        hm = chk.mapping(m.get("hospice"), hloc, ("do_now", "why")) or {}
        hospice = HospiceText(texts.text(hm, "do_now", hloc), texts.text(hm, "why", hloc))
        if hm and "hospice" not in hospice.do_now:
            chk.error((*hloc, "do_now"), "must point to the hospice team first")
        out[rid] = Rule(rid, chk.text(m, "title", loc), _evidence(chk, m, loc, evidence),
                        MappingProxyType(variants), MappingProxyType(extras), hospice, option)
    for rid in RULES:
        if rid not in out:
            chk.error(("rules",), f"rule '{rid}' is missing")
    # Keep the vocabulary order whatever the file order: it is the output order.
    return {rid: out[rid] for rid in RULES if rid in out}


def _points(chk: Checker, node: Mapping[str, Any], key: str, loc: Loc) -> int:
    value = _required_number(chk, node, key, loc, integer=True)
    if value is not None and value < 0:
        chk.error((*loc, key), "must not be negative")
    return 0 if value is None else int(value)


def _required_number(chk: Checker, node: Mapping[str, Any], key: str, loc: Loc, *,
                     integer: bool = False) -> float | None:
    if key not in node:
        return None  # chk.mapping has reported it as required
    if node[key] is None:
        chk.error((*loc, key), "must be a whole number" if integer else "must be a number")
        return None
    return chk.number(node, key, loc, integer=integer)


def _mascc(chk: Checker, root: Mapping[str, Any], evidence: EvidenceRegistry) -> MasccPoints:
    loc: Loc = ("mascc",)
    before = len(chk.errors)
    keys = ("burden_of_illness", "no_hypotension", "hypotension_below_mmhg", "no_copd",
            "no_prior_fungal_infection", "no_dehydration_needing_iv",
            "outpatient_at_fever_onset", "age_below_years", "age_points", "low_risk_at_least",
            "statement", "evidence")
    if "mascc" not in root:
        return MasccPoints(MappingProxyType(dict.fromkeys(_BURDEN, 0)), 0, 0.0, 0, 0, 0, 0, 0.0,
                           0, 0, "", ())  # chk.mapping has reported it as required
    m = chk.mapping(root["mascc"], loc, keys) or {}
    burden: dict[str, int] = {}
    bm = chk.mapping(m.get("burden_of_illness"), (*loc, "burden_of_illness"), _BURDEN)
    for choice in _BURDEN if bm is not None else ():
        burden[choice] = _points(chk, bm or {}, choice, (*loc, "burden_of_illness"))
    hypo = _required_number(chk, m, "hypotension_below_mmhg", loc)
    age = _required_number(chk, m, "age_below_years", loc)
    points = MasccPoints(
        burden_of_illness=MappingProxyType(burden or dict.fromkeys(_BURDEN, 0)),
        no_hypotension=_points(chk, m, "no_hypotension", loc),
        hypotension_below_mmhg=hypo if hypo is not None else 0.0,
        no_copd=_points(chk, m, "no_copd", loc),
        no_prior_fungal_infection=_points(chk, m, "no_prior_fungal_infection", loc),
        no_dehydration_needing_iv=_points(chk, m, "no_dehydration_needing_iv", loc),
        outpatient_at_fever_onset=_points(chk, m, "outpatient_at_fever_onset", loc),
        age_below_years=age if age is not None else 0.0,
        age_points=_points(chk, m, "age_points", loc),
        low_risk_at_least=_points(chk, m, "low_risk_at_least", loc),
        statement=chk.text(m, "statement", loc),
        evidence=_evidence(chk, m, loc, evidence) if m else (),
    )
    if len(chk.errors) > before:
        return points  # the sums below would only repeat the problem
    if m and points.maximum != MASCC_MAXIMUM:
        chk.error(loc, f"the points add up to {points.maximum}; the published maximum of the "
                  f"MASCC index is {MASCC_MAXIMUM} (burden of illness counts once, at its highest)")
    if m and not 0 < points.low_risk_at_least <= points.maximum:
        chk.error((*loc, "low_risk_at_least"), "must be between 1 and the maximum score")
    return points


def _guidance(chk: Checker, root: Mapping[str, Any], key: str, evidence: EvidenceRegistry,
              texts: _Texts) -> GuidanceText:
    loc: Loc = (key,)
    if key not in root:
        return GuidanceText("", "", "", ())  # chk.mapping has reported it as required
    m = chk.mapping(root[key], loc, ("title", "patient", "clinician", "evidence")) or {}
    return GuidanceText(chk.text(m, "title", loc), texts.text(m, "patient", loc),
                        texts.text(m, "clinician", loc),
                        _evidence(chk, m, loc, evidence) if m else ())


def parse_care_rules(data: object, evidence: EvidenceRegistry, chk: Checker,
                     pathway: Pathway | None = None) -> CareRules | None:
    """Validate a parsed ``care.yaml`` against the evidence and the pathway (the packaged one
    by default); problems go to ``chk``."""
    pathway = pathway or load_pathway()
    root = chk.mapping(data, ("care",), (
        "schema_version", "id", "version", "last_reviewed", "review_interval_days",
        "reviewed_by", "thresholds", "rules", "call_right_away", "mascc", "palliative",
        "hospice"))
    if root is None:
        return None
    if root.get("schema_version") != 1:
        chk.error(("schema_version",), "must be 1")
    thresholds = _thresholds(chk, root, evidence)
    texts = _Texts(chk, thresholds)
    rules = _rules(chk, root, evidence, texts, pathway)
    calls: list[CallItem] = []
    nodes = root.get("call_right_away")
    if not isinstance(nodes, list) or not nodes:
        chk.error(("call_right_away",), "must be a non-empty list")
        nodes = []
    for i, node in enumerate(nodes):
        loc: Loc = ("call_right_away", i)
        m = chk.mapping(node, loc, ("text", "rule"), ("when",))
        if m is None:
            continue
        rule = chk.text(m, "rule", loc)
        if rule not in RULES:
            chk.error((*loc, "rule"), f"unknown rule '{rule}'{did_you_mean(rule, RULES)}")
        when = chk.text(m, "when", loc, required=False) or None
        if when is not None and when not in pathway.criteria:
            chk.error((*loc, "when"), f"unknown pathway criterion '{when}'"
                      f"{did_you_mean(when, pathway.criteria)}")
        calls.append(CallItem(texts.text(m, "text", loc), rule, when))
    mascc = _mascc(chk, root, evidence)
    palliative = _guidance(chk, root, "palliative", evidence, texts)
    hospice = _guidance(chk, root, "hospice", evidence, texts)
    reviewed = chk.date(root, "last_reviewed", ())
    interval = chk.number(root, "review_interval_days", (), integer=True)
    if chk.errors or reviewed is None:
        return None
    return CareRules(
        id=chk.text(root, "id", ()), version=str(root.get("version")), last_reviewed=reviewed,
        review_interval_days=int(interval or 365), reviewed_by=chk.text(root, "reviewed_by", ()),
        thresholds=MappingProxyType(thresholds), rules=MappingProxyType(rules),
        call_right_away=tuple(calls), mascc=mascc, palliative=palliative, hospice=hospice,
        evidence=evidence, pathway=pathway,
    )

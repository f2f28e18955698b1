"""The evidence registry: every source the pathway cites, with population and numbers.

Evidence is data (``knowledge/evidence.yaml``), referenced by id from the
pathway. The loader rejects an item without a source URL or review date, and
an outcome without a verification status: a number that was recalled rather
than read in a source is kept, but marked, so it is never shown as fact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from allnav.problems import KnowledgeError, Loc
from allnav.schema import Checker
from allnav.sources import identifier_problem, missing_identifier, source_problems

EVIDENCE_KINDS = (
    "randomized-trial", "single-arm-trial", "registry", "cohort", "guideline", "drug-label",
    "review", "patient-information",
)
VERIFICATION = ("verified", "partial", "recalled")
MEASURES = ("proportion", "median", "hazard-ratio", "rate")
OUTCOME_KINDS = ("benefit", "harm", "context")
ENDPOINTS = (
    "cr", "cr-cri", "cr-crh", "cr-crh-cri", "overall-remission", "major-hematologic-response",
    "mrd-negative", "median-os", "median-efs", "median-rfs", "median-dfs",
    "median-remission-duration", "os-at-1y", "os-at-2y", "os-at-3y", "os-at-5y", "efs-at-6m",
    "efs-at-2y", "efs-at-3y", "dfs-at-5y", "os-hazard-ratio", "proceeded-to-transplant",
    "crs-grade3plus", "crs-any", "neurotoxicity-grade3plus", "neurotoxicity-any",
    "icans-grade3plus", "vod-sos", "non-relapse-mortality", "fatal-adverse-reactions",
    "arterial-occlusive-events", "neutropenia-grade3plus", "thrombocytopenia-grade3plus",
    "quality-of-life", "hospice-use", "other",
)

Verification = Literal["verified", "partial", "recalled"]

_ARM_KEYS = ("arm", "events", "total", "percent", "published_ci95", "months", "ci95", "value", "ci")
_OUTCOME_KEYS = (
    "arm", "events", "total", "percent", "published_ci95", "months", "ci95", "value", "ci",
    "ci_level", "unit", "timeframe", "comparator", "note",
)


@dataclass(frozen=True, slots=True)
class ArmResult:
    """The figures for one arm: a proportion (events/total, or a percent), a median in
    months, or a value (hazard ratio, rate), with the interval as published."""

    arm: str
    events: int | None = None
    total: int | None = None
    percent: float | None = None
    published_ci95: tuple[float, float] | None = None
    months: float | None = None
    ci95: tuple[float | None, float | None] | None = None
    value: float | None = None
    ci: tuple[float, float] | None = None

    @property
    def fraction(self) -> float | None:
        """The proportion as a fraction 0-1, from events/total when published."""
        if self.events is not None and self.total:
            return self.events / self.total
        if self.percent is not None:
            return self.percent / 100
        return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One published result of a study, for one arm, with its comparator if there was one."""

    id: str
    endpoint: str
    kind: str
    label: str
    measure: str
    verification: Verification
    result: ArmResult
    comparator: ArmResult | None = None
    ci_level: float | None = None
    unit: str | None = None
    timeframe: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Population:
    """Who was studied, so a reader can judge how far a number applies to them."""

    description: str
    n: int | None = None
    age: str | None = None
    lineage: str | None = None
    ph_status: str | None = None
    setting: str | None = None
    salvage_line: tuple[int, ...] = ()
    prior_transplant: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One source: a trial, registry, guideline, label or the source patient page."""

    id: str
    kind: str
    title: str
    short: str
    citation: str
    year: int
    url: str
    verification: Verification
    checked_sources: tuple[str, ...]
    last_reviewed: dt.date
    population: Population
    outcomes: tuple[Outcome, ...] = ()
    pmid: str | None = None
    doi: str | None = None
    design_note: str | None = None
    notes: tuple[str, ...] = ()
    #: Secondary pages a reader may want (news, mirrors, a manufacturer's page); never the
    #: source of a number (see :mod:`allnav.sources`).
    also_see: tuple[str, ...] = ()

    @property
    def cited_by_journal_page_only(self) -> bool:
        """A paper cited by its journal's page without a PMID or DOI: allowed only for those in
        :data:`allnav.sources.PAPERS_AWAITING_IDENTIFIER` (listed by the lint as a note)."""
        return missing_identifier(self.kind, self.url, self.pmid, self.doi)

    def outcome(self, outcome_id: str) -> Outcome:
        for o in self.outcomes:
            if o.id == outcome_id:
                return o
        raise KeyError(f"{self.id} has no outcome '{outcome_id}'")


@dataclass(frozen=True)
class EvidenceRegistry:
    """All evidence items by id, in file order."""

    items: Mapping[str, EvidenceItem]

    def __getitem__(self, evidence_id: str) -> EvidenceItem:
        return self.items[evidence_id]

    def __contains__(self, evidence_id: object) -> bool:
        return evidence_id in self.items

    def __iter__(self) -> Iterator[EvidenceItem]:
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)


def default_evidence_path() -> Path:
    return Path(str(resources.files("allnav") / "knowledge" / "evidence.yaml"))


def load_evidence(path: Path | None = None) -> EvidenceRegistry:
    """Load and validate the evidence registry; raise :class:`KnowledgeError` with every problem."""
    path = path or default_evidence_path()
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    chk = Checker()
    registry = parse_evidence(data, chk)
    if chk.errors:
        raise KnowledgeError(path.name, chk.errors)
    return registry


def _pair(chk: Checker, node: Mapping[str, Any], key: str, loc: Loc, *, allow_none: bool = False) -> Any:
    value = node.get(key)
    if value is None:
        return None
    ok = isinstance(value, list) and len(value) == 2 and all(
        (v is None and allow_none) or (isinstance(v, int | float) and not isinstance(v, bool))
        for v in value
    )
    if not ok:
        chk.error((*loc, key), "must be a [low, high] pair of numbers" + (
            " (null for a bound that was not estimable)" if allow_none else ""))
        return None
    low, high = value
    if low is not None and high is not None and low > high:
        chk.error((*loc, key), "low bound is above the high bound")
    return (None if low is None else float(low), None if high is None else float(high))


def _arm(chk: Checker, node: Mapping[str, Any], loc: Loc, measure: str) -> ArmResult:
    events = chk.number(node, "events", loc, integer=True)
    total = chk.number(node, "total", loc, integer=True)
    percent = chk.number(node, "percent", loc)
    if events is not None and (total is None or not 0 <= events <= total):
        chk.error((*loc, "events"), "needs a total, and must be between 0 and the total")
    if percent is not None and not 0 <= percent <= 100:
        chk.error((*loc, "percent"), "must be between 0 and 100")
    if measure == "proportion" and events is None and percent is None:
        chk.error(loc, "a proportion needs events and total, or a percent")
    if measure == "median" and node.get("months") is None:
        chk.error(loc, "a median needs 'months'")
    if measure in ("hazard-ratio", "rate") and node.get("value") is None and "arm" not in node:
        chk.error(loc, f"a {measure} needs 'value'")
    return ArmResult(
        arm=str(node.get("arm") or ""),
        events=None if events is None else int(events),
        total=None if total is None else int(total),
        percent=percent,
        published_ci95=_pair(chk, node, "published_ci95", loc),
        months=chk.number(node, "months", loc),
        ci95=_pair(chk, node, "ci95", loc, allow_none=True),
        value=chk.number(node, "value", loc),
        ci=_pair(chk, node, "ci", loc),
    )


def _outcome(chk: Checker, node: object, loc: Loc) -> Outcome | None:
    m = chk.mapping(node, loc, ("id", "endpoint", "kind", "label", "measure", "verification"),
                    _OUTCOME_KEYS)
    if m is None:
        return None
    measure = chk.choice(m, "measure", loc, MEASURES)
    comparator = None
    if "comparator" in m:
        cm = chk.mapping(m["comparator"], (*loc, "comparator"), (), _ARM_KEYS)
        if cm is not None:
            comparator = _arm(chk, cm, (*loc, "comparator"), measure)
    ci_level = chk.number(m, "ci_level", loc)
    if ci_level is not None and ci_level not in (0.95, 0.975):
        chk.error((*loc, "ci_level"), "must be 0.95 or 0.975")
    return Outcome(
        id=chk.ident(m, "id", loc),
        endpoint=chk.choice(m, "endpoint", loc, ENDPOINTS),
        kind=chk.choice(m, "kind", loc, OUTCOME_KINDS),
        label=chk.text(m, "label", loc),
        measure=measure,
        verification=chk.choice(m, "verification", loc, VERIFICATION),  # type: ignore[arg-type]
        result=_arm(chk, m, loc, measure),
        comparator=comparator,
        ci_level=ci_level,
        unit=chk.text(m, "unit", loc, required=False) or None,
        timeframe=chk.text(m, "timeframe", loc, required=False) or None,
        note=chk.text(m, "note", loc, required=False) or None,
    )


def parse_evidence(data: object, chk: Checker) -> EvidenceRegistry:
    """Validate a parsed evidence document into a registry, recording problems in ``chk``."""
    root = chk.mapping(data, ("evidence_file",), ("schema_version", "evidence"))
    items: dict[str, EvidenceItem] = {}
    if root is None:
        return EvidenceRegistry(items)
    if root.get("schema_version") != 1:
        chk.error(("schema_version",), "must be 1")
    entries = root.get("evidence")
    if not isinstance(entries, list):
        chk.error(("evidence",), "must be a list of evidence items")
        return EvidenceRegistry(items)
    for i, node in enumerate(entries):
        loc: Loc = ("evidence", i)
        m = chk.mapping(node, loc, (
            "id", "kind", "title", "short", "citation", "year", "url", "verification",
            "checked_sources", "last_reviewed", "population",
        ), ("pmid", "doi", "design_note", "outcomes", "notes", "also_see"))
        if m is None:
            continue
        item_id = chk.ident(m, "id", loc, prefix="ev.")
        if item_id in items:
            chk.error((*loc, "id"), f"duplicate evidence id '{item_id}'")
        url = chk.text(m, "url", loc)
        if url and not url.startswith(("http://", "https://")):
            chk.error((*loc, "url"), "must be an http(s) URL a clinician can open")
        elif url:
            kind_word = str(m.get("kind") or "")
            pmid, doi = _opt_text(m.get("pmid")), _opt_text(m.get("doi"))
            for msg in source_problems(kind_word, url, pmid, doi):
                chk.error((*loc, "url"), msg)
            # A paper is found by its PMID or DOI; only the documented list may lack one.
            if (id_msg := identifier_problem(str(item_id or ""), kind_word, url, pmid, doi)):
                chk.error((*loc, "pmid"), id_msg)
        reviewed = chk.date(m, "last_reviewed", loc)
        pop_loc = (*loc, "population")
        pm = chk.mapping(m.get("population"), pop_loc, ("description",), (
            "n", "age", "lineage", "ph_status", "setting", "salvage_line", "prior_transplant"))
        population = Population(description="")
        if pm is not None:
            lines = pm.get("salvage_line") or []
            if not isinstance(lines, list) or not all(isinstance(x, int) for x in lines):
                chk.error((*pop_loc, "salvage_line"), "must be a list of whole numbers")
                lines = []
            n = chk.number(pm, "n", pop_loc, integer=True)
            population = Population(
                description=chk.text(pm, "description", pop_loc),
                n=None if n is None else int(n),
                age=_opt_text(pm.get("age")),
                lineage=chk.choice(pm, "lineage", pop_loc, ("B", "T", "B-and-T")) or None,
                ph_status=chk.choice(pm, "ph_status", pop_loc, ("positive", "negative", "any")) or None,
                setting=_opt_text(pm.get("setting")),
                salvage_line=tuple(lines),
                prior_transplant=_opt_text(pm.get("prior_transplant")),
            )
        outcomes: list[Outcome] = []
        seen: set[str] = set()
        raw_outcomes = m.get("outcomes") or []
        if not isinstance(raw_outcomes, list):
            chk.error((*loc, "outcomes"), "must be a list")
            raw_outcomes = []
        for j, onode in enumerate(raw_outcomes):
            o = _outcome(chk, onode, (*loc, "outcomes", j))
            if o is None:
                continue
            if o.id in seen:
                chk.error((*loc, "outcomes", j, "id"), f"duplicate outcome id '{o.id}'")
            seen.add(o.id)
            outcomes.append(o)
        year = chk.number(m, "year", loc, integer=True)
        checked = chk.text_list(m, "checked_sources", loc)
        if "checked_sources" in m and not checked:
            chk.error((*loc, "checked_sources"), "must list at least one URL that was read")
        if item_id and reviewed is not None:
            items[item_id] = EvidenceItem(
                id=item_id,
                kind=chk.choice(m, "kind", loc, EVIDENCE_KINDS),
                title=chk.text(m, "title", loc),
                short=chk.text(m, "short", loc),
                citation=chk.text(m, "citation", loc),
                year=int(year or 0),
                url=url,
                verification=chk.choice(m, "verification", loc, VERIFICATION),  # type: ignore[arg-type]
                checked_sources=checked,
                last_reviewed=reviewed,
                population=population,
                outcomes=tuple(outcomes),
                pmid=_opt_text(m.get("pmid")),
                doi=_opt_text(m.get("doi")),
                design_note=_opt_text(m.get("design_note")),
                notes=chk.text_list(m, "notes", loc),
                also_see=chk.text_list(m, "also_see", loc),
            )
    return EvidenceRegistry(items)


def _opt_text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None

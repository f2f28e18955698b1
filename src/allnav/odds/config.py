"""Which published numbers show for which option: ``knowledge/odds.yaml``, validated.

The selection is data so that clinicians can review it line by line: for each option of
the vocabulary, the outcomes (by evidence id and outcome id) shown as benefits and harms,
the plain words for what was counted, whether the comparator is the same trial's control
arm, and hints for matching the patient. Options without numbers carry a statement
saying so. Every problem is reported with its path (``options[2].shows[1].outcome``);
an unknown evidence or outcome id is an error, with the nearest known id suggested.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from allnav.evidence import EvidenceRegistry
from allnav.facts import FIELDS
from allnav.pathway import OPTION_IDS
from allnav.problems import KnowledgeError, Loc, did_you_mean
from allnav.schema import Checker

Role = Literal["benefit", "harm"]
ROLES: tuple[Role, ...] = ("benefit", "harm")
#: How far the patient's disease is, as a matching hint.
DISEASE_HINTS = ("active", "relapsed", "primary-refractory", "remission", "mrd-positive-remission")
#: Outcomes that can be shown on their own (others only on a clinician line, via ``also``).
SHOWABLE_MEASURES = ("proportion", "median")
_HINT_KEYS = ("ph_status", "lineage", "disease", "salvage_line", "prior_allo_sct", "age_min",
              "age_max", "kmt2a", "criteria")


@dataclass(frozen=True, slots=True)
class Hints:
    """When a published number fits a patient. ``None``/empty means "any".

    ``salvage_line`` 3 stands for third or later salvage. A hint the patient's facts
    contradict hides the number (with the reason); a hint that cannot be checked
    because a fact is unknown keeps it, flagged.
    """

    ph_status: str | None = None
    lineage: str | None = None
    disease: str | None = None
    salvage_line: tuple[int, ...] = ()
    prior_allo_sct: bool | None = None
    age_min: float | None = None
    age_max: float | None = None
    kmt2a: str | None = None
    #: Named pathway criteria the study's population met (``crit.keeps_coming_back`` for
    #: ELIANA): the pathway's own definitions, never restated here.
    criteria: tuple[str, ...] = ()


def merge_hints(own: Hints, population: Hints) -> tuple[Hints, list[str]]:
    """A number's own hints joined with its study's population: a field set in only one
    applies; a field set in both must agree (the names of fields that do not are returned)."""
    values: dict[str, object] = {}
    clashes: list[str] = []
    for name in Hints.__dataclass_fields__:
        a, b = getattr(own, name), getattr(population, name)
        if name == "criteria":
            values[name] = tuple(dict.fromkeys((*b, *a)))
        elif a in (None, ()) or a == b:
            values[name] = b if a in (None, ()) else a
        elif b in (None, ()):
            values[name] = a
        else:
            clashes.append(name)
            values[name] = a
    return Hints(**values), clashes  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Statement:
    """Words shown instead of numbers (no numbers exist, or harms are not in the registry)."""

    text: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ShowSpec:
    """One outcome shown for an option."""

    evidence: str
    outcome: str
    role: Role
    plain: str
    control: str | None = None
    treated: str | None = None
    when: Hints = Hints()
    slot: str | None = None
    also: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OptionSpec:
    option: str
    treated: str
    shows: tuple[ShowSpec, ...] = ()
    statement: Statement | None = None
    benefits_statement: Statement | None = None
    harms_statement: Statement | None = None


@dataclass(frozen=True, slots=True)
class ContextSpec:
    """A historical number shown once per report (the chemotherapy-era baseline)."""

    evidence: str
    outcome: str
    plain: str
    treated: str
    when: Hints = Hints()


@dataclass(frozen=True)
class OddsConfig:
    last_reviewed: dt.date
    context: tuple[ContextSpec, ...]
    options: Mapping[str, OptionSpec]
    #: Who each study enrolled, as matching hints, by evidence id. Every number from that
    #: study carries them (already merged into each ``ShowSpec.when``), so a number is
    #: never shown for a patient outside the population it was measured in.
    populations: Mapping[str, Hints] = dataclasses.field(
        default_factory=lambda: MappingProxyType({}))


def default_odds_path() -> Path:
    return Path(str(resources.files("allnav") / "knowledge" / "odds.yaml"))


# Keyed by file; the registry it was validated against is kept with it and compared by
# identity, so a config is never reused for a different registry.
_CACHE: dict[Path, tuple[EvidenceRegistry, OddsConfig]] = {}


def load_odds_config(evidence: EvidenceRegistry, path: Path | None = None) -> OddsConfig:
    """Load and validate ``odds.yaml`` against ``evidence``; raise :class:`KnowledgeError`
    listing every problem with its path. Cached per file and registry."""
    path = (path or default_odds_path()).resolve()
    cached = _CACHE.get(path)
    if cached is not None and cached[0] is evidence:
        return cached[1]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    chk = Checker()
    config = parse_odds_config(data, evidence, chk)
    if chk.errors or config is None:
        raise KnowledgeError(path.name, chk.errors)
    _CACHE[path] = (evidence, config)
    return config


def _hints(chk: Checker, node: object, loc: Loc) -> Hints:
    if node is None:
        return Hints()
    m = chk.mapping(node, loc, (), _HINT_KEYS)
    if m is None:
        return Hints()
    lines = m.get("salvage_line") or []
    if not isinstance(lines, list) or not all(isinstance(x, int) and 1 <= x <= 3 for x in lines):
        chk.error((*loc, "salvage_line"), "must be a list of 1, 2 or 3 (3 = third or later)")
        lines = []
    prior = m.get("prior_allo_sct")
    if prior is not None and not isinstance(prior, bool):
        chk.error((*loc, "prior_allo_sct"), "must be true or false")
        prior = None
    criteria = chk.text_list(m, "criteria", loc)
    for i, c in enumerate(criteria):
        if not c.startswith("crit."):
            chk.error((*loc, "criteria", i), "must be a pathway criterion id (crit.*)")
    return Hints(
        ph_status=chk.choice(m, "ph_status", loc, FIELDS["ph_status"].choices) or None,
        lineage=chk.choice(m, "lineage", loc, FIELDS["lineage"].choices) or None,
        disease=chk.choice(m, "disease", loc, DISEASE_HINTS) or None,
        salvage_line=tuple(lines),
        prior_allo_sct=prior,
        age_min=chk.number(m, "age_min", loc),
        age_max=chk.number(m, "age_max", loc),
        kmt2a=chk.choice(m, "kmt2a", loc, FIELDS["kmt2a"].choices) or None,
        criteria=criteria,
    )


def _statement(chk: Checker, node: object, loc: Loc, evidence: EvidenceRegistry) -> Statement | None:
    if node is None:
        return None
    m = chk.mapping(node, loc, ("text",), ("evidence",))
    if m is None:
        return None
    text = chk.text(m, "text", loc)
    ids = chk.text_list(m, "evidence", loc)
    for i, ev in enumerate(ids):
        if ev not in evidence:
            chk.error((*loc, "evidence", i), f"unknown evidence id '{ev}'"
                      + did_you_mean(ev, list(evidence.items)))
    if any(ch.isdigit() for ch in text) and not ids:
        chk.error((*loc, "evidence"), "a statement with a number must cite its evidence")
    return Statement(text, ids)


def _outcome_ref(chk: Checker, m: Mapping[str, Any], loc: Loc,
                 evidence: EvidenceRegistry) -> tuple[str, str, Any]:
    ev_id = chk.text(m, "evidence", loc)
    out_id = chk.text(m, "outcome", loc)
    if ev_id and ev_id not in evidence:
        chk.error((*loc, "evidence"), f"unknown evidence id '{ev_id}'"
                  + did_you_mean(ev_id, list(evidence.items)))
        return ev_id, out_id, None
    if not ev_id or not out_id:
        return ev_id, out_id, None
    item = evidence[ev_id]
    known = [o.id for o in item.outcomes]
    if out_id not in known:
        extra = did_you_mean(out_id, known) or (f"; it has: {', '.join(known)}" if known
                                                else "; it has no outcomes")
        chk.error((*loc, "outcome"), f"{ev_id} has no outcome '{out_id}'{extra}")
        return ev_id, out_id, None
    return ev_id, out_id, item.outcome(out_id)


def _show(chk: Checker, node: object, loc: Loc, evidence: EvidenceRegistry) -> ShowSpec | None:
    m = chk.mapping(node, loc, ("evidence", "outcome", "role", "plain"),
                    ("control", "treated", "when", "slot", "also", "cautions"))
    if m is None:
        return None
    ev_id, out_id, outcome = _outcome_ref(chk, m, loc, evidence)
    role = chk.choice(m, "role", loc, ROLES)
    control = chk.text(m, "control", loc, required=False) or None
    if outcome is not None:
        if outcome.kind != "context" and role and outcome.kind != role:
            chk.error((*loc, "role"), f"'{role}' does not match the outcome, which is a "
                      f"{outcome.kind}")
        if outcome.measure not in SHOWABLE_MEASURES:
            chk.error((*loc, "outcome"), f"a {outcome.measure} cannot be shown on its own; "
                      "list it under 'also' of a proportion or median of the same study")
        if control and outcome.comparator is None:
            chk.error((*loc, "control"), "the outcome has no comparator arm")
    also = chk.text_list(m, "also", loc)
    if ev_id in evidence:
        known = [o.id for o in evidence[ev_id].outcomes]
        for i, a in enumerate(also):
            if a not in known:
                chk.error((*loc, "also", i), f"{ev_id} has no outcome '{a}'"
                          + did_you_mean(a, known))
    return ShowSpec(
        evidence=ev_id, outcome=out_id, role="harm" if role == "harm" else "benefit",
        plain=chk.text(m, "plain", loc), control=control,
        treated=chk.text(m, "treated", loc, required=False) or None,
        when=_hints(chk, m.get("when"), (*loc, "when")),
        slot=chk.text(m, "slot", loc, required=False) or None, also=also,
        cautions=chk.text_list(m, "cautions", loc),
    )


def _option(chk: Checker, node: object, loc: Loc, evidence: EvidenceRegistry) -> OptionSpec | None:
    m = chk.mapping(node, loc, ("option",), ("treated", "shows", "statement",
                                             "benefits_statement", "harms_statement"))
    if m is None:
        return None
    oid = chk.text(m, "option", loc)
    if oid and oid not in OPTION_IDS:
        chk.error((*loc, "option"), f"'{oid}' is not in the option vocabulary"
                  + did_you_mean(oid, OPTION_IDS))
    raw = m.get("shows") or []
    if not isinstance(raw, list):
        chk.error((*loc, "shows"), "must be a list")
        raw = []
    shows = tuple(s for i, n in enumerate(raw)
                  if (s := _show(chk, n, (*loc, "shows", i), evidence)) is not None)
    statement = _statement(chk, m.get("statement"), (*loc, "statement"), evidence)
    benefits = _statement(chk, m.get("benefits_statement"), (*loc, "benefits_statement"),
                          evidence)
    harms = _statement(chk, m.get("harms_statement"), (*loc, "harms_statement"), evidence)
    if not shows and statement is None and (benefits is None or harms is None):
        chk.error(loc, f"option '{oid}' needs 'shows' (numbers), a 'statement' saying why there "
                  "are none, or both benefits_statement and harms_statement")
    if statement is not None and (shows or benefits or harms):
        chk.error((*loc, "statement"), "'statement' is for an option with no numbers at all; "
                  "use benefits_statement or harms_statement")
    if shows and not chk.text(m, "treated", loc, required=False):
        chk.error((*loc, "treated"), "is required with 'shows' (e.g. 'blinatumomab')")
    return OptionSpec(
        option=oid, treated=chk.text(m, "treated", loc, required=False), shows=shows,
        statement=statement, benefits_statement=benefits, harms_statement=harms,
    )


def parse_odds_config(data: object, evidence: EvidenceRegistry, chk: Checker) -> OddsConfig | None:
    """Validate a parsed ``odds.yaml`` document; problems go to ``chk``."""
    root = chk.mapping(data, ("odds_file",), ("schema_version", "last_reviewed", "options"),
                       ("context", "populations"))
    if root is None:
        return None
    if root.get("schema_version") != 1:
        chk.error(("schema_version",), "must be 1")
    reviewed = chk.date(root, "last_reviewed", ())
    populations = _populations(chk, root.get("populations"), evidence)
    context: list[ContextSpec] = []
    for i, node in enumerate(root.get("context") or []):
        loc: Loc = ("context", i)
        m = chk.mapping(node, loc, ("evidence", "outcome", "plain", "treated"), ("when",))
        if m is None:
            continue
        ev_id, out_id, outcome = _outcome_ref(chk, m, loc, evidence)
        if outcome is not None and outcome.measure not in SHOWABLE_MEASURES:
            chk.error((*loc, "outcome"), f"a {outcome.measure} cannot be shown on its own")
        when = _with_population(chk, _hints(chk, m.get("when"), (*loc, "when")), ev_id,
                                populations, (*loc, "when"))
        context.append(ContextSpec(ev_id, out_id, chk.text(m, "plain", loc),
                                   chk.text(m, "treated", loc), when))
    options: dict[str, OptionSpec] = {}
    raw = root.get("options")
    if not isinstance(raw, list):
        chk.error(("options",), "must be a list with one entry per option of the vocabulary")
        raw = []
    for i, node in enumerate(raw):
        spec = _option(chk, node, ("options", i), evidence)
        if spec is None or not spec.option:
            continue
        spec = dataclasses.replace(spec, shows=tuple(
            dataclasses.replace(show, when=_with_population(
                chk, show.when, show.evidence, populations, ("options", i, "shows", j, "when")))
            for j, show in enumerate(spec.shows)))
        if spec.option in options:
            chk.error(("options", i, "option"), f"duplicate option '{spec.option}'")
        options[spec.option] = spec
    for oid in OPTION_IDS:
        if oid not in options:
            chk.error(("options",), f"option '{oid}' of the vocabulary is missing; add its "
                      "numbers or a statement saying there are none")
    if chk.errors or reviewed is None:
        return None
    ordered = {oid: options[oid] for oid in OPTION_IDS}
    return OddsConfig(reviewed, tuple(context), MappingProxyType(ordered),
                      MappingProxyType(populations))


def _populations(chk: Checker, node: object, evidence: EvidenceRegistry) -> dict[str, Hints]:
    out: dict[str, Hints] = {}
    if node is None:
        return out
    if not isinstance(node, list):
        chk.error(("populations",), "must be a list of {evidence, when}")
        return out
    for i, item in enumerate(node):
        loc: Loc = ("populations", i)
        m = chk.mapping(item, loc, ("evidence", "when"), ("why",))
        if m is None:
            continue
        ev_id = chk.text(m, "evidence", loc)
        if ev_id not in evidence:
            chk.error((*loc, "evidence"), f"unknown evidence id '{ev_id}'"
                      + did_you_mean(ev_id, list(evidence.items)))
            continue
        if ev_id in out:
            chk.error((*loc, "evidence"), f"duplicate population for '{ev_id}'")
        out[ev_id] = _hints(chk, m.get("when"), (*loc, "when"))
    return out


def _with_population(chk: Checker, own: Hints, ev_id: str, populations: Mapping[str, Hints],
                     loc: Loc) -> Hints:
    population = populations.get(ev_id)
    if population is None:
        return own
    merged, clashes = merge_hints(own, population)
    for name in clashes:
        chk.error((*loc, name), f"contradicts the population of {ev_id} (populations: "
                  f"{name}); a number cannot apply to people its study did not enrol")
    return merged

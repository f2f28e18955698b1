"""CDS Hooks cards from an :class:`~allnav.assessment.Assessment`. Pure: no I/O, no clock.

Cards, most urgent first:

- one ``critical`` card per urgent option (e.g. fever with possible neutropenia), or
  ``warning`` ("Old results: ...; check now") when every fact that made it urgent came from
  a stale record;
- one card listing the facts that are missing and would change the options
  (``warning`` when they hold back a treatment, transplant or trial option), with notes on
  the data: prefetch the EHR did not give, and what reading the records found (a resource
  that is not valid FHIR, results that disagree, ...);
- one ``info`` card summarising the suitable options, with their evidence and
  where each fact came from;
- one ``info`` card offering a palliative care referral (a ServiceRequest the
  clinician can accept), unless the pathway finds it not suitable.

Every card has a uuid, a summary under 140 characters, a source naming the
pathway version, and an absolute link to the clinician view that carries no
patient data. Optional fields without a value are left out, as the spec says.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid as uuid_mod
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from allnav.assessment import Assessment, OptionResult
from allnav.facts import FIELDS, FactSource
from allnav.pathway import Pathway
from allnav.render import DISCLAIMER

SUMMARY_LIMIT = 139
TOPIC_SYSTEM = "urn:allnav:cds-card-topic"
SNOMED = "http://snomed.info/sct"
#: SNOMED CT 306237005 |Referral to palliative care service (procedure)|.
PALLIATIVE_REFERRAL = {"system": SNOMED, "code": "306237005",
                       "display": "Referral to palliative care service"}
#: Categories whose options are the decisions the hematologist is weighing.
KEY_CATEGORIES = ("remission-treatment", "transplant", "clinical-trial")
#: Clinician-facing summaries for the urgent options; others get a generic one.
#: What is wrong and what to do, kept apart so that old results can say "check now" instead.
URGENT_SUMMARIES = {
    "febrile-neutropenia-emergency": ("Fever with possible neutropenia", "assess now"),
    "crs-icans-emergency": ("Possible CRS or ICANS after CAR-T or on blinatumomab", "assess now"),
    "neurologic-or-circulation-emergency": ("New neurological signs or hypotension", "assess now"),
    "infection-treatment": ("Fever or signs of infection", "assess now"),
    "transfusion-support": ("Bleeding", "assess now"),
    "pain-management": ("Severe pain", "assess now"),
}
# Only for names outside the fact table (none today): the table's ``label`` is the source.
_UNIT_SUFFIXES = ("_years", "_months", "_g_dl", "_per_ul", "_c")
_VALUE_WORDS = {True: "yes", False: "no"}


def fit(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


@functools.lru_cache(maxsize=1024)  # fact names: a closed set, asked for dozens of times a card
def fact_label(name: str) -> str:
    """A short label for a fact: ``age`` for ``age_years``, ``platelets`` for
    ``symptoms.platelets_per_ul``."""
    spec = FIELDS.get(name)
    if spec is not None and spec.label:
        return spec.label
    base = name.removeprefix("symptoms.")
    for suffix in _UNIT_SUFFIXES:
        base = base.removesuffix(suffix)
    return base.replace("_", " ")


def short_title(o: OptionResult) -> str:
    """``Blinatumomab`` from ``Blinatumomab (CD19-directed bispecific antibody)``."""
    return _short_title(o.title)


@functools.lru_cache(maxsize=256)  # option titles come from the pathway
def _short_title(title: str) -> str:
    return title.split(" (")[0].split(" - ")[0]


def fact_value(name: str, value: object) -> str:
    spec = FIELDS.get(name)
    if isinstance(value, bool):
        return _VALUE_WORDS[value]
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) if value else "none"
    if isinstance(value, float):
        value = f"{value:g}"
    unit = f" {spec.unit}" if spec and spec.unit else ""
    return f"{value}{unit}"


def provenance(source: FactSource) -> str:
    """``from Observation/abc, 2026-11-20`` (and a warning when stale)."""
    out = f"from {source.reference}"
    if source.recorded:
        out += f", {source.recorded.isoformat()}"
    if source.stale:
        out += "; old result: check it is still true"
    return out


def old_results(a: Assessment, names: Iterable[str]) -> dt.date | None:
    """The newest date among the facts ``names`` when every one that is known came from a
    stale record (older than its ``stale_after_days``); ``None`` when any is current, or
    none is known, or a fact has no dated source (plain facts are taken as current)."""
    newest: dt.date | None = None
    known = 0
    for name in dict.fromkeys(names):
        if a.facts.value(name) is None:
            continue
        known += 1
        src = a.facts.sources.get(name)
        if src is None or not src.stale or src.recorded is None:
            return None
        newest = src.recorded if newest is None else max(newest, src.recorded)
    return newest if known else None


#: Warnings flagged beside each fact on the cards rather than on the data card.
_SHOWN_WITH_FACTS = frozenset({"fhir_stale"})
#: Record notes on the data card; the rest are counted.
MAX_RECORD_NOTES = 8


def record_notes(a: Assessment) -> list[str]:
    """What reading the EHR's records found, in the words of the warnings: a record that is not
    valid FHIR and was not used, results that disagree, a drug that could not be identified,
    prior treatments taken as complete. The warnings name resources and elements, never
    values."""
    return list(dict.fromkeys(
        p.msg for p in a.issues
        if p.severity == "warning" and p.type.startswith("fhir_") and p.type not in _SHOWN_WITH_FACTS))


def _capped(notes: Sequence[str]) -> list[str]:
    if len(notes) <= MAX_RECORD_NOTES:
        return list(notes)
    rest = len(notes) - MAX_RECORD_NOTES + 1
    return [*notes[: MAX_RECORD_NOTES - 1], f"and {rest} more notes on the records"]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


_MD_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|#"})
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|#]")


def _md(text: str) -> str:
    """Text from data, made inert in Markdown (no links, emphasis or HTML)."""
    # Most text has none of these characters; translate() with a table is slow per character.
    return text.translate(_MD_ESCAPES) if _MD_SPECIAL.search(text) else text


#: Evidence lines depend only on the (frozen, loaded-once) pathway: built once per option.
_EVIDENCE_LINES: dict[tuple[int, str, tuple[str, ...]], str] = {}


class CardBuilder:
    """Builds the cards of one response. ``new_uuid`` is injectable for tests."""

    def __init__(
        self,
        pathway: Pathway,
        base_url: str,
        *,
        new_uuid: Callable[[], str] = lambda: str(uuid_mod.uuid4()),
    ) -> None:
        self.pathway = pathway
        self.base = base_url.rstrip("/")
        self.new_uuid = new_uuid

    def source(self, a: Assessment, topic: str, display: str) -> dict[str, Any]:
        return {
            "label": f"ALL Navigator pathway v{a.pathway_version}",
            "url": f"{self.base}/about",
            "topic": {"system": TOPIC_SYSTEM, "code": topic, "display": display},
        }

    def link(self, anchor: str | None = None) -> list[dict[str, Any]]:
        url = f"{self.base}/clinician" + (f"#{anchor}" if anchor else "")
        return [{"label": "Open in ALL Navigator (clinician view)", "url": url,
                 "type": "absolute"}]

    def card(self, a: Assessment, *, summary: str, indicator: str, detail: str, topic: str,
             topic_display: str, anchor: str | None = None, **extra: Any) -> dict[str, Any]:
        card: dict[str, Any] = {
            "uuid": self.new_uuid(),
            "summary": fit(summary),
            "indicator": indicator,
            "source": self.source(a, topic, topic_display),
        }
        if detail.strip():
            card["detail"] = detail.strip()
        card.update({k: v for k, v in extra.items() if v})
        card["links"] = self.link(anchor)
        return card

    def evidence_line(self, o: OptionResult) -> str:
        key = (id(self.pathway), o.id, o.evidence)
        line = _EVIDENCE_LINES.get(key)
        if line is None:
            line = _EVIDENCE_LINES[key] = self._evidence_line(o)
        return line

    def _evidence_line(self, o: OptionResult) -> str:
        names = []
        for ev in o.evidence:
            item = self.pathway.evidence[ev]
            mark = "" if item.verification == "verified" else " (not yet verified)"
            names.append(f"{_md(item.short)}{mark}")
        return "Evidence: " + "; ".join(names) if names else ""

    def facts_section(self, a: Assessment, names: Iterable[str]) -> str:
        lines = []
        for name in dict.fromkeys(names):
            value = a.facts.value(name)
            if value is None:
                continue
            line = f"- {_md(fact_label(name))}: {_md(fact_value(name, value))}"
            src = a.facts.sources.get(name)
            if src is not None:
                line += f" ({_md(provenance(src))})"
            lines.append(line)
        return "\n".join(lines)

    # -- the cards ----------------------------------------------------------------------

    def urgent(self, a: Assessment, o: OptionResult) -> dict[str, Any]:
        condition, action = URGENT_SUMMARIES.get(o.id, (None, None))
        summary = f"{condition}: {action}" if condition else f"Urgent: {short_title(o)}, assess now"
        used = [name for r in o.reasons for name in r.fact_names]
        # How old the urgency is depends on the observations behind it (the fever, the
        # counts), not on standing facts such as the disease status.
        observed = [name for name in used if name.startswith("symptoms.")]
        parts = [f"**{_md(o.title)}**", _md(o.urgent_text or "")]
        indicator = "critical"
        old = old_results(a, observed)
        if old is not None:
            # A fever or a count from days ago says nothing certain about now: the card asks
            # for a check now rather than declaring an emergency (an alarm raised on old data
            # teaches clinicians to ignore the ones that matter). It stays first.
            indicator = "warning"
            what = _lower_first(condition) if condition else short_title(o)
            summary = fit(f"Old results: {what}; check now")
            parts.insert(1, f"**These results are old** (the newest from {old.isoformat()}; "
                         "no newer ones were found). Check now whether they still hold: if "
                         "they do, this is an emergency.")
        why = [f"- {_md(r.text)}" for r in o.reasons if r.outcome is not False and r.counts]
        if why:
            parts.append("**Why:**\n" + "\n".join(why))
        facts = self.facts_section(a, used)
        if facts:
            parts.append("**Facts used:**\n" + facts)
        parts.append(self.evidence_line(o))
        return self.card(a, summary=summary, indicator=indicator, detail="\n\n".join(parts),
                         topic="urgent", topic_display="Needs attention now",
                         anchor=f"opt-{o.id}")

    def missing(self, a: Assessment, notes: Sequence[str]) -> dict[str, Any] | None:
        if not a.missing_facts and not notes:
            return None
        by_id = {o.id: o for o in a.options}  # Assessment.option() searches the list
        blocking = [m for m in a.missing_facts
                    if any(by_id[oid].category in KEY_CATEGORIES for oid in m.options)]
        labels = [fact_label(m.fact) for m in (blocking or a.missing_facts)]
        if a.missing_facts:
            n = len(a.missing_facts)
            summary = (f"{n} unknown fact{'s' if n > 1 else ''} would change the options: "
                       + ", ".join(labels))
        else:
            n = len(notes)
            summary = f"{n} note{'s' if n > 1 else ''} on the EHR data behind these options"
        lines = []
        for m in a.missing_facts:
            titles = ", ".join(short_title(by_id[oid]) for oid in m.options)
            lines.append(f"- **{_md(m.question)}** ({_md(fact_label(m.fact))}): "
                         f"would settle {_md(titles)}")
        parts = []
        if lines:
            parts.append("Unknown is not negative: these options stay open until the facts "
                         "are known.\n\n" + "\n".join(lines))
        if notes:
            parts.append("**Data:**\n" + "\n".join(f"- {_md(n)}" for n in _capped(notes)))
        return self.card(a, summary=summary, indicator="warning" if blocking else "info",
                         detail="\n\n".join(parts), topic="missing-facts",
                         topic_display="Facts that would change the options",
                         anchor="missing-facts")

    def options(self, a: Assessment) -> dict[str, Any]:
        key = [o for o in a.options if o.category in KEY_CATEGORIES]
        suitable = [o for o in key if o.status == "suitable"]
        possible = [o for o in key if o.status == "possible"]
        if suitable:
            names = ", ".join(short_title(o) for o in suitable)
            more = f"; {len(possible)} more possible" if possible else ""
            summary = f"Suitable now: {names}{more}"
            if len(summary) > SUMMARY_LIMIT:
                summary = f"{len(suitable)} options suitable now{more}: " + names
        elif possible:
            summary = (f"No treatment option confirmed yet; {len(possible)} possible once "
                       "missing facts are known")
        else:
            summary = "No listed treatment option fits now; see comfort and support options"
        parts: list[str] = []

        def section(title: str, items: Sequence[OptionResult], needs: bool = False) -> None:
            if not items:
                return
            lines = []
            for o in items:
                line = f"- **{_md(o.title)}**: {_md(o.headline)}"
                if needs and o.missing_facts:
                    line += " Needs: " + ", ".join(_md(fact_label(f)) for f in o.missing_facts)
                    line += "."
                ev = self.evidence_line(o)
                if ev:
                    line += f"  \n  {ev}"
                lines.append(line)
            parts.append(f"**{title}**\n\n" + "\n".join(lines))

        section("Suitable", suitable)
        section("Possible if we learn more", possible, needs=True)
        ruled_out = [o for o in key if o.status == "not-suitable"]
        if ruled_out:
            parts.append("**Not suitable now:** " + "; ".join(
                f"{_md(short_title(o))} ({_md(o.headline.rstrip('.'))})" for o in ruled_out))
        facts = self.facts_section(a, (n for n in a.facts.known() if n != "as_of"))
        if facts:
            parts.append("**Facts used:**\n" + facts)
        for p in a.issues:
            parts.append(f"Note: {_md(p.msg)}")
        parts.append(f"_{_md(DISCLAIMER)}_")
        return self.card(a, summary=summary, indicator="info", detail="\n\n".join(parts),
                         topic="options", topic_display="Options on the pathway",
                         anchor="options")

    def palliative(self, a: Assessment, patient_id: str, user_id: str,
                   encounter_id: str | None) -> dict[str, Any] | None:
        try:
            o = a.option("palliative-care")
        except KeyError:
            return None
        if o.status == "not-suitable":
            return None
        extra: dict[str, Any] = {}
        if user_id.startswith(("Practitioner/", "PractitionerRole/")):
            resource: dict[str, Any] = {
                "resourceType": "ServiceRequest",
                "status": "draft",
                "intent": "proposal",
                "code": {"coding": [PALLIATIVE_REFERRAL],
                         "text": PALLIATIVE_REFERRAL["display"]},
                "subject": {"reference": f"Patient/{patient_id}"},
                "requester": {"reference": user_id},
                "authoredOn": a.as_of.isoformat(),
                "note": [{"text": "Suggested by ALL Navigator: specialist palliative care "
                                  "alongside any treatment."}],
            }
            if encounter_id:
                resource["encounter"] = {"reference": f"Encounter/{encounter_id}"}
            extra["suggestions"] = [{
                "label": "Refer to the palliative care service",
                "uuid": self.new_uuid(),
                "actions": [{"type": "create",
                             "description": "Draft a referral to the palliative care service",
                             "resource": resource}],
            }]
            extra["selectionBehavior"] = "at-most-one"
        parts = [_md(self.pathway.option(o.id).summary), self.evidence_line(o)]
        return self.card(a, summary="Offer specialist palliative care alongside any treatment",
                         indicator="info", detail="\n\n".join(parts), topic="palliative-care",
                         topic_display="Palliative care", anchor=f"opt-{o.id}", **extra)


def assessment_cards(
    a: Assessment,
    pathway: Pathway,
    *,
    base_url: str,
    patient_id: str,
    user_id: str,
    encounter_id: str | None = None,
    data_notes: Sequence[str] = (),
    new_uuid: Callable[[], str] | None = None,
) -> list[dict[str, Any]]:
    """Every card for one assessment, most urgent first (see the module docstring)."""
    b = CardBuilder(pathway, base_url, **({"new_uuid": new_uuid} if new_uuid else {}))
    cards = [b.urgent(a, o) for o in a.urgent]
    cards += [c for c in (b.missing(a, [*data_notes, *record_notes(a)]),) if c]
    cards.append(b.options(a))
    cards += [c for c in (b.palliative(a, patient_id, user_id, encounter_id),) if c]
    return cards


def drop_empty(value: Any) -> Any:
    """``value`` without null or empty optional members (the spec forbids them)."""
    if isinstance(value, Mapping):
        out = {k: drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != "" and v != [] and v != {}}
    if isinstance(value, list):
        return [drop_empty(v) for v in value]
    return value

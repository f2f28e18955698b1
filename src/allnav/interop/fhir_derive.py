"""From indexed FHIR resources to :class:`~allnav.facts.Facts`, each fact with its source.

Every resource that maps to a fact gives a *reading* (fact, value, date, where). Then, per
fact, one rule picks the value:

- most recent wins (counts, temperature, ECOG, disease status, CD19/CD22, MRD); two different
  values with the same date leave the fact unknown, with a warning, rather than guess;
- positive wins (Ph status, KMT2A): a leukemia found Ph-positive once stays Ph-positive, and a
  later negative test under treatment is a molecular response, not a different disease;
- agreement (lineage): conflicting lineages leave it unknown;
- union (ABL1 mutations, treatments given).

A fact whose reading is older than its ``stale_after_days`` is used but flagged stale.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from allnav.facts import FIELDS, Facts, FactSource, Symptoms
from allnav.interop.fhir_codes import CodeBook, Concept, Sets, norm_text
from allnav.interop.fhir_readers import READERS, Found
from allnav.interop.fhir_values import (
    When,
    as_list,
    as_map,
    as_str,
    codings,
    concept_keys,
    concept_text,
    first_when,
    latest_when,
    parse_when,
)
from allnav.problems import Loc, Problem

SYSTEM = "FHIR"
_OBS_SKIP = frozenset({"registered", "cancelled", "entered-in-error", "unknown"})
_TREATMENT_OK = {
    "MedicationRequest": frozenset({"active", "on-hold", "completed", "stopped"}),
    "MedicationStatement": frozenset({"active", "completed", "stopped", "on-hold"}),
    "MedicationAdministration": frozenset({"in-progress", "on-hold", "completed", "stopped"}),
    "Procedure": frozenset({"in-progress", "completed", "stopped"}),
}
_TREATMENT_WHEN = {
    "MedicationRequest": ("authoredOn",),
    "MedicationStatement": ("effectiveDateTime", "effectivePeriod", "dateAsserted"),
    "MedicationAdministration": ("effectiveDateTime", "effectivePeriod"),
    "Procedure": ("performedDateTime", "performedPeriod"),
}
_DOSAGE = {"MedicationRequest": "dosageInstruction", "MedicationStatement": "dosage",
           "MedicationAdministration": "dosage"}
_ORDER_INTENTS = frozenset({"order", "original-order", "reflex-order", "filler-order",
                            "instance-order"})
_NOT_DIAGNOSED = frozenset({"refuted", "entered-in-error", "differential"})
_POSITIVE_WINS = {"ph_status": "positive", "kmt2a": "rearranged"}
_REF = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]*)?$")
_EARLIEST = When(dt.date.min)


class Item(NamedTuple):
    """One resource and where it sits in the input (a tuple: thousands are made per Bundle)."""

    order: int
    loc: Loc
    ref: str
    res: Mapping[str, Any]


class Reading(NamedTuple):
    """One value for one fact from one resource."""

    fact: str
    value: object
    when: When | None
    ref: str
    element: str
    order: int
    note: str | None = None

    @property
    def key(self) -> tuple[When, int]:
        return (self.when or _EARLIEST, self.order)


def _text(raw: object) -> str:
    """A code element as text for set look-ups; anything else (even a list) as ''."""
    return raw if isinstance(raw, str) else ""


def short_ref(raw: object) -> str | None:
    """``Type/id`` from a relative, absolute or versioned reference; ``None`` otherwise."""
    return _short_ref(raw) if type(raw) is str else None


@functools.lru_cache(maxsize=1024)  # every resource names the same patient
def _short_ref(raw: str) -> str | None:
    m = _REF.search(raw)
    return f"{m.group(1)}/{m.group(2)}" if m else None


class Deriver:
    """Collects readings from resources, then resolves them into facts."""

    def __init__(self, book: CodeBook, as_of: dt.date, where: str) -> None:
        self.book, self.as_of, self.where = book, as_of, where
        self.readings: dict[str, list[Reading]] = {}
        self.problems: list[Problem] = []
        self.diagnoses = 0
        self.treatment_records = 0
        self.future = 0
        self.medications: dict[str, Mapping[str, Any]] = {}
        # What each Observation code means, by (text, system, code, display) of a code with one
        # coding: a patient's results repeat a few codes hundreds of times.
        self._code_memo: dict[tuple[object, ...], dict[str, Concept] | None] = {}

    # -- collecting --------------------------------------------------------------------
    def add(self, item: Item, found: Found, when: When | None, note: str | None = None) -> None:
        both = f"{found.note}; {note}" if found.note and note else found.note or note
        reading = Reading(found.fact, found.value, when, item.ref, found.element, item.order, both)
        if (known := self.readings.get(found.fact)) is None:
            self.readings[found.fact] = [reading]
        else:
            known.append(reading)

    def warn(self, type_: str, loc: Loc, msg: str, **ctx: object) -> None:
        self.problems.append(Problem(type_, loc, msg, severity="warning", ctx=ctx))

    def is_future(self, when: When | None) -> bool:
        if when is not None and when.date > self.as_of:
            self.future += 1
            return True
        return False

    def patient(self, item: Item) -> None:
        res = item.res
        if res.get("deceasedBoolean") is True or res.get("deceasedDateTime") is not None:
            self.warn("fhir_deceased", (*item.loc, "deceased[x]"),
                      f"{item.ref} records the patient as deceased")
        raw = res.get("birthDate")
        if raw is None:
            return
        born = parse_when(raw)
        if born is None or born.seconds != -1:
            self.warn("fhir_value", (*item.loc, "birthDate"),
                      f"{item.ref}: birthDate is not a date (YYYY-MM-DD), so age is unknown")
            return
        b, today = born.date, self.as_of
        age = today.year - b.year - ((today.month, today.day) < (b.month, b.day))
        if b > today or age > (FIELDS["age_years"].maximum or 120):
            self.warn("fhir_out_of_range", (*item.loc, "birthDate"),
                      f"{item.ref}: birthDate gives an impossible age, so age is unknown")
            return
        note = "birth date known only to the year or month" if born.partial else None
        self.add(item, Found("age_years", float(age), "birthDate", note), None)

    def condition(self, item: Item) -> None:
        res = item.res
        verification = {c for _, c, _ in codings(res.get("verificationStatus"))}
        if verification & _NOT_DIAGNOSED:
            return
        sets: list[Sets] = []
        concepts = [res.get("code")] + [
            e.get("valueCodeableConcept") for e in map(as_map, as_list(res.get("extension")))
            if e is not None and "histology-morphology" in str(e.get("url", ""))]
        for cc in concepts:
            for key in concept_keys(self.book, cc):
                if key in self.book.diagnoses:
                    sets.append(self.book.diagnoses[key])
            if text := concept_text(cc):
                sets += self.book.diagnosis_text.find(text)
        if not sets:
            return
        when, _ = latest_when(res, "recordedDate", "onsetDateTime", "onsetPeriod",
                                    "abatementDateTime", "meta.lastUpdated")
        if self.is_future(when):
            return
        self.diagnoses += 1
        note = "provisional diagnosis" if "provisional" in verification else None
        for fact, value in {fv for s in sets for fv in s}:
            self.add(item, Found(fact, value, "code", note), when)
        for key in concept_keys(self.book, res.get("clinicalStatus")):
            for fact, value in self.book.clinical_status.get(key, ()):
                self.add(item, Found(fact, value, "clinicalStatus", note), when)

    def observation(self, item: Item) -> None:
        res, book = item.res, self.book
        status = res.get("status")
        if isinstance(status, str) and status in _OBS_SKIP:
            return
        code = res.get("code")
        concepts: dict[str, Concept] | None
        if type(code) is dict and type(coding := code.get("coding")) is list \
                and len(coding) == 1 and type(one := coding[0]) is dict:
            key = (code.get("text"), one.get("system"), one.get("code"), one.get("display"))
            try:
                concepts = self._code_memo[key]
            except KeyError:
                concepts = self._code_memo[key] = self._observation_concepts(code)
            except TypeError:  # an unhashable value (a list where text should be): no memo
                concepts = self._observation_concepts(code)
        else:
            concepts = self._observation_concepts(code)
        if not concepts:
            return
        when, element, bad = first_when(res, "effectiveDateTime", "effectiveInstant",
                                        "effectivePeriod", "issued")
        if bad:
            self.warn("fhir_value", (*item.loc, str(element)),
                      f"{item.ref}: {element} is not a valid date, so the result was not used")
            return
        if self.is_future(when):
            return
        note = "preliminary result" if res.get("status") == "preliminary" else None
        for concept in concepts.values():
            found, refused = READERS[concept.read](book, concept, res)
            for r in refused:
                self.warn(r.type, (*item.loc, *r.element.split(".")),
                          f"{item.ref}: {r.element} {r.msg}", resource=item.ref)
            for f in found:
                self.add(item, f, when, note)

    def _observation_concepts(self, code: object) -> dict[str, Concept] | None:
        """What an Observation's code means: by coding, else by name; ``None`` when a coding
        says to ignore it. Most results (chemistry, vitals) mean nothing here, so this runs
        before any date or value is read. The dictionary is shared: do not change it."""
        cc = as_map(code)
        if cc is None:
            return None
        book = self.book
        concepts: dict[str, Concept] = {}
        text = cc.get("text")
        parts = [text] if isinstance(text, str) else []
        alias, ignored, by_code = book.system_alias, book.ignored_observations, book.observations
        for c in as_list(cc.get("coding")):
            if type(c) is dict or isinstance(c, Mapping):
                system, value = c.get("system"), c.get("code")
                if type(system) is str and type(value) is str:
                    key = (alias.get(system, system), value.strip())
                    if key in ignored:
                        return None
                    if (found := by_code.get(key)) is not None:
                        concepts[found.id] = found
                    display = c.get("display")
                    if type(display) is str and display:
                        parts.append(display)
        if not concepts and parts and (normalised := norm_text(" ".join(parts))):
            concepts = {c.id: c for c in book.observation_text.find(normalised)}
        return concepts

    def treatment(self, item: Item, rtype: str) -> None:
        res = item.res
        status = res.get("status")
        if status is not None and _text(status) not in _TREATMENT_OK[rtype]:
            return
        intent = res.get("intent")
        if rtype == "MedicationRequest" and intent is not None and _text(intent) not in _ORDER_INTENTS:
            return
        when, _, _ = first_when(res, *_TREATMENT_WHEN[rtype], use_start=True)
        if self.is_future(when):
            return
        self.treatment_records += 1
        if rtype == "Procedure":
            concept, element = res.get("code"), "code"
        else:
            concept, element = self._medication(res)
        gives = {g for k in concept_keys(self.book, concept) for g in self.book.treatments.get(k, ())}
        if text := concept_text(concept):
            gives.update(g for found in self.book.treatment_text.find(text) for g in found)
        elif not gives:
            # Neither a name nor a listed code: this may have been an ALL treatment, and the
            # list of prior treatments is taken as complete, so the clinician must know.
            what = "procedure" if rtype == "Procedure" else "drug"
            self.warn("fhir_unidentified_treatment", (*item.loc, element),
                      f"{item.ref}: the {what} could not be identified (no name, and no code "
                      "in the code list); if it was an ALL treatment, prior treatments miss it",
                      resource=item.ref)
        routes = " ".join(concept_text(as_map(d) and d.get("route"))
                          for d in [*as_list(res.get(_DOSAGE.get(rtype, ""))), res.get("dosage")])
        if rtype != "Procedure" and (self.book.cns_routes.find(routes) or
                                     self.book.cns_routes.find(text)):
            gives = {"cns-directed-therapy"}  # intrathecal chemotherapy is CNS-directed only
        for g in sorted(gives):
            self.add(item, Found("prior_treatments", g, element), when)

    def _medication(self, res: Mapping[str, Any]) -> tuple[object, str]:
        if "medicationCodeableConcept" in res:
            return res.get("medicationCodeableConcept"), "medicationCodeableConcept"
        ref = as_map(res.get("medicationReference")) or {}
        target = ref.get("reference")
        if isinstance(target, str) and target.startswith("#"):
            for c in map(as_map, as_list(res.get("contained"))):
                if c is not None and c.get("resourceType") == "Medication" and c.get("id") == target[1:]:
                    return c.get("code"), "medicationReference"
        med = self.medications.get(short_ref(target) or str(target))
        if med is not None:
            return med.get("code"), "medicationReference"
        return {"text": as_str(ref.get("display")) or ""}, "medicationReference.display"

    # -- resolving ---------------------------------------------------------------------
    def resolve(self) -> tuple[Facts, list[Problem]]:
        values: dict[str, object] = {}
        sources: dict[str, FactSource] = {}
        for fact, readings in self.readings.items():
            if fact.startswith("blasts:") or fact == "prior_treatments":
                continue
            picked = self._pick(fact, readings)
            if picked is None:
                continue
            value, best, note = picked
            values[fact] = value
            sources[fact] = self._source(fact, best, note)
        anc = sources.get("symptoms.anc_per_ul")
        if anc is not None and anc.recorded is not None:
            # The day the neutrophils were counted decides whether the count can rule out
            # neutropenia now (pathway: crit.counts_out_of_date); an undated count cannot.
            values["symptoms.counts_date"] = anc.recorded
            sources["symptoms.counts_date"] = FactSource(
                SYSTEM, anc.reference, anc.element, anc.recorded, anc.stale,
                "the date of the neutrophil count")
        if self.treatment_records:
            self._treatments(values, sources)
        if values.get("disease_status") == "remission":
            self._check_blasts(sources["disease_status"])
        if not self.diagnoses:
            self.warn("fhir_no_all_diagnosis", (),
                      f"no acute lymphoblastic leukemia diagnosis found in the {self.where} (no "
                      "Condition with an ALL code or name); the assessment uses the facts it "
                      "found, but check the diagnosis before relying on it")
        if self.future:
            self.warn("fhir_after_as_of", (), f"{self.future} record(s) dated after the "
                      "assessment date were not used")
        top: dict[str, Any] = {k: v for k, v in values.items() if not k.startswith("symptoms.")}
        sym: dict[str, Any] = {k[9:]: v for k, v in values.items() if k.startswith("symptoms.")}
        facts = Facts(symptoms=Symptoms(**sym), as_of=self.as_of,
                      sources=MappingProxyType(dict(sorted(sources.items()))), **top)
        return facts, self.problems

    def _pick(self, fact: str, readings: list[Reading]) -> tuple[object, Reading, str | None] | None:
        ranked = sorted(readings, key=lambda r: r.key)
        best = ranked[-1]
        many = f"latest of {len(ranked)} results" if len(ranked) > 1 else None
        if fact == "abl1_mutations":
            found = [r for r in ranked if r.value is not None]
            if not found:
                return (), best, best.note
            names = tuple(dict.fromkeys(str(r.value) for r in found))
            return names, found[-1], f"found in {len(found)} result(s)" if len(found) > 1 else None
        if fact in _POSITIVE_WINS:
            positive = [r for r in ranked if r.value == _POSITIVE_WINS[fact]]
            if positive:
                later = "a later negative result does not undo it" if positive[-1] is not best else None
                return positive[-1].value, positive[-1], later
            return best.value, best, many
        clash = [r for r in ranked if r.value != best.value and
                 (fact == "lineage" or r.when == best.when)]
        if clash:
            self.warn("fhir_conflict", tuple(fact.split(".")),
                      f"{fact}: {best.ref} and {clash[-1].ref} disagree and neither is more "
                      "recent, so it is left unknown", resources=[best.ref, clash[-1].ref])
            return None
        return best.value, best, many

    def _source(self, fact: str, r: Reading, extra: str | None) -> FactSource:
        stale = False
        limit = self.book.stale_after.get(fact)
        note = "; ".join(n for n in (r.note, extra) if n) or None
        if limit is not None:
            if r.when is None:
                stale, note = True, "; ".join(n for n in (note, "no date recorded") if n)
            elif (self.as_of - r.when.date).days > limit:
                stale = True
            if stale:
                self.warn("fhir_stale", tuple(fact.split(".")),
                          f"{fact} comes from {r.ref}, recorded more than {limit} day(s) before "
                          "the assessment date (or undated); check that it still holds",
                          resource=r.ref)
        return FactSource(SYSTEM, r.ref, r.element, r.when.date if r.when else None, stale, note)

    def _treatments(self, values: dict[str, object], sources: dict[str, FactSource]) -> None:
        readings = sorted(self.readings.get("prior_treatments", []), key=lambda r: r.key)
        order = FIELDS["prior_treatments"].choices
        given = sorted({str(r.value) for r in readings}, key=order.index)
        values["prior_treatments"] = tuple(given)
        refs = list(dict.fromkeys(r.ref for r in readings))
        detail = "; ".join(f"{g}: {', '.join(dict.fromkeys(r.ref for r in readings if r.value == g))}"
                           for g in given)
        last = readings[-1] if readings else None
        sources["prior_treatments"] = FactSource(
            SYSTEM, ", ".join(refs) or f"{self.treatment_records} medication/procedure record(s)",
            "medication[x], code", last.when.date if last and last.when else None,
            note=detail or "no ALL treatment among the medication and procedure records")
        self.warn("fhir_treatments_assumed_complete", ("prior_treatments",),
                  f"prior_treatments was built from {self.treatment_records} medication and "
                  "procedure record(s) and is taken as the complete list; treatments given "
                  "elsewhere or not in these records are missing from it")

    def _check_blasts(self, status: FactSource) -> None:
        limits = {c.id: c.remission_limit for c in self.book.observations.values()}
        for fact, readings in self.readings.items():
            if not fact.startswith("blasts:"):
                continue
            latest = max(readings, key=lambda r: r.key)
            limit = limits.get(fact[7:])
            after = status.recorded is None or (latest.when is not None and
                                                latest.when.date >= status.recorded)
            if limit is not None and after and float(latest.value) >= limit:  # type: ignore[arg-type]
                self.warn("fhir_blasts_contradict", ("disease_status",),
                          f"disease_status 'remission' (from {status.reference}) is contradicted "
                          f"by {latest.ref}, which reports blasts at or above {limit:g}%; check "
                          "the disease status", resources=[status.reference, latest.ref])


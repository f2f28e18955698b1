"""``allnav synth bulk``: a synthetic FHIR Bulk Data export of a cancer center's population.

Every patient is invented. Most have no leukemia (a few records each: a diagnosis such as
hypertension, breast cancer or AML, and some blood counts); a few percent have ALL, in one of
the states the pathway knows (:data:`STATES`), with about 200 records each (two months of daily
blood counts and temperatures, the diagnosis, marker tests, treatments). The ALL codes are read
from ``knowledge/fhir-codes.yaml`` (:mod:`allnav.screening.synth_codes`).

The export is what an EHR's ``$export`` leaves: one NDJSON file (or several parts) per resource
type, gzip or plain, and a ``manifest.json`` shaped like the export's status response. The same
seed gives the same bytes. Patients are written one at a time, so a million patients take
memory for one patient and the open files, not for the export.
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import orjson

from allnav.screening.synth_codes import OTHER_DIAGNOSES, Coding, synth_codes

R = dict[str, Any]
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"

#: The ALL states of the synthetic population, with their share among ALL patients (percent).
STATES: dict[str, int] = {
    "primary-refractory": 10,
    "first-relapse": 18,
    "second-relapse": 10,
    "cns-relapse": 6,
    "ph-positive": 8,
    "ph-positive-t315i": 6,
    "t-all": 7,
    "kmt2a-rearranged": 5,
    "relapse-after-transplant": 8,
    "remission": 10,
    "comfort-goals": 5,
    "febrile-neutropenia": 7,
}
#: Resource types of the export, in the order of the manifest.
TYPES = ("Patient", "Condition", "Observation", "MedicationAdministration", "MedicationRequest",
         "Procedure", "CarePlan")
_PART_LINES = 500_000  # lines per file part, so an engine can read the parts in parallel


@dataclass
class SynthReport:
    """What was written: patients by state, and lines per resource type."""

    patients: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


class _Writer:
    """NDJSON files per resource type, split into parts of :data:`_PART_LINES` lines."""

    def __init__(self, out: Path, gzipped: bool) -> None:
        self.out, self.gzipped = out, gzipped
        self.open: dict[str, tuple[IO[bytes], int, int]] = {}  # type -> (file, part, lines)
        self.files: list[tuple[str, Path]] = []
        self.lines: dict[str, int] = {}

    def _new(self, rtype: str, part: int) -> IO[bytes]:
        name = f"{rtype}.{part:03d}.ndjson" + (".gz" if self.gzipped else "")
        path = self.out / name
        self.files.append((rtype, path))
        if self.gzipped:
            # Level 3: a fifth of the time of the default level for a file a tenth larger.
            return cast(IO[bytes], gzip.GzipFile(path, "wb", compresslevel=3, mtime=0))
        return path.open("wb")

    def write(self, res: R) -> None:
        rtype = res["resourceType"]
        f, part, n = self.open.get(rtype) or (self._new(rtype, 0), 0, 0)
        if n >= _PART_LINES:
            f.close()
            part, n = part + 1, 0
            f = self._new(rtype, part)
        f.write(orjson.dumps(res) + b"\n")
        self.open[rtype] = (f, part, n + 1)
        self.lines[rtype] = self.lines.get(rtype, 0) + 1

    def close(self) -> None:
        for f, _, _ in self.open.values():
            f.close()


def _cc(coding: Coding, text: str | None = None) -> R:
    out: R = {"coding": [coding]}
    if text:
        out["text"] = text
    return out


class _Patient:
    """Builds one patient's records; ``rng`` decides everything that varies."""

    def __init__(self, pid: str, rng: random.Random, as_of: dt.date, emit: Callable[[R], None]) -> None:
        self.pid, self.rng, self.as_of, self.emit = pid, rng, as_of, emit
        self.codes = synth_codes()
        self.n = 0
        self.subject = {"reference": f"Patient/{pid}"}

    def rid(self) -> str:
        self.n += 1
        return f"{self.pid}-{self.n}"

    def day(self, days_ago: int) -> str:
        return (self.as_of - dt.timedelta(days=days_ago)).isoformat()

    def patient(self, age: int) -> None:
        birth = self.as_of - dt.timedelta(days=int(age * 365.25) + self.rng.randrange(365))
        self.emit({"resourceType": "Patient", "id": self.pid,
                   "gender": self.rng.choice(("female", "male")), "birthDate": birth.isoformat()})

    def condition(self, code: R, days_ago: int, status: str = "active", **extra: Any) -> None:
        clinical = self.codes.clinical.get(status) or {
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": status, "display": status.capitalize()}
        self.emit({"resourceType": "Condition", "id": self.rid(),
                   "clinicalStatus": _cc(clinical),
                   "verificationStatus": _cc({"system": VER, "code": "confirmed", "display": "Confirmed"}),
                   "code": code, "subject": self.subject, "recordedDate": self.day(days_ago), **extra})

    def obs(self, name: str, days_ago: int, time: str | None = None, **value: Any) -> None:
        when = self.day(days_ago) + (f"T{time}Z" if time else "")
        self.emit({"resourceType": "Observation", "id": self.rid(), "status": "final",
                   "code": _cc(self.codes.observation[name]), "subject": self.subject,
                   "effectiveDateTime": when, **value})

    def qty(self, name: str, days_ago: int, value: float, unit: str, time: str = "06:30:00") -> None:
        self.obs(name, days_ago, time,
                 valueQuantity={"value": value, "unit": unit, "system": UCUM, "code": unit})

    def med(self, drug: str, days_ago: int, kind: str = "MedicationAdministration", **extra: Any) -> None:
        res: R = {"resourceType": kind, "id": self.rid(), "status": "completed",
                  "subject": self.subject, "medicationCodeableConcept": _cc(self.codes.treatment[drug]),
                  **extra}
        if kind == "MedicationRequest":
            res |= {"intent": "order", "authoredOn": self.day(days_ago)}
        else:
            res["effectiveDateTime"] = self.day(days_ago)
        self.emit(res)

    def counts(self, days: int, anc_low: bool) -> None:
        """Daily blood counts and temperature for ``days`` days, the latest yesterday."""
        r = self.rng
        for d in range(days, 0, -1):
            anc = round(r.uniform(0.1, 0.9) if anc_low else r.uniform(1.2, 4.5), 2)
            self.qty("anc", d, anc, "10*3/uL")
            self.qty("hemoglobin", d, round(r.uniform(7.5, 12.5), 1), "g/dL")
            self.qty("platelets", d, round(r.uniform(15, 250)), "10*3/uL")
            self.qty("temperature", d, round(r.uniform(36.1, 37.4), 1), "Cel", "07:00:00")


def _other(p: _Patient) -> str:
    """A patient without ALL: one or two other diagnoses and a few blood counts."""
    r = p.rng
    p.patient(r.randrange(18, 90))
    for code, display in r.sample(OTHER_DIAGNOSES, r.choice((1, 1, 2))):
        p.condition(_cc({"system": ICD10CM, "code": code, "display": display}), r.randrange(30, 3000))
    for _ in range(r.randrange(2, 4)):
        d = r.randrange(1, 400)
        p.qty("hemoglobin", d, round(r.uniform(11, 16), 1), "g/dL")
        p.qty("platelets", d, round(r.uniform(150, 400)), "10*3/uL")
        p.qty("anc", d, round(r.uniform(1.8, 7), 2), "10*3/uL")
    return "no-leukemia"


def _markers(p: _Patient, cd19: bool, cd22: bool | None, days_ago: int = 12) -> None:
    if cd22 is None and p.rng.random() < 0.5:
        text = "Blasts " + ("positive for CD10, CD19 and TdT" if cd19 else "CD19 negative, CD10 and TdT positive")
    else:
        cd22_text = "CD22" if cd22 is not False else ""
        pos = ", ".join(x for x in ("CD10", "CD19" if cd19 else "", cd22_text, "TdT") if x)
        neg = ", ".join(x for x in ("" if cd19 else "CD19", "" if cd22 is not False else "CD22") if x)
        text = f"Blasts positive for {pos}" + (f"; negative for {neg}" if neg else "")
    p.obs("immunophenotype", days_ago, valueString=text)


def _ph(p: _Patient, positive: bool, days_ago: int = 20) -> None:
    answer = p.codes.answer["detected" if positive else "not-detected"]
    p.obs("bcr-abl1", days_ago, valueCodeableConcept=_cc(answer))


def _abl1(p: _Patient, change: str | None, days_ago: int = 15) -> None:
    comps = [{"code": _cc(p.codes.variant_component["gene-studied"]),
              "valueCodeableConcept": _cc(p.codes.gene["ABL1"])}]
    if change:
        comps.append({"code": _cc(p.codes.variant_component["protein-change"]),
                      "valueCodeableConcept": {"text": change}})
    answer = p.codes.answer["positive" if change else "not-detected"]
    p.obs("variant", days_ago, valueCodeableConcept=_cc(answer), component=comps)


def _goals_of_care(p: _Patient, comfort: bool, days_ago: int = 10) -> None:
    what = ("Goals of care: comfort-focused care; no further leukemia-directed treatment"
            if comfort else "Goals of care discussed: aiming for remission and transplant")
    p.emit({"resourceType": "CarePlan", "id": p.rid(), "status": "active", "intent": "plan",
            "category": [{"text": "Goals of care"}], "title": "Goals of care", "description": what,
            "subject": p.subject, "created": p.day(days_ago)})


def _all(p: _Patient, state: str) -> str:
    """A patient with ALL in ``state``: the diagnosis, tests, treatments, 48 days of counts."""
    r, c = p.rng, p.codes
    p.patient(r.randrange(18, 80))
    dx = c.diagnosis
    onset = r.randrange(200, 1500)
    relapse = state not in ("primary-refractory", "remission")
    ph = state.startswith("ph-positive")
    histology = {"ph-positive": dx["ph-positive-b"], "ph-positive-t315i": dx["ph-positive-b"],
                 "kmt2a-rearranged": dx["kmt2a-b"], "t-all": dx["t-all"]}.get(state)
    code = _cc(dx["b-all"] if state != "t-all" else dx["all"],
               "Precursor T-cell acute lymphoblastic leukemia" if state == "t-all" else None)
    if relapse:
        code["coding"].append(dx["in-relapse"])
    elif state == "remission":
        code["coding"].append(dx["in-remission"])
    else:
        code["coding"].append(dx["not-in-remission"])
    extra: R = {}
    if histology:
        extra["extension"] = [{"url": MCODE + "mcode-histology-morphology-behavior",
                               "valueCodeableConcept": _cc(histology)}]
    if state == "cns-relapse":
        extra["bodySite"] = [{"text": "Central nervous system (cerebrospinal fluid)"}]
    p.condition(code, onset, "relapse" if relapse else ("remission" if state == "remission" else "active"),
                **extra)
    # Induction for everyone; salvage and targeted therapy by state.
    p.med("cyclophosphamide", onset - 5)
    p.med("idarubicin", onset - 5)
    if state != "t-all":
        # A marker test that would change the options is sometimes missing (unknown is kept).
        cd22 = None if r.random() < 0.3 else (r.random() < 0.85)
        _markers(p, cd19=state not in ("second-relapse",), cd22=cd22)
    if ph:
        _ph(p, True, onset)
        p.med("dasatinib", onset - 10, "MedicationRequest")
        if state == "ph-positive-t315i":
            _abl1(p, "p.Thr315Ile")
        elif r.random() < 0.6:
            _abl1(p, None)  # tested, no mutation; otherwise the mutation test is missing
    elif state != "t-all" and r.random() < 0.8:
        _ph(p, False, onset)
    if state == "second-relapse":
        p.med("blinatumomab", 200)
    if state == "t-all":
        p.med("nelarabine", 90)
    if state == "relapse-after-transplant":
        p.emit({"resourceType": "Procedure", "id": p.rid(), "status": "completed",
                "code": _cc(c.treatment["allo-hsct"]), "subject": p.subject,
                "performedDateTime": p.day(r.randrange(120, 500))})
    if state == "cns-relapse":
        p.med("cyclophosphamide", 14, dosage={"route": {"text": "Intrathecal"}})
    if state == "remission":
        p.obs("disease-status", 20, valueCodeableConcept=_cc(c.status["full-remission"]))
        p.qty("marrow-blasts", 20, round(r.uniform(0, 3), 1), "%")
    if state == "primary-refractory":
        p.qty("marrow-blasts", 15, round(r.uniform(20, 80)), "%")
    p.obs("ecog", r.randrange(3, 20), valueCodeableConcept=_cc(c.ecog_answer[r.choice((0, 1, 1, 2, 3))]))
    p.counts(48, anc_low=state == "febrile-neutropenia")
    if state == "febrile-neutropenia":
        p.qty("temperature", 0, round(r.uniform(38.4, 39.4), 1), "Cel", "02:00:00")
    if state == "comfort-goals" or (relapse and r.random() < 0.4):
        _goals_of_care(p, comfort=state == "comfort-goals")
    return state


def write_bulk_export(out: Path, patients: int, *, seed: int = 1, all_percent: float = 3.0,
                      as_of: dt.date = dt.date(2026, 12, 1), gzipped: bool = True,
                      progress: Callable[[int], None] | None = None) -> SynthReport:
    """Write a synthetic export of ``patients`` patients into the folder ``out`` (created).

    ``all_percent`` of them have ALL. ``as_of`` is the export's transaction time (the latest
    records are from the day before). ``progress`` is called with the patients written so far
    every 1,000 patients."""
    if patients < 1:
        raise ValueError("patients must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    writer = _Writer(out, gzipped)
    report = SynthReport(patients=patients)
    states, weights = list(STATES), list(STATES.values())
    try:
        for i in range(patients):
            p = _Patient(f"p{i:07d}", rng, as_of, writer.write)
            kind = _all(p, rng.choices(states, weights)[0]) if rng.random() * 100 < all_percent else _other(p)
            report.by_state[kind] = report.by_state.get(kind, 0) + 1
            if progress is not None and (i + 1) % 1000 == 0:
                progress(i + 1)
    finally:
        writer.close()
    order = {t: i for i, t in enumerate(TYPES)}
    files = sorted(writer.files, key=lambda f: (order.get(f[0], 99), f[1].name))
    manifest = {
        "transactionTime": f"{as_of.isoformat()}T00:00:00Z",
        "request": "[base]/$export?_type=" + ",".join(TYPES),
        "requiresAccessToken": False,
        "output": [{"type": t, "url": path.name} for t, path in files],
        "error": [],
    }
    (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    report.lines = dict(writer.lines)
    report.files = [path for _, path in files]
    return report

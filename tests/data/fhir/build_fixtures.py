"""Build the hand-made FHIR R4 test Bundles in this folder (deterministic; run to refresh).

    .venv/bin/python tests/data/fhir/build_fixtures.py

The adult relapsed B-ALL case follows the shape of mCODE's own B-ALL example
(HL7 fhir-mCODE-ig STU4, EX_ExtendedExample_Pediatric.fsh: PrimaryCancerCondition with SNOMED
277571004, immunophenotype LOINC 101119-6 as narrative, CBC LOINCs, CancerDiseaseStatus),
moved to an adult with relapsed disease. Every patient here is invented.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCT, LNC = "http://snomed.info/sct", "http://loinc.org"
ICD10CM, ICDO3 = "http://hl7.org/fhir/sid/icd-10-cm", "http://terminology.hl7.org/CodeSystem/icd-o-3"
RXN, UCUM = "http://www.nlm.nih.gov/research/umls/rxnorm", "http://unitsofmeasure.org"
HGNC = "http://www.genenames.org/geneId"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"

R = dict[str, Any]


def cc(system: str, code: str, display: str, text: str | None = None) -> R:
    out: R = {"coding": [{"system": system, "code": code, "display": display}]}
    if text:
        out["text"] = text
    return out


def patient(pid: str, birth: str, gender: str) -> R:
    return {"resourceType": "Patient", "id": pid, "meta": {"profile": [MCODE + "mcode-cancer-patient"]},
            "identifier": [{"system": "http://hospital.example.org", "value": f"MRN-{pid}"}],
            "name": [{"family": "Example", "given": ["Test"]}], "gender": gender, "birthDate": birth}


def condition(cid: str, pid: str, code: R, status: str, onset: str, recorded: str,
              extension: list[R] | None = None) -> R:
    res: R = {"resourceType": "Condition", "id": cid,
              "meta": {"profile": [MCODE + "mcode-primary-cancer-condition"]},
              "clinicalStatus": cc(CLIN, status, status.capitalize()),
              "verificationStatus": cc(VER, "confirmed", "Confirmed"),
              "category": [cc("http://terminology.hl7.org/CodeSystem/condition-category",
                              "problem-list-item", "Problem List Item")],
              "code": code, "subject": {"reference": f"Patient/{pid}"},
              "onsetDateTime": onset, "recordedDate": recorded}
    if extension:
        res["extension"] = extension
    return res


def obs(oid: str, pid: str, code: R, when: str, **value: Any) -> R:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "category": [cc("http://terminology.hl7.org/CodeSystem/observation-category",
                            "laboratory", "Laboratory")],
            "code": code, "subject": {"reference": f"Patient/{pid}"},
            "effectiveDateTime": when, **value}


def qty(value: float, code: str, unit: str | None = None) -> R:
    return {"valueQuantity": {"value": value, "unit": unit or code, "system": UCUM, "code": code}}


def med(kind: str, mid: str, pid: str, concept: R, when: str, status: str = "completed",
        **extra: Any) -> R:
    res: R = {"resourceType": kind, "id": mid, "status": status, "subject": {"reference": f"Patient/{pid}"},
              "medicationCodeableConcept": concept, **extra}
    if kind == "MedicationRequest":
        res["intent"] = "order"
        res["authoredOn"] = when
    else:
        res["effectiveDateTime"] = when
    return res


ANC = cc(LNC, "751-8", "Neutrophils [#/volume] in Blood by Automated count")
HGB = cc(LNC, "718-7", "Hemoglobin [Mass/volume] in Blood")
PLT = cc(LNC, "777-3", "Platelets [#/volume] in Blood by Automated count")
TEMP = cc(LNC, "8310-5", "Body temperature")
ECOG = cc(LNC, "89247-1", "ECOG Performance Status score")


def bundle(btype: str, resources: list[R], **extra: Any) -> R:
    entries = []
    for r in resources:
        e: R = {"fullUrl": f"http://fhir.example.org/{r['resourceType']}/{r['id']}", "resource": r}
        if btype == "transaction":
            e["request"] = {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}
        if btype == "searchset":
            e["search"] = {"mode": "match"}
        entries.append(e)
    return {"resourceType": "Bundle", "type": btype, **extra, "entry": entries}


def relapsed_b_all() -> R:
    p = "rr-ball-1"
    return bundle("collection", [
        patient(p, "1984-03-12", "female"),
        condition("rr-ball-1-dx", p, {
            "coding": [{"system": SCT, "code": "277571004",
                        "display": "B-cell acute lymphoblastic leukemia (disorder)"},
                       {"system": ICD10CM, "code": "C91.02", "display": "Acute lymphoblastic leukemia, in relapse"}],
            "text": "B-ALL, first relapse"}, "relapse", "2024-05-02", "2026-11-20"),
        obs("rr-ball-1-bcrabl", p, cc(LNC, "21821-4", "t(9;22)(q34.1;q11)(ABL1,BCR) fusion transcript [Presence] "
                                                       "in Blood or Tissue by Molecular genetics method"),
            "2024-05-03", valueCodeableConcept=cc(LNC, "LA11883-8", "Not detected")),
        obs("rr-ball-1-mrd", p, {"text": "Measurable residual disease (flow cytometry), bone marrow"},
            "2024-09-10", valueCodeableConcept=cc(LNC, "LA11883-8", "Not detected")),
        obs("rr-ball-1-immuno", p, cc(LNC, "101119-6", "Leukemia and lymphoma immunophenotyping study in Specimen"),
            "2026-11-18", valueString="Blasts positive for CD10, CD19, CD22, CD79a and TdT; negative for CD20"),
        obs("rr-ball-1-blasts", p, cc(LNC, "11150-0", "Blasts/cells in Bone marrow"), "2026-11-18",
            **qty(38, "%")),
        obs("rr-ball-1-status", p, cc(LNC, "97509-4", "Cancer disease progression"), "2026-11-20",
            valueCodeableConcept=cc(SCT, "271299001", "Patient's condition worsened (finding)")),
        obs("rr-ball-1-ecog", p, ECOG, "2026-11-25", valueInteger=1,
            interpretation=[cc(LNC, "LA9623-5", "Restricted in physically strenuous activity but ambulatory")]),
        obs("rr-ball-1-hgb", p, HGB, "2026-11-28T07:30:00-05:00", **qty(9.1, "g/dL")),
        obs("rr-ball-1-anc", p, ANC, "2026-11-28T07:30:00-05:00", **qty(1.2, "10*3/uL")),
        obs("rr-ball-1-plt", p, PLT, "2026-11-28T07:30:00-05:00", **qty(85, "10*3/uL")),
        obs("rr-ball-1-temp", p, TEMP, "2026-11-28T08:00:00-05:00", **qty(37.1, "Cel")),
        med("MedicationAdministration", "rr-ball-1-cyclo", p, cc(RXN, "3002", "cyclophosphamide"), "2024-05-10"),
        med("MedicationAdministration", "rr-ball-1-vcr", p, cc(RXN, "11202", "vincristine"), "2024-05-10"),
        med("MedicationAdministration", "rr-ball-1-dauno", p, {"text": "DAUNOrubicin 45 mg/m2 IV"}, "2024-05-10"),
    ])


def ph_t315i() -> R:
    p = "ph-t315i-1"
    histology = [{"url": MCODE + "mcode-histology-morphology-behavior",
                  "valueCodeableConcept": cc(ICDO3, "9812/3", "B lymphoblastic leukemia/lymphoma with "
                                                               "t(9;22)(q34;q11.2); BCR-ABL1")}]
    variant = obs("ph-t315i-1-abl1", p, cc(LNC, "69548-6", "Genetic variant assessment"), "2026-11-10",
                  valueCodeableConcept=cc(LNC, "LA9633-4", "Present"),
                  component=[{"code": cc(LNC, "48018-6", "Gene studied [ID]"),
                              "valueCodeableConcept": cc(HGNC, "HGNC:76", "ABL1")},
                             {"code": cc(LNC, "48005-3", "Amino acid change (pHGVS)"),
                              "valueCodeableConcept": cc("http://varnomen.hgvs.org", "NP_005148.2:p.Thr315Ile",
                                                         "NP_005148.2:p.Thr315Ile")}])
    ratio = cc(LNC, "46434-7", "t(9;22)(q34.1;q11)(ABL1,BCR) fusion transcript/control transcript [# Ratio] "
                               "in Blood or Tissue by Molecular genetics method")
    return bundle("searchset", [
        patient(p, "1968-07-01", "male"),
        condition("ph-t315i-1-dx", p, cc(SCT, "277571004", "B-cell acute lymphoblastic leukemia (disorder)"),
                  "relapse", "2025-02-14", "2026-11-12", extension=histology),
        obs("ph-t315i-1-ratio-old", p, ratio, "2025-09-01", **qty(0, "%")),
        obs("ph-t315i-1-ratio", p, ratio, "2026-11-10", **qty(12.5, "%")),
        variant,
        obs("ph-t315i-1-ecog", p, ECOG, "2026-11-12",
            valueCodeableConcept=cc(LNC, "LA9623-5", "Restricted in physically strenuous activity but ambulatory")),
        med("MedicationStatement", "ph-t315i-1-dasa", p,
            {"coding": [{"system": RXN, "code": "475342", "display": "dasatinib"}], "text": "Sprycel"},
            "2025-03-01", status="active"),
        med("MedicationRequest", "ph-t315i-1-hypercvad", p, {"text": "Hyper-CVAD course A"}, "2025-02-20"),
    ], total=8)


def t_all() -> R:
    p = "tall-1"
    contained_mtx = {"resourceType": "Medication", "id": "mtx",
                     "code": {"text": "methotrexate 12 mg preservative-free"}}
    return bundle("transaction", [
        patient(p, "1995-10-30", "male"),
        condition("tall-1-dx", p, {"coding": [{"system": "http://hospital.example.org/dx", "code": "LEUK-T",
                                                "display": "Precursor T-cell acute lymphoblastic leukemia"}]},
                  "relapse", "2025-06-01", "2026-11-26"),
        obs("tall-1-temp", p, TEMP, "2026-11-28T22:10:00+01:00", **qty(101.3, "[degF]", "°F")),
        obs("tall-1-ecog", p, ECOG, "2026-11-27", valueInteger=2),
        med("MedicationAdministration", "tall-1-nela", p,
            {"coding": [{"system": "http://hospital.example.org/formulary", "code": "NELA-1500"}],
             "text": "Nelarabine 1500 mg/m2 IV"}, "2025-12-01"),
        {"resourceType": "MedicationAdministration", "id": "tall-1-it", "status": "completed",
         "contained": [contained_mtx], "medicationReference": {"reference": "#mtx"},
         "subject": {"reference": f"Patient/{p}"}, "effectiveDateTime": "2025-12-02",
         "dosage": {"route": cc(SCT, "72607000", "Intrathecal route (qualifier value)")}},
        {"resourceType": "Procedure", "id": "tall-1-hsct", "status": "completed",
         "code": {"coding": [{"system": "http://www.cms.gov/Medicare/Coding/ICD10", "code": "30243Y3",
                              "display": "Transfusion of Allogeneic Unrelated Hematopoietic Stem Cells into "
                                         "Central Vein, Percutaneous Approach"}]},
         "subject": {"reference": f"Patient/{p}"}, "performedDateTime": "2026-02-15"},
    ])


def febrile_neutropenia() -> list[R]:
    p = "fn-1"
    return [
        patient(p, "1978-01-20", "female"),
        condition("fn-1-dx", p, cc(SCT, "91857003", "Acute lymphoid leukemia (disorder)"),
                  "relapse", "2025-03-03", "2026-10-01"),
        obs("fn-1-anc-old", p, ANC, "2026-11-25T06:00:00Z", **qty(2.1, "10*9/L")),
        obs("fn-1-anc", p, ANC, "2026-11-28T06:00:00Z", **qty(0.3, "10*9/L")),
        obs("fn-1-hgb", p, HGB, "2026-11-28T06:00:00Z", **qty(78, "g/L")),
        obs("fn-1-plt", p, PLT, "2026-11-28T06:00:00Z", **qty(18000, "/uL")),
        obs("fn-1-temp-typo", p, TEMP, "2026-11-27T20:00:00Z", **qty(3.86, "Cel")),
        obs("fn-1-temp", p, TEMP, "2026-11-28T21:00:00Z", **qty(38.6, "Cel")),
    ]


def prefetch_200() -> R:
    """A realistic CDS Hooks prefetch: two months of daily CBCs and temperatures (~200)."""
    p = "prefetch-1"
    out = [patient(p, "1971-04-09", "male"),
           condition("prefetch-1-dx", p, cc(SCT, "277571004", "B-cell acute lymphoblastic leukemia (disorder)"),
                     "relapse", "2025-01-10", "2026-11-01")]
    start = dt.date(2026, 9, 30)
    for day in range(48):
        when = f"{start + dt.timedelta(days=day)}T06:30:00Z"
        anc = round(0.2 + (day % 9) * 0.35, 2)
        out += [obs(f"pf-anc-{day}", p, ANC, when, **qty(anc, "10*9/L")),
                obs(f"pf-hgb-{day}", p, HGB, when, **qty(round(8 + (day % 5) * 0.4, 1), "g/dL")),
                obs(f"pf-plt-{day}", p, PLT, when, **qty(20 + (day % 7) * 15, "10*3/uL")),
                obs(f"pf-temp-{day}", p, TEMP, when, **qty(round(36.6 + (day % 4) * 0.5, 1), "Cel"))]
    out += [obs("pf-immuno", p, cc(LNC, "101119-6", "Leukemia and lymphoma immunophenotyping study in Specimen"),
                "2026-10-28", valueString="CD19+ CD22+ CD10+ TdT+"),
            obs("pf-ecog", p, ECOG, "2026-11-20", valueInteger=1),
            med("MedicationRequest", "pf-blina", p, cc(RXN, "1597258", "blinatumomab"), "2026-10-01"),
            med("MedicationRequest", "pf-ino", p, cc(RXN, "1942950", "inotuzumab ozogamicin"), "2026-11-25",
                status="active")]
    return bundle("searchset", out, total=len(out))


def main() -> None:
    files: dict[str, Any] = {
        "adult-relapsed-cd19-b-all.bundle.json": relapsed_b_all(),
        "ph-positive-t315i.bundle.json": ph_t315i(),
        "t-all-relapse.bundle.json": t_all(),
        "febrile-neutropenia.bundle.json": bundle("collection", febrile_neutropenia()),
        "prefetch-200.bundle.json": prefetch_200(),
    }
    for name, data in files.items():
        (HERE / name).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    lines = [json.dumps(r) for r in febrile_neutropenia()]
    (HERE / "febrile-neutropenia.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

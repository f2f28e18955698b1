"""The codes a synthetic export writes, taken from ``knowledge/fhir-codes.yaml`` by id.

Nothing clinical is restated here: every code for an ALL concept (diagnosis, laboratory test,
answer, drug, procedure) is looked up in the code list the FHIR reader uses, so a synthetic
record means to the reader exactly what the code list says. A look-up that fails (a code
removed from the list) is a :class:`KeyError` at start-up, never a silently different export.

Diagnoses other than ALL come from :data:`OTHER_DIAGNOSES`: ICD-10-CM codes that the code
list does not hold on purpose (they must map to nothing), used as negative controls.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from allnav.interop.fhir_codes import default_codes_path

Coding = dict[str, str]

#: Non-ALL diagnoses of the screened population (ICD-10-CM 2025): conditions common in a
#: cancer center's records, and two leukemias that are not ALL (AML, CLL), which the
#: screening must skip as another disease.
OTHER_DIAGNOSES: tuple[tuple[str, str], ...] = (
    ("I10", "Essential (primary) hypertension"),
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("J45.909", "Unspecified asthma, uncomplicated"),
    ("C50.911", "Malignant neoplasm of unspecified site of right female breast"),
    ("C92.00", "Acute myeloblastic leukemia, not having achieved remission"),
    ("C91.10", "Chronic lymphocytic leukemia of B-cell type not having achieved remission"),
)


@dataclass(frozen=True, slots=True)
class SynthCodes:
    """Codings by name, each one a row of the code list (system URI, code, display)."""

    systems: Mapping[str, str]
    diagnosis: Mapping[str, Coding]
    observation: Mapping[str, Coding]
    answer: Mapping[str, Coding]
    ecog_answer: Mapping[int, Coding]
    status: Mapping[str, Coding]
    clinical: Mapping[str, Coding]
    treatment: Mapping[str, Coding]
    gene: Mapping[str, Coding]
    variant_component: Mapping[str, Coding]


def _coding(systems: Mapping[str, str], row: Mapping[str, Any]) -> Coding:
    return {"system": systems[row["system"]], "code": str(row["code"]), "display": row["display"]}


def _first(systems: Mapping[str, str], rows: list[Mapping[str, Any]], code: str) -> Coding:
    for row in rows:
        if str(row["code"]) == code:
            return _coding(systems, row)
    raise KeyError(f"code {code} is not in fhir-codes.yaml")


@functools.lru_cache(maxsize=1)
def synth_codes() -> SynthCodes:
    """The codings used by :mod:`allnav.screening.synth`, read from the code list once."""
    data = yaml.safe_load(default_codes_path().read_text(encoding="utf-8"))
    systems: dict[str, str] = dict(data["systems"])
    dx = data["diagnoses"]["codes"]
    observations = {o["id"]: o for o in data["observations"]}
    treatments = {t["id"]: t for t in data["treatments"]}
    status_values = observations["disease-status"]["values"]
    return SynthCodes(
        systems=systems,
        diagnosis={
            "all": _first(systems, dx, "91857003"),
            "b-all": _first(systems, dx, "277571004"),
            "not-in-remission": _first(systems, dx, "C91.00"),
            "in-remission": _first(systems, dx, "C91.01"),
            "in-relapse": _first(systems, dx, "C91.02"),
            "ph-positive-b": _first(systems, dx, "9812/3"),
            "kmt2a-b": _first(systems, dx, "9813/3"),
            "t-all": _first(systems, dx, "9837/3"),
        },
        observation={
            name: _coding(systems, observations[oid]["codes"][0])
            for name, oid in (("anc", "anc"), ("hemoglobin", "hemoglobin"),
                              ("platelets", "platelets"), ("temperature", "temperature"),
                              ("ecog", "ecog"), ("disease-status", "disease-status"),
                              ("bcr-abl1", "bcr-abl1"), ("immunophenotype", "immunophenotype"),
                              ("variant", "genomic-variant"), ("marrow-blasts", "marrow-blasts"))
        } | {"bcr-abl1-ratio": _first(systems, observations["bcr-abl1"]["codes"], "46434-7")},
        answer={
            "positive": _first(systems, data["answers"]["positive"]["codes"], "LA9633-4"),
            "detected": _first(systems, data["answers"]["positive"]["codes"], "LA11882-0"),
            "not-detected": _first(systems, data["answers"]["negative"]["codes"], "LA11883-8"),
        },
        ecog_answer={int(v["value"]): _coding(systems, v)
                     for v in observations["ecog"]["values"] if int(v["value"]) <= 4},
        status={
            "full-remission": _first(systems, status_values, "550991000124107"),
            "partial-remission": _first(systems, status_values, "551001000124108"),
        },
        clinical={c["code"]: _coding(systems, c) for c in data["clinical_status"]},
        treatment={
            "cyclophosphamide": _first(systems, treatments["intensive-chemotherapy"]["codes"], "3002"),
            "idarubicin": _first(systems, treatments["intensive-chemotherapy"]["codes"], "5650"),
            "blinatumomab": _first(systems, treatments["blinatumomab"]["codes"], "1597258"),
            "inotuzumab": _first(systems, treatments["inotuzumab"]["codes"], "1942950"),
            "dasatinib": _first(systems, treatments["tki"]["codes"], "475342"),
            "imatinib": _first(systems, treatments["tki"]["codes"], "282388"),
            "ponatinib": _first(systems, treatments["ponatinib"]["codes"], "1364352"),
            "nelarabine": _first(systems, treatments["nelarabine"]["codes"], "616366"),
            "tecartus": _first(systems, treatments["car-t"]["codes"], "2387347"),
            "allo-hsct": _first(systems, treatments["allogeneic-transplant"]["codes"], "30243Y3"),
        },
        gene={g["display"]: _coding(systems, g) for g in data["genes"]},
        variant_component={
            "gene-studied": _coding(systems, data["variant_components"]["gene_studied"][0]),
            "protein-change": _coding(systems, data["variant_components"]["protein_change"][0]),
        },
    )

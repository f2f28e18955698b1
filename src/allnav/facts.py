"""Patient facts: the vocabulary the pathway reasons over (format v1).

Every fact is optional. ``None`` means *unknown*, and unknown is never treated as
negative: an option that depends on an unknown fact comes back "possible", with
the fact named as what is needed. A list fact that is present is complete
(``prior_treatments: []`` means "no treatment of those kinds"), while an absent
list is unknown.

:data:`FIELDS` is the single table that drives input parsing, the knowledge
validator (a criterion may only name a known fact and an allowed value) and the
field-by-field documentation in ``docs/facts.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

FieldKind = Literal["number", "integer", "boolean", "choice", "choice-list", "text-list", "date"]

FORMAT_VERSION = 1

#: Where an EHR supplies a fact: ``fhir-codes`` - a code in ``knowledge/fhir-codes.yaml``
#: names the fact (``fact:`` or ``sets:``); ``fhir-reader`` - the FHIR reader builds it from a
#: resource's structure (birthDate, medication records, immunophenotype or variant components)
#: with the code lists of that file. Anything else is marked :class:`NotFromEhr`.
EhrMapping = Literal["fhir-codes", "fhir-reader"]


@dataclass(frozen=True, slots=True)
class NotFromEhr:
    """An explicit mark that no EHR record supplies this fact, and why (for the reviewer)."""

    reason: str


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What one fact means, which values it takes, and the plausible range of a number.

    ``unknown_values`` are answers the user may give that carry no information
    for the pathway (``goals: unsure``): they are kept for display but the
    criteria treat them as unknown.
    """

    name: str
    kind: FieldKind
    description: str
    question: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    unknown_values: tuple[str, ...] = ()
    example: object = None
    #: The short clinician label (CDS cards, the clinician trace).
    label: str = ""
    #: For a two-valued choice a patient answers yes or no: the values "yes" and "no" mean
    #: (``("rearranged", "not-rearranged")``); the web form reads and writes through it.
    yes_no: tuple[str, str] | None = None
    #: Whether patients answer it on the web form (a test checks the form asks every such fact).
    patient_asks: bool = True
    #: How the EHR supplies it; ``None`` only while undecided (a test forbids it for
    #: any fact the pathway uses).
    ehr: EhrMapping | NotFromEhr | None = None


_TREATMENTS = (
    "intensive-chemotherapy",
    "blinatumomab",
    "inotuzumab-ozogamicin",
    "car-t-cell-therapy",
    "allogeneic-stem-cell-transplant",
    "tki",
    "ponatinib",
    "nelarabine",
    "cns-directed-therapy",
    "revumenib",
)

# The reasons shared by many facts, so each entry stays on a line or two.
_NOT_MAPPED = NotFromEhr("no reliable FHIR code mapped yet; asked or entered")
_TOLD = NotFromEhr("a symptom now, told by the patient")

_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("age_years", "number", "Age in years.", "How old is the patient?",
              minimum=0, maximum=120, unit="years", example=34,
              label="age", ehr="fhir-reader"),
    FieldSpec("sex", "choice", "Sex, as trial eligibility records it (used by the trial finder).",
              "What is the patient's sex?", choices=("female", "male"), example="female",
              label="sex", ehr=NotFromEhr("Patient.gender is not read yet; trial sex is asked")),
    FieldSpec("lineage", "choice", "Lineage of the leukemia: B-cell (B-ALL) or T-cell (T-ALL).",
              "Is it B-cell or T-cell ALL?", choices=("B", "T"), example="B",
              label="lineage", ehr="fhir-codes"),
    FieldSpec("ph_status", "choice",
              "Philadelphia chromosome / BCR::ABL1 fusion in the leukemia cells.",
              "Is the leukemia Philadelphia-chromosome (BCR::ABL1) positive?",
              choices=("positive", "negative"), example="negative",
              label="Ph status", ehr="fhir-codes"),
    FieldSpec("abl1_mutations", "text-list",
              "ABL1 kinase-domain mutations found (e.g. T315I). An empty list means tested "
              "and none found; absent means not tested or not known.",
              "Which ABL1 kinase-domain mutations were found?", example=["T315I"],
              label="ABL1 mutations", ehr="fhir-reader"),
    FieldSpec("cd19", "choice", "CD19 on the leukemic blasts (flow cytometry).",
              "Do the leukemia cells carry CD19?", choices=("positive", "negative"),
              example="positive",
              yes_no=("positive", "negative"), label="CD19", ehr="fhir-reader"),
    FieldSpec("cd22", "choice", "CD22 on the leukemic blasts (flow cytometry).",
              "Do the leukemia cells carry CD22?", choices=("positive", "negative"),
              example="positive",
              yes_no=("positive", "negative"), label="CD22", ehr="fhir-reader"),
    FieldSpec("kmt2a", "choice", "KMT2A (MLL) gene rearrangement in the leukemia cells.",
              "Is there a KMT2A (MLL) rearrangement?", choices=("rearranged", "not-rearranged"),
              example="not-rearranged",
              yes_no=("rearranged", "not-rearranged"), label="KMT2A", ehr="fhir-codes"),
    FieldSpec("disease_status", "choice",
              "Where the disease stands now: primary-refractory (never reached remission), "
              "relapsed (active relapse) or remission.",
              "Did the leukemia come back, or did it never go away?",
              choices=("primary-refractory", "relapsed", "remission"), example="relapsed",
              label="disease status", ehr="fhir-codes"),
    FieldSpec("mrd", "choice",
              "Measurable residual disease in the latest remission marrow (flow or PCR).",
              "Is measurable residual disease (MRD) present?",
              choices=("positive", "negative"), example="negative",
              yes_no=("positive", "negative"), label="MRD", ehr=_NOT_MAPPED),
    FieldSpec("relapse_count", "integer", "Number of relapses so far (0 if never relapsed).",
              "How many times has the leukemia come back?", minimum=0, maximum=20, example=1,
              label="relapse count", ehr=_NOT_MAPPED),
    FieldSpec("relapse_sites", "choice-list", "Where the latest relapse was found.",
              "Where did the leukemia come back?",
              choices=("bone-marrow", "blood", "cns", "testis", "other-extramedullary"),
              example=["bone-marrow"],
              label="relapse sites", ehr=_NOT_MAPPED),
    FieldSpec("first_remission_months", "number", "Length of the first complete remission.",
              "How long did the first remission last?", minimum=0, maximum=600,
              unit="months", example=14,
              label="first remission", ehr=_NOT_MAPPED),
    FieldSpec("response_to_latest_treatment", "choice",
              "Response to the most recent treatment for the current relapse or refractory "
              "disease (salvage).",
              "How did the leukemia respond to the latest treatment?",
              choices=("complete-remission", "partial-remission", "no-response"),
              example="partial-remission",
              label="response to latest treatment", ehr="fhir-codes"),
    FieldSpec("prior_treatments", "choice-list",
              "Treatments already given. When present the list is taken as complete.",
              "Which treatments has the patient had?", choices=_TREATMENTS,
              example=["intensive-chemotherapy"],
              label="prior treatments", ehr="fhir-reader"),
    FieldSpec("ecog", "integer",
              "ECOG performance status: 0 fully active ... 4 completely disabled.",
              "How active is the patient day to day (ECOG 0-4)?", minimum=0, maximum=4,
              example=1,
              label="ECOG", ehr="fhir-codes"),
    FieldSpec("transplant_candidate", "boolean",
              "Judged fit for an allogeneic stem cell transplant by the transplant team.",
              "Has the transplant team said a stem cell transplant is possible?", example=True,
              label="transplant candidate", ehr=NotFromEhr("a transplant team judgement, not a coded result")),
    FieldSpec("donor_available", "boolean", "A suitable stem cell donor has been identified.",
              "Has a stem cell donor been found?", example=True,
              label="donor available", ehr=NotFromEhr("donor search lives outside the EHR")),
    FieldSpec("goals", "choice", "What the patient wants most from care now.",
              "What matters most right now?",
              choices=("cure", "longer-life", "comfort", "unsure"), unknown_values=("unsure",),
              example="cure",
              label="goals", ehr=NotFromEhr("the patient's own wish, asked in person")),
    FieldSpec("as_of", "date", "Date the assessment is for (default: today).",
              "Date of the assessment", example="2026-11-29",
              label="as of", patient_asks=False, ehr=NotFromEhr("the date of the assessment, not a record")),
    # Dates that matter for emergencies: counts fall 7-14 days after chemotherapy (the nadir),
    # and CAR-T cells or blinatumomab can cause CRS and neurotoxicity (ICANS).
    FieldSpec("days_since_chemotherapy", "number",
              "Days since the last dose of cytotoxic chemotherapy (0 = today).",
              "How many days ago was the last chemotherapy?", minimum=0, maximum=365,
              unit="days", example=8,
              label="days since chemotherapy", ehr=_NOT_MAPPED),
    FieldSpec("days_since_car_t_infusion", "number",
              "Days since the CAR-T cell infusion (0 = the day of infusion).",
              "How many days ago were the CAR-T cells given?", minimum=0, maximum=3650,
              unit="days", example=5,
              label="days since car t infusion", ehr=_NOT_MAPPED),
    FieldSpec("on_blinatumomab", "boolean",
              "Receiving blinatumomab now, or within the last 7 days.",
              "Is the patient getting blinatumomab now (or in the last 7 days)?", example=False,
              label="on blinatumomab", ehr=_NOT_MAPPED),
    FieldSpec("in_hospice", "boolean",
              "Enrolled in hospice care: the hospice team is the first call for every problem.",
              "Is the patient in hospice care?", example=False,
              label="in hospice", ehr=NotFromEhr("not coded reliably in records; asked")),
    # Symptoms and counts: flat v1 values in the units named here.
    FieldSpec("symptoms.temperature_c", "number", "Highest oral temperature.",
              "What is the temperature now?", minimum=30, maximum=44, unit="°C",
              example=37.2,
              label="temperature", ehr="fhir-codes"),
    FieldSpec("symptoms.temperature_sustained_1h", "boolean",
              "The temperature has stayed at or above 38.0 °C for at least one hour.",
              "Has the temperature stayed at 38.0 °C or more for an hour?", example=False,
              label="temperature sustained 1h", ehr=_TOLD),
    FieldSpec("symptoms.anc_per_ul", "number", "Absolute neutrophil count.",
              "What is the neutrophil count (ANC)?", minimum=0, maximum=100_000, unit="/µL",
              example=1500,
              label="ANC", ehr="fhir-codes"),
    FieldSpec("symptoms.anc_expected_to_fall", "boolean",
              "The ANC is expected to fall below 500/µL within 48 hours (e.g. after chemotherapy).",
              "Is the neutrophil count expected to fall?", example=False,
              label="anc expected to fall", ehr=_TOLD),
    FieldSpec("symptoms.counts_date", "date",
              "Date the blood counts given here were taken (ANC, hemoglobin, platelets). A "
              "count from before today cannot rule out neutropenia now.",
              "When were these blood counts taken?", example="2026-11-29",
              label="counts date", ehr=_TOLD),
    FieldSpec("symptoms.hemoglobin_g_dl", "number", "Hemoglobin.", "What is the hemoglobin?",
              minimum=1, maximum=25, unit="g/dL", example=9.5,
              label="hemoglobin", ehr="fhir-codes"),
    FieldSpec("symptoms.platelets_per_ul", "number", "Platelet count.",
              "What is the platelet count?", minimum=0, maximum=2_000_000, unit="/µL",
              example=45_000,
              label="platelets", ehr="fhir-codes"),
    FieldSpec("symptoms.pain_score", "integer", "Pain right now, 0 (none) to 10 (worst).",
              "How bad is the pain (0-10)?", minimum=0, maximum=10, example=0,
              label="pain score", ehr=_TOLD),
    FieldSpec("symptoms.localized_bone_pain", "boolean", "Pain in one bone or one place.",
              "Is the pain in one bone or one spot?", example=False,
              label="localized bone pain", ehr=_TOLD),
    FieldSpec("symptoms.nausea", "boolean", "Nausea or vomiting.", "Is there nausea?",
              example=False,
              label="nausea", ehr=_TOLD),
    FieldSpec("symptoms.appetite_loss", "boolean", "Loss of appetite or weight.",
              "Is appetite poor?", example=False,
              label="appetite loss", ehr=_TOLD),
    FieldSpec("symptoms.fatigue", "boolean", "Tiredness that limits daily life.",
              "Is tiredness limiting daily life?", example=False,
              label="fatigue", ehr=_TOLD),
    FieldSpec("symptoms.infection_signs", "boolean",
              "Signs of infection: chills, cough, burning urine, red or painful skin or line site.",
              "Are there signs of infection?", example=False,
              label="infection signs", ehr=_TOLD),
    FieldSpec("symptoms.bleeding", "boolean", "Bleeding: nosebleeds, gums, blood in urine or stool, "
              "many new bruises.", "Is there any bleeding?", example=False,
              label="bleeding", ehr=_TOLD),
    FieldSpec("symptoms.breathlessness", "boolean",
              "Short of breath at rest or with light activity.",
              "Is there shortness of breath?", example=False,
              label="breathlessness", ehr=_TOLD),
    FieldSpec("symptoms.neurologic_changes", "boolean",
              "New confusion, trouble speaking, writing or staying awake, a seizure, or new "
              "weakness.",
              "Is there new confusion, trouble speaking or writing, sleepiness, a seizure or "
              "weakness?", example=False,
              label="neurologic changes", ehr=_TOLD),
    # MASCC risk index inputs (Klastersky 2000), asked at the onset of febrile neutropenia.
    FieldSpec("symptoms.burden_of_illness", "choice",
              "How unwell the person is with the febrile illness (MASCC 'burden of illness'): "
              "no or mild symptoms, moderate, or severe.",
              "How unwell is the patient with this fever: none or mild, moderate, or severe?",
              choices=("none-or-mild", "moderate", "severe"), example="none-or-mild",
              label="burden of illness", ehr=_TOLD),
    FieldSpec("symptoms.systolic_bp_mmhg", "number",
              "Systolic blood pressure at the onset of fever (MASCC: hypotension is below 90 mmHg).",
              "What is the systolic blood pressure?", minimum=30, maximum=300, unit="mmHg",
              example=118,
              label="systolic bp mmhg", ehr=_TOLD),
    FieldSpec("symptoms.copd", "boolean", "Chronic obstructive pulmonary disease (COPD).",
              "Does the patient have COPD?", example=False,
              label="copd", ehr=_TOLD),
    FieldSpec("symptoms.prior_fungal_infection", "boolean",
              "A previous fungal infection, proven or treated empirically as suspected (MASCC).",
              "Has the patient had a fungal infection before?", example=False,
              label="prior fungal infection", ehr=_TOLD),
    FieldSpec("symptoms.dehydration_needing_iv", "boolean",
              "Dehydration that needs fluids through a vein (MASCC).",
              "Does the patient need IV fluids for dehydration?", example=False,
              label="dehydration needing iv", ehr=_TOLD),
    FieldSpec("symptoms.outpatient_at_fever_onset", "boolean",
              "At home (an outpatient), not in hospital, when the fever began (MASCC).",
              "Was the patient at home when the fever began?", example=True,
              label="outpatient at fever onset", ehr=_TOLD),
    # Facts the labels and guidelines need to decide an option (issue 12).
    FieldSpec("prior_regimen_count", "integer",
              "Chemotherapy regimens given so far for this leukemia: the first induction counts "
              "as one and each salvage as another (the nelarabine label needs at least two).",
              "How many treatment regimens has the patient had so far?", minimum=0, maximum=20,
              example=2,
              label="prior regimen count", ehr=_NOT_MAPPED),
    FieldSpec("prior_tkis", "choice-list",
              "Tyrosine kinase inhibitors already given for Ph-positive ALL. When present the "
              "list is taken as complete.",
              "Which TKIs has the patient taken?",
              choices=("imatinib", "dasatinib", "nilotinib", "bosutinib", "ponatinib",
                       "asciminib", "olverembatinib"), example=["dasatinib"],
              label="prior tkis", ehr=_NOT_MAPPED),
    FieldSpec("months_from_transplant_to_relapse", "number",
              "Time from the allogeneic transplant to the relapse after it.",
              "How many months after the transplant did the leukemia come back?", minimum=0,
              maximum=600, unit="months", example=14,
              label="months from transplant to relapse", ehr=_NOT_MAPPED),
    FieldSpec("active_gvhd", "boolean",
              "Graft-versus-host disease active now (or still being treated).",
              "Is there active graft-versus-host disease (GVHD) now?", example=False,
              label="active gvhd",
              # SNOMED 234646005 (cibmtr-ig) names GVHD, but "active now" needs the Condition's
              # clinicalStatus read on its own, which the diagnosis reader does not do yet.
              ehr=NotFromEhr("GVHD Conditions are not read yet (clinicalStatus rules needed)")),
    FieldSpec("prior_vod", "boolean",
              "Hepatic veno-occlusive disease / sinusoidal obstruction syndrome (VOD/SOS) before.",
              "Has the patient had liver veno-occlusive disease (VOD/SOS)?", example=False,
              label="prior vod",
              ehr=NotFromEhr("no SNOMED code for VOD/SOS could be checked in a public source")),
    FieldSpec("igg_mg_dl", "number", "Serum immunoglobulin G (IgG), the main antibody level.",
              "What is the IgG (antibody) level?", minimum=0, maximum=10_000, unit="mg/dL",
              example=550,
              label="igg mg dl", ehr="fhir-codes"),
    FieldSpec("serious_or_recurrent_infections", "boolean",
              "Serious or repeated bacterial infections in recent months.",
              "Has the patient had serious or repeated infections lately?", example=False,
              label="serious or recurrent infections", ehr=_NOT_MAPPED),
)

#: Every fact by dotted name, in documentation order.
FIELDS: Mapping[str, FieldSpec] = MappingProxyType({s.name: s for s in _SPECS})

#: The top-level keys of format v1 (``symptoms`` is an object of ``symptoms.*`` facts).
TOP_LEVEL_KEYS: tuple[str, ...] = tuple(
    dict.fromkeys(s.name.split(".")[0] for s in _SPECS)
)
SYMPTOM_KEYS: tuple[str, ...] = tuple(
    s.name.split(".", 1)[1] for s in _SPECS if s.name.startswith("symptoms.")
)

Lineage = Literal["B", "T"]
PosNeg = Literal["positive", "negative"]


@dataclass(frozen=True, slots=True)
class FactSource:
    """Where a fact came from, for the clinician to check it (e.g. a FHIR resource)."""

    system: str
    reference: str
    element: str | None = None
    recorded: dt.date | None = None
    stale: bool = False
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"system": self.system, "reference": self.reference}
        if self.element:
            out["element"] = self.element
        if self.recorded:
            out["recorded"] = self.recorded.isoformat()
        if self.stale:
            out["stale"] = True
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Symptoms:
    """Current symptoms and blood counts. Every value may be unknown (``None``)."""

    temperature_c: float | None = None
    temperature_sustained_1h: bool | None = None
    anc_per_ul: float | None = None
    anc_expected_to_fall: bool | None = None
    counts_date: dt.date | None = None
    hemoglobin_g_dl: float | None = None
    platelets_per_ul: float | None = None
    pain_score: int | None = None
    localized_bone_pain: bool | None = None
    nausea: bool | None = None
    appetite_loss: bool | None = None
    fatigue: bool | None = None
    infection_signs: bool | None = None
    bleeding: bool | None = None
    breathlessness: bool | None = None
    neurologic_changes: bool | None = None
    burden_of_illness: str | None = None
    systolic_bp_mmhg: float | None = None
    copd: bool | None = None
    prior_fungal_infection: bool | None = None
    dehydration_needing_iv: bool | None = None
    outpatient_at_fever_onset: bool | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """One patient's facts. Build with :func:`allnav.facts_reader.read_facts`, not by hand,
    so that values are validated; tests may construct it directly."""

    age_years: float | None = None
    sex: str | None = None
    lineage: str | None = None
    ph_status: str | None = None
    abl1_mutations: tuple[str, ...] | None = None
    cd19: str | None = None
    cd22: str | None = None
    kmt2a: str | None = None
    disease_status: str | None = None
    mrd: str | None = None
    relapse_count: int | None = None
    relapse_sites: tuple[str, ...] | None = None
    first_remission_months: float | None = None
    response_to_latest_treatment: str | None = None
    prior_treatments: tuple[str, ...] | None = None
    ecog: int | None = None
    transplant_candidate: bool | None = None
    donor_available: bool | None = None
    goals: str | None = None
    as_of: dt.date | None = None
    days_since_chemotherapy: float | None = None
    days_since_car_t_infusion: float | None = None
    on_blinatumomab: bool | None = None
    in_hospice: bool | None = None
    prior_regimen_count: int | None = None
    prior_tkis: tuple[str, ...] | None = None
    months_from_transplant_to_relapse: float | None = None
    active_gvhd: bool | None = None
    prior_vod: bool | None = None
    igg_mg_dl: float | None = None
    serious_or_recurrent_infections: bool | None = None
    symptoms: Symptoms = field(default_factory=Symptoms)
    #: Provenance by dotted fact name; empty for facts typed in by hand.
    sources: Mapping[str, FactSource] = field(default_factory=dict)

    def value(self, name: str) -> object:
        """The value of a fact by dotted name (``symptoms.anc_per_ul``); ``None`` if unknown."""
        if name.startswith("symptoms."):
            return getattr(self.symptoms, name[9:])
        return getattr(self, name)

    def known(self) -> dict[str, object]:
        """The known facts by dotted name, in vocabulary order (for display and JSON)."""
        out: dict[str, object] = {}
        for name in FIELDS:
            v = self.value(name)
            if v is not None:
                out[name] = v
        return out

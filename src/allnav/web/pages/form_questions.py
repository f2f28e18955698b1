"""The questions of the patient form, in everyday words, section by section.

Each question is named after the fact it fills (:data:`allnav.facts.FIELDS`); the words are
written for patients (grade 6-8), while the table's ``question`` is the clinician's wording.
:mod:`allnav.web.pages.forms` reads and writes the answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Widget = Literal["radio", "number", "checkboxes", "text", "date"]
UNKNOWN = "unknown"
#: The "None of these" box of a checkbox list (only where "none" is a real answer).
NONE = "none"
Pairs = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FormField:
    """One question: the fact it fills, the words, and how it is asked."""

    name: str
    label: str
    widget: Widget
    hint: str = ""
    choices: tuple[Choice, ...] = ()
    #: Unit choices for a number; the first is the fact's own (v1) unit.
    units: tuple[Choice, ...] = ()
    #: A checkbox list whose "None of these" box means the empty list.
    none_label: str = ""
    #: A short name for the unit choice's legend ("Unit for the temperature").
    short: str = ""

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")

    @property
    def unit_name(self) -> str:
        return f"{self.name}.unit"


@dataclass(frozen=True, slots=True)
class FormSection:
    id: str
    title: str
    intro: str
    fields: tuple[FormField, ...]
    #: Folded away under "more detail" (the medical detail is optional).
    detail: bool = False


def _yes_no(yes: str = "Yes", no: str = "No") -> tuple[Choice, ...]:
    return (Choice("yes", yes), Choice("no", no))


EMPTY_HINT = "Leave it empty if you don't know."
_C, _F = Choice("Cel", "°C"), Choice("[degF]", "°F")
_PER_UL, _PER_L = Choice("/uL", "per µL (like 1500)"), Choice("10*9/L", "×10⁹/L (like 1.5)")


def _bool(name: str, label: str, hint: str = "") -> FormField:
    return FormField(name, label, "radio", hint, _yes_no())


SECTIONS: tuple[FormSection, ...] = (
    # The emergency questions come first: a fever, CRS/ICANS after CAR-T or blinatumomab,
    # bleeding and new neurological signs must be seen whatever else is answered.
    FormSection("today", "How you feel today", "These answers help us tell you when to call your care team.", (
        FormField("symptoms.temperature_c", "What is your temperature now?", "number",
                  "Leave it empty if you have not taken it.", units=(_C, _F),
                  short="temperature"),
        _bool("symptoms.infection_signs", "Do you have chills or shaking, a new cough, burning when you pee, "
              "or red, sore skin or a sore line site?"),
        _bool("symptoms.bleeding", "Are you bleeding, or do you have a lot of new bruises?"),
        _bool("symptoms.neurologic_changes", "Are you newly confused, or having trouble speaking, writing "
              "or staying awake, a seizure, or new weakness?"),
        _bool("symptoms.breathlessness", "Are you short of breath?"),
        FormField("symptoms.systolic_bp_mmhg", "If you measured it: the top number of your blood pressure",
                  "number", "In mmHg, like 120. " + EMPTY_HINT),
        FormField("symptoms.pain_score", "How bad is your pain, from 0 (none) to 10 (worst)?", "number",
                  EMPTY_HINT),
        _bool("symptoms.localized_bone_pain", "Is the pain in one bone or one spot?"),
        _bool("symptoms.nausea", "Do you feel sick to your stomach, or are you throwing up?"),
        _bool("symptoms.appetite_loss", "Have you lost your appetite or lost weight?"),
        _bool("symptoms.fatigue", "Does tiredness stop you from doing daily things?"),
    )),
    FormSection("recent", "Recent treatment", "Some treatments change what a fever or other symptom means.", (
        FormField("days_since_chemotherapy", "How many days ago was your last chemotherapy?", "number",
                  "Write 0 if it was today. " + EMPTY_HINT),
        FormField("days_since_car_t_infusion", "If you had CAR-T cells: how many days ago?", "number",
                  "Write 0 if it was today. " + EMPTY_HINT),
        _bool("on_blinatumomab", "Are you getting blinatumomab (Blincyto) now, or did you in the last 7 days?"),
        _bool("in_hospice", "Are you in hospice care?"),
    )),
    FormSection("where", "Where things stand", "", (
        FormField("disease_status", "Did the leukemia come back, or did it never go away?", "radio",
                  choices=(Choice("relapsed", "It went away, then came back"),
                           Choice("primary-refractory", "It never went away with the first treatment"),
                           Choice("remission", "It is gone for now (in remission)"))),
        FormField("relapse_count", "How many times has the leukemia come back?", "number",
                  "Write 0 if it never went away. " + EMPTY_HINT),
        FormField("lineage", "Is it B-cell ALL or T-cell ALL?", "radio",
                  "Your care team may have said B-ALL or T-ALL.",
                  (Choice("B", "B-cell (B-ALL)"), Choice("T", "T-cell (T-ALL)"))),
        FormField("ph_status", "Is it Philadelphia chromosome positive (Ph+)?", "radio",
                  "A test of the leukemia cells shows this. It is also called BCR-ABL1.",
                  (Choice("positive", "Yes, Ph+"), Choice("negative", "No, Ph-"))),
        FormField("age_years", "How old are you?", "number", EMPTY_HINT),
    )),
    FormSection("treatments", "Treatment so far", "", (
        FormField("prior_treatments", "Which of these treatments have you had?", "checkboxes",
                  "Tick all that you have had. If you are not sure, tick nothing.",
                  (Choice("intensive-chemotherapy", "Chemotherapy"),
                   Choice("blinatumomab", "Blinatumomab (Blincyto)"),
                   Choice("inotuzumab-ozogamicin", "Inotuzumab (Besponsa)"),
                   Choice("car-t-cell-therapy", "CAR-T cell therapy"),
                   Choice("allogeneic-stem-cell-transplant", "A stem cell transplant from a donor"),
                   Choice("tki", "A pill for Ph+ ALL, such as imatinib or dasatinib"),
                   Choice("ponatinib", "Ponatinib (Iclusig)"),
                   Choice("nelarabine", "Nelarabine"),
                   Choice("cns-directed-therapy", "Treatment into the spinal fluid, or radiation to the head"),
                   Choice("revumenib", "Revumenib")),
                  none_label="None of these"),
        FormField("transplant_candidate", "Has your care team said a stem cell transplant could be done?",
                  "radio", choices=_yes_no("Yes, it could be done", "No, it could not be done")),
        FormField("donor_available", "Has a stem cell donor been found?", "radio", choices=_yes_no()),
        FormField("ecog", "How active are you on most days?", "radio", choices=(
            Choice("0", "As active as before I was sick"),
            Choice("1", "I can't do hard work, but I can do light work"),
            Choice("2", "I can take care of myself, but I can't work; I am up more than half the day"),
            Choice("3", "I can do only a little self-care; I am in bed or a chair more than half the day"),
            Choice("4", "I need help with all self-care; I am in bed or a chair all day"))),
        FormField("goals", "What matters most to you right now?", "radio",
                  "You can change your mind at any time.",
                  (Choice("cure", "Getting rid of the leukemia, if I can"),
                   Choice("longer-life", "Living longer"),
                   Choice("comfort", "Being comfortable and feeling as well as I can"),
                   Choice("unsure", "I'm not sure yet"))),
    )),
    FormSection("tests", "More detail: test results", "From your care team or your test reports. "
                "Skip any you don't know.", (
        FormField("cd19", "Do the leukemia cells carry CD19?", "radio", choices=_yes_no()),
        FormField("cd22", "Do the leukemia cells carry CD22?", "radio", choices=_yes_no()),
        FormField("kmt2a", "Is there a KMT2A (MLL) gene change?", "radio",
                  choices=_yes_no("Yes, KMT2A is rearranged", "No")),
        FormField("abl1_mutations", "Which ABL1 changes were found (for Ph+ ALL)?", "text",
                  "Write each one like T315I, with commas between them. Write none if the test found "
                  "none. " + EMPTY_HINT),
        FormField("mrd", "If you are in remission: is there measurable residual disease (MRD)?", "radio",
                  choices=_yes_no("Yes, MRD positive", "No, MRD negative")),
        FormField("response_to_latest_treatment", "How did the leukemia respond to the latest treatment?",
                  "radio", choices=(Choice("complete-remission", "It went away (complete remission)"),
                                    Choice("partial-remission", "It went down, but not all the way"),
                                    Choice("no-response", "It did not go down"))),
        FormField("first_remission_months", "How many months did the first remission last?", "number",
                  EMPTY_HINT),
        FormField("relapse_sites", "Where did the leukemia come back?", "checkboxes",
                  "Tick all that apply. If you are not sure, tick nothing.",
                  (Choice("bone-marrow", "Bone marrow"), Choice("blood", "Blood"),
                   Choice("cns", "Brain or spinal fluid"), Choice("testis", "Testicles"),
                   Choice("other-extramedullary", "Somewhere else in the body"))),
        FormField("sex", "What is your sex?", "radio", "Some clinical trials ask this.",
                  (Choice("female", "Female"), Choice("male", "Male"))),
    ), detail=True),
    # What the drug labels and guidelines need to decide an option (issue 12).
    FormSection("history", "More detail: past treatment and health", "Your care team can tell you "
                "these. Skip any you don't know.", (
        FormField("prior_regimen_count", "How many treatment plans have you had for this leukemia?",
                  "number", "Count the first treatment as 1, and 1 more for each new plan. "
                  + EMPTY_HINT),
        FormField("prior_tkis", "Which of these pills for Ph+ ALL have you taken?", "checkboxes",
                  "Tick all that you have taken. If you are not sure, tick nothing.",
                  (Choice("imatinib", "Imatinib (Gleevec)"), Choice("dasatinib", "Dasatinib (Sprycel)"),
                   Choice("nilotinib", "Nilotinib (Tasigna)"), Choice("bosutinib", "Bosutinib (Bosulif)"),
                   Choice("ponatinib", "Ponatinib (Iclusig)"), Choice("asciminib", "Asciminib (Scemblix)"),
                   Choice("olverembatinib", "Olverembatinib")),
                  none_label="None of these"),
        FormField("months_from_transplant_to_relapse", "If it came back after a transplant: how many "
                  "months after?", "number", EMPTY_HINT),
        _bool("active_gvhd", "Do you have graft-versus-host disease (GVHD) now?"),
        _bool("prior_vod", "Have you had a liver problem called VOD (or SOS)?"),
        FormField("igg_mg_dl", "What was your last IgG (antibody) level?", "number",
                  "In mg/dL, like 600. " + EMPTY_HINT),
        _bool("serious_or_recurrent_infections", "Have you had bad infections, or many infections, "
              "in the last few months?"),
    ), detail=True),
    FormSection("counts", "More detail: blood counts", "From your latest blood test. "
                "Skip any you don't know.", (
        FormField("symptoms.anc_per_ul", "Neutrophil count (ANC)", "number", EMPTY_HINT,
                  units=(_PER_UL, _PER_L), short="neutrophil count"),
        _bool("symptoms.anc_expected_to_fall", "Has your care team said your neutrophils will drop "
              "in the next 2 days?"),
        FormField("symptoms.counts_date", "When was this blood test taken?", "date",
                  "A count from before today cannot show your neutrophils now."),
        FormField("symptoms.hemoglobin_g_dl", "Hemoglobin", "number", EMPTY_HINT,
                  units=(Choice("g/dL", "g/dL (like 9.5)"), Choice("g/L", "g/L (like 95)")),
                  short="hemoglobin"),
        FormField("symptoms.platelets_per_ul", "Platelet count", "number", EMPTY_HINT,
                  units=(Choice("/uL", "per µL (like 45000)"), Choice("10*9/L", "×10⁹/L (like 45)")),
                  short="platelet count"),
    ), detail=True),
    FormSection("fever", "More detail: if you have a fever", "Your care team may ask these.", (
        _bool("symptoms.temperature_sustained_1h", "Has your temperature stayed at 38.0 °C (100.4 °F) "
              "or more for an hour?"),
        FormField("symptoms.burden_of_illness", "How sick do you feel with this fever?", "radio",
                  choices=(Choice("none-or-mild", "Not sick, or a little sick"),
                           Choice("moderate", "Quite sick"), Choice("severe", "Very sick"))),
        _bool("symptoms.copd", "Do you have COPD (a long-term lung disease)?"),
        _bool("symptoms.prior_fungal_infection", "Have you had a fungal infection before?"),
        _bool("symptoms.dehydration_needing_iv", "Do you need fluids through a vein because you are "
              "dried out?"),
        _bool("symptoms.outpatient_at_fever_onset", "Were you at home, not in the hospital, when the "
              "fever started?"),
    ), detail=True),
)

FORM_FIELDS: Mapping[str, FormField] = {f.name: f for s in SECTIONS for f in s.fields}

"""The patient form: questions in everyday words, mapped to facts (format v1) and back.

Every input is named after the fact it fills (``disease_status``,
``symptoms.temperature_c``), so a :class:`~allnav.problems.Problem` from the facts
reader points at its field through its ``loc``. Every question can be answered "I
don't know": radio groups have that answer (checked by default), and a number left
empty is unknown. Numbers that have units get a unit choice beside them; a value in
the field's own unit is sent as a plain number, so the reader's checks for ambiguous
plain numbers still apply.

Nothing here logs or stores anything: the answers travel in the POST body only.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from allnav.facts import FIELDS, Facts
from allnav.facts_reader import read_facts
from allnav.problems import InputError, Problem

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


_EMPTY_HINT = "Leave it empty if you don't know."
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
                  "number", "In mmHg, like 120. " + _EMPTY_HINT),
        FormField("symptoms.pain_score", "How bad is your pain, from 0 (none) to 10 (worst)?", "number",
                  _EMPTY_HINT),
        _bool("symptoms.localized_bone_pain", "Is the pain in one bone or one spot?"),
        _bool("symptoms.nausea", "Do you feel sick to your stomach, or are you throwing up?"),
        _bool("symptoms.appetite_loss", "Have you lost your appetite or lost weight?"),
        _bool("symptoms.fatigue", "Does tiredness stop you from doing daily things?"),
    )),
    FormSection("recent", "Recent treatment", "Some treatments change what a fever or other symptom means.", (
        FormField("days_since_chemotherapy", "How many days ago was your last chemotherapy?", "number",
                  "Write 0 if it was today. " + _EMPTY_HINT),
        FormField("days_since_car_t_infusion", "If you had CAR-T cells: how many days ago?", "number",
                  "Write 0 if it was today. " + _EMPTY_HINT),
        _bool("on_blinatumomab", "Are you getting blinatumomab (Blincyto) now, or did you in the last 7 days?"),
        _bool("in_hospice", "Are you in hospice care?"),
    )),
    FormSection("where", "Where things stand", "", (
        FormField("disease_status", "Did the leukemia come back, or did it never go away?", "radio",
                  choices=(Choice("relapsed", "It went away, then came back"),
                           Choice("primary-refractory", "It never went away with the first treatment"),
                           Choice("remission", "It is gone for now (in remission)"))),
        FormField("relapse_count", "How many times has the leukemia come back?", "number",
                  "Write 0 if it never went away. " + _EMPTY_HINT),
        FormField("lineage", "Is it B-cell ALL or T-cell ALL?", "radio",
                  "Your care team may have said B-ALL or T-ALL.",
                  (Choice("B", "B-cell (B-ALL)"), Choice("T", "T-cell (T-ALL)"))),
        FormField("ph_status", "Is it Philadelphia chromosome positive (Ph+)?", "radio",
                  "A test of the leukemia cells shows this. It is also called BCR-ABL1.",
                  (Choice("positive", "Yes, Ph+"), Choice("negative", "No, Ph-"))),
        FormField("age_years", "How old are you?", "number", _EMPTY_HINT),
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
                  "none. " + _EMPTY_HINT),
        FormField("mrd", "If you are in remission: is there measurable residual disease (MRD)?", "radio",
                  choices=_yes_no("Yes, MRD positive", "No, MRD negative")),
        FormField("response_to_latest_treatment", "How did the leukemia respond to the latest treatment?",
                  "radio", choices=(Choice("complete-remission", "It went away (complete remission)"),
                                    Choice("partial-remission", "It went down, but not all the way"),
                                    Choice("no-response", "It did not go down"))),
        FormField("first_remission_months", "How many months did the first remission last?", "number",
                  _EMPTY_HINT),
        FormField("relapse_sites", "Where did the leukemia come back?", "checkboxes",
                  "Tick all that apply. If you are not sure, tick nothing.",
                  (Choice("bone-marrow", "Bone marrow"), Choice("blood", "Blood"),
                   Choice("cns", "Brain or spinal fluid"), Choice("testis", "Testicles"),
                   Choice("other-extramedullary", "Somewhere else in the body"))),
        FormField("sex", "What is your sex?", "radio", "Some clinical trials ask this.",
                  (Choice("female", "Female"), Choice("male", "Male"))),
    ), detail=True),
    FormSection("counts", "More detail: blood counts", "From your latest blood test. "
                "Skip any you don't know.", (
        FormField("symptoms.anc_per_ul", "Neutrophil count (ANC)", "number", _EMPTY_HINT,
                  units=(_PER_UL, _PER_L), short="neutrophil count"),
        _bool("symptoms.anc_expected_to_fall", "Has your care team said your neutrophils will drop "
              "in the next 2 days?"),
        FormField("symptoms.counts_date", "When was this blood test taken?", "date",
                  "A count from before today cannot show your neutrophils now."),
        FormField("symptoms.hemoglobin_g_dl", "Hemoglobin", "number", _EMPTY_HINT,
                  units=(Choice("g/dL", "g/dL (like 9.5)"), Choice("g/L", "g/L (like 95)")),
                  short="hemoglobin"),
        FormField("symptoms.platelets_per_ul", "Platelet count", "number", _EMPTY_HINT,
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
#: Facts the form does not ask but carries when it is given them (an example's date).
_CARRIED = ("as_of",)


def _number_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


def _parse_number(text: str) -> float | None:
    t = text.strip().replace(" ", "")
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class FormResult:
    """What a form submission gave: facts (or ``None``), warnings, and problems by field.

    ``partial`` holds, when some answers have problems, the facts from the answers that
    read cleanly: an emergency among them (a fever) is shown on the page that asks to fix
    the others, never hidden by a mistake elsewhere."""

    facts: Facts | None
    warnings: tuple[Problem, ...]
    problems: tuple[Problem, ...]
    partial: Facts | None = None

    def field_errors(self) -> dict[str, list[str]]:
        """Friendly messages by input name, for the patient view."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            name = field_of(p)
            msg = friendly(p)
            if msg not in out.setdefault(name, []):
                out[name].append(msg)
        return out


def field_of(p: Problem) -> str:
    """The input a problem belongs to: ``("symptoms", "anc_per_ul", "value")`` ->
    ``symptoms.anc_per_ul``; ``("prior_treatments", 2)`` -> ``prior_treatments``."""
    parts = [str(x) for x in p.loc if isinstance(x, str)]
    if parts and parts[0] == "symptoms" and len(parts) > 1:
        return f"symptoms.{parts[1]}"
    return parts[0] if parts else "form"


def friendly(p: Problem) -> str:
    """The problem in plain words for the patient (the clinician view shows ``p.msg``)."""
    f = FORM_FIELDS.get(field_of(p))
    if f is None:
        return p.msg
    if p.type == "form-comma":
        return "Please use a dot for decimals, like 38.5."
    if f.widget == "number":
        spec = FIELDS[f.name]
        assert spec.minimum is not None
        assert spec.maximum is not None
        unit = f" {spec.unit}" if spec.unit and not spec.unit.startswith("/") else ""
        whole = "a whole number" if spec.kind == "integer" else "a number"
        msg = (f"Please check this answer. It should be {whole} from {_number_text(spec.minimum)} "
               f"to {_number_text(spec.maximum)}{unit}.")
        if f.units:
            msg += " Check that you chose the right unit."
        return msg + " " + _EMPTY_HINT
    if f.widget == "text":
        return "Please write each change like T315I, with commas between them, or write none."
    if f.widget == "checkboxes":
        if p.type == "form-none":
            return "You ticked \"None of these\" and a treatment. Please untick one of them."
        return "Please tick only the answers shown."
    return "Please choose one of the answers shown."


def _one(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name) or []
    return values[-1].strip() if values else ""


Loc = tuple[str, ...]
#: What one input gave: a value for the reader (``_SKIP`` for none) or a problem.
_SKIP = object()


def _checkboxes(f: FormField, form: Mapping[str, Sequence[str]], loc: Loc) -> object:
    ticked = [v.strip() for v in form.get(f.name) or [] if v.strip()]
    if f.none_label and NONE in ticked:
        if len(ticked) > 1:
            return Problem("form-none", loc, "'none' ticked with other answers")
        return []
    return list(dict.fromkeys(ticked)) if ticked else _SKIP


def _radio(f: FormField, raw: str, loc: Loc) -> object:
    spec = FIELDS[f.name]
    if spec.kind == "boolean":
        if raw not in ("yes", "no"):
            return Problem("boolean", loc, "must be yes, no or unknown")
        return raw == "yes"
    if spec.yes_no is not None:  # a choice asked as yes / no (CD19, KMT2A ...): the table says what each means
        return dict(zip(("yes", "no"), spec.yes_no, strict=True)).get(raw, raw)
    return raw  # integers and choices: the reader checks the value and its range


def _number(f: FormField, raw: str, form: Mapping[str, Sequence[str]], loc: Loc) -> object:
    if "," in raw and not _THOUSANDS.match(raw.strip()):
        return Problem("form-comma", loc, "use a dot for decimals")
    value = _parse_number(raw)
    if value is None:
        return Problem("number", loc, "must be a number")
    unit = _one(form, f.unit_name)
    if f.units and unit and unit != f.units[0].value:
        if unit not in {u.value for u in f.units}:
            return Problem("unit", loc, "must be one of the units shown")
        return {"value": value, "unit": unit}
    return raw.strip().replace(",", "")


def _answer(f: FormField, form: Mapping[str, Sequence[str]]) -> object:
    """The reader's value for one question, ``_SKIP`` when unanswered, or a :class:`Problem`."""
    loc = tuple(f.name.split(".", 1))
    if f.widget == "checkboxes":
        return _checkboxes(f, form, loc)
    raw = _one(form, f.name)
    if not raw or raw.lower() == UNKNOWN:
        return _SKIP
    if f.widget == "radio":
        return _radio(f, raw, loc)
    if f.widget == "date":
        return raw  # the reader checks it is a date (YYYY-MM-DD)
    if f.widget == "text":
        items = [x.strip() for x in re.split(r"[,;\s]+", raw) if x.strip()]
        return [] if [x.lower() for x in items] == [NONE] else items
    return _number(f, raw, form, loc)


def form_to_data(form: Mapping[str, Sequence[str]]) -> tuple[dict[str, object], list[Problem]]:
    """Facts data (format v1) from the form's answers, and the problems found on the way.

    Unknown answers are left out; inputs that are not questions of the form are ignored."""
    data: dict[str, object] = {}
    symptoms: dict[str, object] = {}
    problems: list[Problem] = []
    for f in FORM_FIELDS.values():
        value = _answer(f, form)
        if isinstance(value, Problem):
            problems.append(value)
        elif value is not _SKIP:
            if f.name.startswith("symptoms."):
                symptoms[f.name[9:]] = value
            else:
                data[f.name] = value
    for name in _CARRIED:
        if raw := _one(form, name):
            data[name] = raw
    if symptoms:
        data["symptoms"] = symptoms
    return data, problems


def read_form(form: Mapping[str, Sequence[str]], today: dt.date) -> FormResult:
    """Read the form into facts, collecting every problem (the form's own and the reader's)."""
    data, problems = form_to_data(form)
    try:
        facts, warnings = read_facts(data, default_as_of=today)
    except InputError as e:
        found = (*problems, *e.problems)
        return FormResult(None, (), found, partial_facts(data, found, today))
    if problems:
        return FormResult(None, (), tuple(problems), facts)
    return FormResult(facts, warnings, ())


def partial_facts(data: Mapping[str, object], problems: Sequence[Problem],
                  today: dt.date) -> Facts | None:
    """The facts from the answers without problems (``None`` if even those do not read)."""
    bad = {field_of(p) for p in problems}
    clean: dict[str, object] = {k: v for k, v in data.items() if k != "symptoms" and k not in bad}
    symptoms = data.get("symptoms")
    if isinstance(symptoms, Mapping):
        clean["symptoms"] = {k: v for k, v in symptoms.items() if f"symptoms.{k}" not in bad}
    try:
        return read_facts(clean, default_as_of=today)[0]
    except InputError:
        return None


def facts_to_pairs(facts: Facts) -> Pairs:
    """The form answers that give ``facts`` (for hidden fields and to fill the form in)."""
    out: Pairs = []
    for f in FORM_FIELDS.values():
        v = facts.value(f.name)
        if v is None:
            continue
        if f.widget == "checkboxes":
            assert isinstance(v, tuple)
            if not v and f.none_label:
                out.append((f.name, NONE))
            out += [(f.name, str(x)) for x in v]
        elif f.widget == "text":
            assert isinstance(v, tuple)
            out.append((f.name, ", ".join(v) if v else NONE))
        elif isinstance(v, bool):
            out.append((f.name, "yes" if v else "no"))
        elif isinstance(v, int | float):
            out.append((f.name, _number_text(v)))
            if f.units:
                out.append((f.unit_name, f.units[0].value))
        else:
            yes_no = dict(zip(FIELDS[f.name].yes_no or (), ("yes", "no"), strict=False))
            out.append((f.name, yes_no.get(str(v), str(v))))
    if facts.as_of is not None:
        out.append(("as_of", facts.as_of.isoformat()))
    return out


def pairs_to_form(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for k, v in pairs:
        form.setdefault(k, []).append(v)
    return form


def known_pairs(form: Mapping[str, Sequence[str]]) -> Pairs:
    """The answers of the form's own inputs (to carry to the next page); anything else is dropped."""
    names = {*FORM_FIELDS, *(f.unit_name for f in FORM_FIELDS.values() if f.units), *_CARRIED}
    return [(k, v) for k in form if k in names for v in form[k]]


def answers_in_words(facts: Facts) -> list[tuple[str, str]]:
    """Each answer the results rest on, as (the form's question, the answer in its words)."""
    grouped = pairs_to_form(facts_to_pairs(facts))
    out: list[tuple[str, str]] = []
    for f in FORM_FIELDS.values():
        got = [v for v in grouped.get(f.name, []) if v != UNKNOWN]
        if not got:
            continue
        labels = {c.value: c.label for c in f.choices}
        if f.widget in ("radio", "checkboxes"):
            words = "; ".join(f.none_label if v == NONE else labels.get(v, v) for v in got)
        else:
            unit = f.units[0].label.split(" (")[0] if f.units else ""
            words = f"{got[0]} {unit}".strip()
        out.append((f.label, words))
    return out

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

from allnav.facts import FIELDS, Facts
from allnav.facts_reader import read_facts
from allnav.problems import InputError, Problem
from allnav.web.pages.form_questions import (
    EMPTY_HINT,
    FORM_FIELDS,
    NONE,
    SECTIONS,
    UNKNOWN,
    Choice,
    FormField,
    FormSection,
    Pairs,
)

__all__ = ["FORM_FIELDS", "NONE", "SECTIONS", "UNKNOWN", "Choice", "FormField", "FormResult",
           "FormSection", "Pairs", "answers_in_words", "facts_to_pairs", "field_of",
           "form_to_data", "friendly", "known_pairs", "pairs_to_form", "partial_facts",
           "read_form"]

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
        return msg + " " + EMPTY_HINT
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

"""The words patients read: plain (grade 8 or below), honest about chance, never a dose."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from allnav.care import CareRules, assess_care, load_care_rules
from allnav.facts import Facts, Symptoms

AS_OF = dt.date(2026, 11, 29)
RULES: CareRules = load_care_rules()


def patient_texts() -> list[tuple[str, str]]:
    out = [(f"{r.id}.{name}", v.patient) for r in RULES.rules.values()
           for name, v in r.variants.items()]
    out += [(f"{r.id}.extras.{name}", e.patient) for r in RULES.rules.values()
            for name, e in r.extras.items()]
    out += [(f"call_right_away[{i}]", c.text) for i, c in enumerate(RULES.call_right_away)]
    out += [("palliative", RULES.palliative.patient), ("hospice", RULES.hospice.patient)]
    return out


def all_texts() -> list[tuple[str, str]]:
    out = patient_texts()
    out += [(f"{r.id}.{name}.clinician", v.clinician) for r in RULES.rules.values()
            for name, v in r.variants.items()]
    out += [(f"{r.id}.extras.{name}.clinician", e.clinician) for r in RULES.rules.values()
            for name, e in r.extras.items()]
    out += [("palliative.clinician", RULES.palliative.clinician),
            ("hospice.clinician", RULES.hospice.clinician), ("mascc", RULES.mascc.statement)]
    return out


def syllables(word: str) -> int:
    """A standard English syllable estimate (vowel groups, silent final e): good enough to
    tell a grade-6 sentence from a grade-12 one."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def flesch_kincaid_grade(text: str) -> float:
    sentences = [s for s in re.split(r"[.!?]+(?:\s|$)", text) if s.strip()]
    words = re.findall(r"[A-Za-z][A-Za-z'-]*|\d[\d,.]*", text)
    syl = sum(syllables(w) if w[0].isalpha() else 1 for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syl / len(words) - 15.59


def test_the_readability_formula_separates_plain_from_dense_text() -> None:
    assert flesch_kincaid_grade("Call your care team now. Do not wait.") < 3
    assert flesch_kincaid_grade(
        "Empiric antimicrobial therapy necessitates comprehensive microbiological evaluation "
        "preceding administration in hemodynamically unstable immunocompromised individuals.") > 14


@pytest.mark.parametrize(("where", "text"), patient_texts())
def test_patient_text_reads_at_grade_8_or_below(where: str, text: str) -> None:
    assert flesch_kincaid_grade(text) <= 8, where


@pytest.mark.parametrize(("where", "text"), patient_texts())
def test_patient_text_uses_short_sentences(where: str, text: str) -> None:
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        assert len(sentence.split()) <= 25, (where, sentence)


@pytest.mark.parametrize(("where", "text"), patient_texts())
def test_no_chance_words_without_a_number(where: str, text: str) -> None:
    for word in ("rare", "rarely", "likely", "unlikely", "probably"):
        assert not re.search(rf"\b{word}\b", text, re.I), (where, word)


@pytest.mark.parametrize(("where", "text"), all_texts())
def test_no_doses_anywhere(where: str, text: str) -> None:
    assert not re.search(r"\d\s*(mg|mcg|µg|microgram|g/kg|mg/kg|mL|units?|tablets?)\b", text,
                         re.I), where
    assert not re.search(r"\bevery \d+(-\d+)? hours\b", text, re.I), where


def test_emergencies_tell_the_patient_exactly_what_to_do() -> None:
    """Every emergency alert starts with what to do now, in the pathway option's words."""
    fever = assess_care(RULES, Facts(symptoms=Symptoms(temperature_c=38.4)), AS_OF)
    fn = fever.alert("febrile-neutropenia")
    assert fn is not None and fn.do_now == "Call your care team now, or go to the emergency department."
    assert fn.patient_text.startswith(fn.do_now)
    bleed = assess_care(RULES, Facts(symptoms=Symptoms(bleeding=True)), AS_OF).alert("bleeding")
    assert bleed is not None and bleed.do_now and bleed.do_now.startswith("Call your care team now")


def test_medical_words_are_explained_where_patients_meet_them() -> None:
    fn = RULES.rules["febrile-neutropenia"].variants["confirmed"].patient
    assert "Neutrophils are the white blood cells that fight germs." in fn
    assert "Platelets help stop bleeding." in (
        RULES.rules["platelets"].variants["at-or-below-threshold"].patient)
    assert "Hemoglobin carries oxygen" in RULES.rules["red-cells"].variants["hemoglobin-low"].patient

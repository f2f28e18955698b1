"""Safety properties of care over random facts (hypothesis): promises to patients and nurses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allnav.care import CareRules, assess_care, load_care_rules
from allnav.care.report import care_markdown, care_sections, care_to_dict
from allnav.engine import assess
from allnav.facts import FIELDS, Facts, FieldSpec, Symptoms
from allnav.pathway import Pathway, load_pathway

from .conftest import AS_OF

RULES: CareRules = load_care_rules()
PATHWAY: Pathway = load_pathway()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def value_of(spec: FieldSpec) -> st.SearchStrategy[Any]:
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "choice-list":
        return st.lists(st.sampled_from(spec.choices), unique=True, max_size=4).map(tuple)
    if spec.kind == "text-list":
        return st.lists(st.sampled_from(["T315I", "E255K"]), unique=True).map(tuple)
    if spec.kind == "boolean":
        return st.booleans()
    assert spec.minimum is not None
    assert spec.maximum is not None
    if spec.kind == "integer":
        return st.integers(int(spec.minimum), int(spec.maximum))
    if spec.kind == "number":
        return st.floats(spec.minimum, spec.maximum, allow_nan=False)
    return st.none()


@st.composite
def any_facts(draw: st.DrawFn) -> Facts:
    """Facts with every field unknown or any allowed value, built directly (no reader)."""
    top: dict[str, Any] = {}
    symptoms: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        if name == "symptoms.counts_date":
            value = draw(st.one_of(st.none(), st.integers(0, 10).map(
                lambda d: AS_OF - dt.timedelta(days=d))))
        elif spec.kind == "date":
            continue
        else:
            value = draw(st.one_of(st.none(), value_of(spec)))
        if name.startswith("symptoms."):
            symptoms[name[9:]] = value
        else:
            top[name] = value
    return Facts(symptoms=Symptoms(**symptoms), **top)


@st.composite
def fever_with_neutropenia(draw: st.DrawFn) -> Facts:
    """Any facts, then a fever (IDSA) and neutropenia, each present or not ruled out."""
    facts = draw(any_facts())
    fever: dict[str, Any]
    if draw(st.booleans()):
        fever = {"temperature_c": draw(st.floats(38.3, 44)),
                 "temperature_sustained_1h": draw(st.sampled_from([None, True, False]))}
    else:
        # 38.0-38.2 °C counts once sustained for an hour, or while the duration is unknown.
        fever = {"temperature_c": draw(st.floats(38.0, 38.3, exclude_max=True)),
                 "temperature_sustained_1h": draw(st.sampled_from([None, True]))}
    neutropenia: dict[str, Any] = draw(st.sampled_from([
        {"anc_per_ul": draw(st.floats(0, 500, exclude_max=True)),
         "anc_expected_to_fall": draw(st.sampled_from([None, True, False]))},
        {"anc_per_ul": draw(st.floats(500, 1000, exclude_max=True)),
         "anc_expected_to_fall": draw(st.sampled_from([None, True]))},
        {"anc_per_ul": None, "anc_expected_to_fall": draw(st.sampled_from([None, True, False]))},
    ]))
    return dataclasses.replace(facts, symptoms=dataclasses.replace(
        facts.symptoms, **fever, **neutropenia))


@SETTINGS
@given(fever_with_neutropenia())
def test_fever_with_neutropenia_is_always_an_emergency_in_care(facts: Facts) -> None:
    c = assess_care(RULES, facts, AS_OF)
    fn = c.alert("febrile-neutropenia")
    assert fn is not None
    assert fn.level == "emergency"
    assert c.alerts[0] is fn  # first, whatever else is going on
    if facts.in_hospice:
        assert fn.patient_text.startswith("Call your hospice team now")
    else:
        assert fn.patient_text.startswith("Call your care team now, or go to the emergency department.")
    assert c.mascc is not None and c.mascc.treated_as == "high"


@SETTINGS
@given(fever_with_neutropenia())
def test_fever_with_neutropenia_is_always_urgent_in_the_engine(facts: Facts) -> None:
    option = assess(PATHWAY, facts, AS_OF).option("febrile-neutropenia-emergency")
    assert option.urgent
    assert option.urgent_text and "emergency department" in option.urgent_text


@SETTINGS
@given(any_facts())
def test_care_and_engine_agree_on_febrile_neutropenia(facts: Facts) -> None:
    """Both halves of the system raise the alarm for exactly the same patients."""
    care_fn = assess_care(RULES, facts, AS_OF).alert("febrile-neutropenia") is not None
    engine_fn = assess(PATHWAY, facts, AS_OF).option("febrile-neutropenia-emergency").urgent
    assert care_fn == engine_fn


@SETTINGS
@given(any_facts())
def test_every_output_offers_palliative_care_cites_sources_and_doses_nothing(facts: Facts) -> None:
    c = assess_care(RULES, facts, AS_OF)
    assert c.palliative.evidence
    assert (c.hospice is not None) == (facts.goals == "comfort")
    for a in c.alerts:
        assert a.evidence and all(e in RULES.evidence for e in a.evidence)
        assert a.triggers, a.rule  # every alert shows what triggered it
    text = "\n".join(line for s in care_sections(c, RULES.evidence) for line in s.lines)
    assert not re.search(r"\d\s*(mg|mcg|µg|g/kg|mg/kg|mL|units?)\b", text)
    care_to_dict(c, RULES.evidence)  # always serialisable
    assert care_markdown(c, RULES.evidence)[0].startswith("## ")

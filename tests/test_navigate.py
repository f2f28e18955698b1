"""One ``navigate(knowledge, facts, as_of)`` behind every entry point, and one registry of
output formats (issue 18, requirement 3)."""

from __future__ import annotations

import io
import json

import pytest

from allnav.cli.assess_cmd import AssessFormat
from allnav.facts_reader import read_facts
from allnav.navigate import load_knowledge, navigate
from allnav.odds import odds_report
from allnav.problems import InputError
from allnav.render.formats import RENDERERS
from allnav.render.json_report import navigation_to_dict

from .conftest import AS_OF, example_facts, example_names


def test_the_cli_offers_every_registered_format_and_no_other() -> None:
    assert [f.value for f in AssessFormat] == list(RENDERERS)


@pytest.mark.parametrize("fmt", list(RENDERERS))
def test_every_format_renders_every_part(fmt: str) -> None:
    knowledge = load_knowledge()
    nav = navigate(knowledge, example_facts("febrile-neutropenia"), AS_OF)
    out = io.StringIO()
    RENDERERS[fmt](nav, knowledge, out)
    text = out.getvalue()
    # The emergency is in every format, with its care alert.
    assert "neutropenia" in text.lower()
    if fmt == "json":
        doc = json.loads(text)
        assert doc == navigation_to_dict(nav, knowledge)
        assert any(o["urgent"] for o in doc["options"]) and doc["care"]["level"] == "emergency"


@pytest.mark.parametrize("name", example_names())
def test_navigation_holds_the_assessment_care_and_odds_of_the_same_patient(name: str) -> None:
    knowledge = load_knowledge()
    facts = example_facts(name)
    nav = navigate(knowledge, facts, AS_OF)
    assert nav.as_of == AS_OF and nav.care.as_of == AS_OF and nav.odds.as_of == AS_OF
    # Odds are computed on first use, from this navigation's assessment: the same numbers
    # as selecting them directly.
    assert nav.odds == odds_report(knowledge.pathway, knowledge.odds, nav.assessment)
    shown = {o.option_id for o in nav.odds.options}
    assert shown == {o.id for o in nav.assessment.options if o.status != "not-suitable"}


def test_knowledge_is_loaded_once_per_process() -> None:
    assert load_knowledge() is load_knowledge()
    k = load_knowledge()
    assert k.evidence is k.pathway.evidence


def test_a_symptom_written_flat_is_the_same_fact_as_under_symptoms() -> None:
    """``symptoms.temperature_c`` is the fact's name in docs/facts.md; sent flat (as a
    program reading that table would) it used to crash the reader (500 from /api/assess)."""
    flat, _ = read_facts({"symptoms.temperature_c": 38.6, "symptoms.anc_per_ul": 300})
    nested, _ = read_facts({"symptoms": {"temperature_c": 38.6, "anc_per_ul": 300}})
    assert flat == nested
    with pytest.raises(InputError) as e:
        read_facts({"symptoms.temperature_c": 38.6, "symptoms": {"temperature_c": 39.0}})
    (p,) = e.value.problems
    assert p.loc == ("symptoms.temperature_c",) and "given twice" in p.msg

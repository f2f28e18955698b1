"""The patient form <-> facts: every example survives the round trip, unknown stays unknown,
units are converted by the reader, and each problem lands next to its field in plain words."""

from __future__ import annotations

import pytest

from allnav.facts import FIELDS
from allnav.problems import Problem
from allnav.web.pages.forms import (
    FORM_FIELDS,
    SECTIONS,
    facts_to_pairs,
    field_of,
    known_pairs,
    pairs_to_form,
    read_form,
)

from .conftest import AS_OF, example_facts, example_names


@pytest.mark.parametrize("name", example_names())
def test_every_example_survives_the_round_trip(name: str) -> None:
    facts = example_facts(name)
    back = read_form(pairs_to_form(facts_to_pairs(facts)), AS_OF)
    assert back.problems == ()
    assert back.facts == facts


def test_every_question_can_be_answered_i_dont_know() -> None:
    for f in FORM_FIELDS.values():
        assert f.name in FIELDS
        if f.widget == "number":
            assert "don't know" in f.hint or "not taken" in f.hint, f.name
        elif f.widget in ("checkboxes", "text"):
            assert "not sure" in f.hint or "don't know" in f.hint, f.name
        else:
            assert "unknown" not in {c.value for c in f.choices}  # the template adds "I don't know"


def test_an_empty_form_is_all_unknown() -> None:
    # What the browser sends when nothing is answered: "unknown" radios and empty boxes.
    form = {f.name: ["unknown" if f.widget == "radio" else ""] for f in FORM_FIELDS.values()
            if f.widget != "checkboxes"}
    result = read_form(form, AS_OF)
    assert result.facts is not None
    assert result.facts.known() == {"as_of": AS_OF}


def test_everyday_answers_become_facts_with_units_converted() -> None:
    form = pairs_to_form([
        ("disease_status", "relapsed"), ("relapse_count", "2"), ("lineage", "B"), ("cd19", "yes"),
        ("kmt2a", "no"), ("prior_treatments", "intensive-chemotherapy"),
        ("prior_treatments", "blinatumomab"), ("abl1_mutations", "t315i, E255K"),
        ("symptoms.temperature_c", "101.2"), ("symptoms.temperature_c.unit", "[degF]"),
        ("symptoms.anc_per_ul", "0.3"), ("symptoms.anc_per_ul.unit", "10*9/L"),
        ("symptoms.platelets_per_ul", "45,000"), ("symptoms.bleeding", "no"), ("ecog", "1"),
        ("goals", "unsure"), ("anything-else", "ignored"),
    ])
    result = read_form(form, AS_OF)
    f = result.facts
    assert f is not None, result.problems
    assert (f.disease_status, f.relapse_count, f.lineage, f.cd19, f.kmt2a, f.ecog) == (
        "relapsed", 2, "B", "positive", "not-rearranged", 1)
    assert f.prior_treatments == ("intensive-chemotherapy", "blinatumomab")
    assert f.abl1_mutations == ("T315I", "E255K")
    assert f.symptoms.temperature_c == pytest.approx(38.44, abs=0.01)
    assert f.symptoms.anc_per_ul == 300
    assert f.symptoms.platelets_per_ul == 45_000
    assert f.symptoms.bleeding is False
    assert f.goals is None  # "not sure yet" reasons as unknown


def test_none_of_these_is_the_empty_list_and_nothing_ticked_is_unknown() -> None:
    none = read_form({"prior_treatments": ["none"], "abl1_mutations": ["none"]}, AS_OF).facts
    assert none is not None
    assert none.prior_treatments == ()
    assert none.abl1_mutations == ()
    nothing = read_form({}, AS_OF).facts
    assert nothing is not None
    assert nothing.prior_treatments is None


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"symptoms.temperature_c": ["3.8"]}, "symptoms.temperature_c", "from 30 to 44 °C"),
    ({"symptoms.temperature_c": ["38,5"]}, "symptoms.temperature_c", "use a dot"),
    ({"symptoms.anc_per_ul": ["0.3"]}, "symptoms.anc_per_ul", "right unit"),
    ({"age_years": ["old"]}, "age_years", "a number from 0 to 120"),
    ({"relapse_count": ["1.5"]}, "relapse_count", "a whole number"),
    ({"ecog": ["9"]}, "ecog", "choose one of the answers"),
    ({"lineage": ["X"]}, "lineage", "choose one of the answers"),
    ({"prior_treatments": ["none", "blinatumomab"]}, "prior_treatments", "untick one"),
    ({"abl1_mutations": ["not a mutation"]}, "abl1_mutations", "like T315I"),
    ({"symptoms.hemoglobin_g_dl": ["9"], "symptoms.hemoglobin_g_dl.unit": ["mmol/L"]},
     "symptoms.hemoglobin_g_dl", "right unit"),
])
def test_bad_answers_get_a_friendly_message_next_to_their_field(
        form: dict[str, list[str]], field: str, words: str) -> None:
    result = read_form(form, AS_OF)
    assert result.facts is None
    errors = result.field_errors()
    assert list(errors) == [field]
    assert words.lower() in " ".join(errors[field]).lower()


def test_every_problem_location_maps_to_an_input() -> None:
    assert field_of(Problem("unit", ("symptoms", "anc_per_ul", "value"), "x")) == "symptoms.anc_per_ul"
    assert field_of(Problem("choice", ("prior_treatments", 2), "x")) == "prior_treatments"
    assert field_of(Problem("type", (), "x")) == "form"
    ids = [f.id for s in SECTIONS for f in s.fields]
    assert len(ids) == len(set(ids))


def test_only_the_forms_own_answers_are_carried_on() -> None:
    form = {"lineage": ["B"], "symptoms.temperature_c.unit": ["Cel"], "value.best-chance": ["a-lot"],
            "x": ["y"]}
    assert known_pairs(form) == [("lineage", "B"), ("symptoms.temperature_c.unit", "Cel")]

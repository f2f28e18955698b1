"""Reading patient facts: unknowns, normalisation, and errors that name the field."""

from __future__ import annotations

import datetime as dt

import pytest

from allnav.facts import FIELDS, Facts
from allnav.facts_reader import parse_text, read_facts
from allnav.problems import InputError


def errors_of(data: object) -> list[str]:
    with pytest.raises(InputError) as info:
        read_facts(data)
    return [str(p) for p in info.value.problems]


def test_empty_object_is_all_unknown() -> None:
    facts, warnings = read_facts({})
    assert facts == Facts()
    assert warnings == ()


@pytest.mark.parametrize("unknown", [None, "unknown", "Unknown", " UNKNOWN ", ""])
def test_null_and_unknown_mean_unknown(unknown: object) -> None:
    facts, _ = read_facts({"cd19": unknown, "age_years": unknown, "symptoms": {"nausea": unknown}})
    assert facts.cd19 is None
    assert facts.age_years is None
    assert facts.symptoms.nausea is None


def test_values_are_normalised() -> None:
    facts, _ = read_facts({
        "lineage": "b", "ph_status": "Positive", "abl1_mutations": ["t315i", "T315I", "E255K"],
        "relapse_sites": ["cns", "bone-marrow", "cns"], "ecog": 2.0, "age_years": "41",
        "as_of": "2026-01-02", "transplant_candidate": "true",
    })
    assert facts.lineage == "B"
    assert facts.ph_status == "positive"
    assert facts.abl1_mutations == ("T315I", "E255K")
    assert facts.relapse_sites == ("cns", "bone-marrow")
    assert facts.ecog == 2 and isinstance(facts.ecog, int)
    assert facts.age_years == 41.0
    assert facts.as_of == dt.date(2026, 1, 2)
    assert facts.transplant_candidate is True


def test_empty_list_means_tested_and_none_found() -> None:
    facts, _ = read_facts({"abl1_mutations": [], "prior_treatments": []})
    assert facts.abl1_mutations == ()
    assert facts.prior_treatments == ()


def test_unsure_goal_is_kept_as_unknown_for_reasoning() -> None:
    facts, _ = read_facts({"goals": "unsure"})
    assert facts.goals is None


def test_unknown_field_suggests_the_nearest() -> None:
    assert errors_of({"cd19_staus": "positive"}) == [
        "cd19_staus: unknown field 'cd19_staus' (did you mean 'cd19'?)"
    ]


def test_unknown_symptom_field_suggests_the_nearest() -> None:
    msgs = errors_of({"symptoms": {"temprature_c": 38}})
    assert msgs == ["symptoms.temprature_c: unknown field 'temprature_c' (did you mean 'temperature_c'?)"]


def test_bad_choice_names_field_and_allowed_values() -> None:
    (msg,) = errors_of({"ph_status": "positve"})
    assert msg.startswith("ph_status: 'positve' is not allowed")
    assert "'positive', 'negative'" in msg
    assert "did you mean 'positive'" in msg


def test_list_item_error_has_index_in_path() -> None:
    (msg,) = errors_of({"prior_treatments": ["blinatumomab", "car-t"]})
    assert msg.startswith("prior_treatments[1]: 'car-t' is not allowed")


def test_all_errors_are_reported_together() -> None:
    msgs = errors_of({"ecog": 7, "lineage": "X", "age_years": True, "relapse_count": 1.5})
    paths = sorted(m.split(":")[0] for m in msgs)
    assert paths == ["age_years", "ecog", "lineage", "relapse_count"]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"age_years": 130}, "age_years"),
        ({"symptoms": {"temperature_c": 3.8}}, "symptoms.temperature_c"),
        ({"symptoms": {"anc_per_ul": 30_000_000}}, "symptoms.anc_per_ul"),
        ({"symptoms": {"pain_score": 11}}, "symptoms.pain_score"),
        ({"first_remission_months": -1}, "first_remission_months"),
        ({"abl1_mutations": ["not a mutation"]}, "abl1_mutations[0]"),
        ({"as_of": "29/11/2026"}, "as_of"),
        ({"symptoms": "fever"}, "symptoms"),
        ({"relapse_sites": "cns"}, "relapse_sites"),
        ({"age_years": float("nan")}, "age_years"),
    ],
)
def test_impossible_values_are_refused_with_their_path(data: dict[str, object], path: str) -> None:
    msgs = errors_of(data)
    assert msgs and msgs[0].startswith(f"{path}:")


def test_top_level_must_be_an_object() -> None:
    (msg,) = errors_of(["cd19", "positive"])
    assert "must be an object" in msg


def test_consistency_warnings_do_not_block() -> None:
    facts, warnings = read_facts({"disease_status": "relapsed", "relapse_count": 0, "age_years": 16})
    assert facts.disease_status == "relapsed"
    assert {w.path for w in warnings} == {"relapse_count", "age_years"}
    assert all(w.severity == "warning" for w in warnings)


def test_parse_text_reads_json_and_yaml() -> None:
    assert parse_text('{"cd19": "positive"}') == {"cd19": "positive"}
    assert parse_text("cd19: positive\n") == {"cd19": "positive"}


@pytest.mark.parametrize("text", ["", "   \n", "{not json", "a: [1, 2"])
def test_parse_text_errors_are_input_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse_text(text)


def test_every_field_has_a_question_and_description() -> None:
    for spec in FIELDS.values():
        assert spec.description.strip() and spec.question.strip(), spec.name
        if spec.kind in ("number", "integer"):
            assert spec.minimum is not None and spec.maximum is not None, spec.name
        if spec.kind in ("choice", "choice-list"):
            assert spec.choices, spec.name

"""The clinician trace names the unknown part; generated criteria code shows in tracebacks."""

from __future__ import annotations

import subprocess
import sys
import traceback
from dataclasses import replace
from pathlib import Path

import pytest

from allnav import criteria as C
from allnav.criteria_trace import explain_criterion, trace_criterion
from allnav.facts import Facts, Symptoms
from allnav.pathway import load_pathway


def test_all_of_with_one_unknown_part_names_that_part() -> None:
    pathway = load_pathway()
    # Fever is certain (39 °C); the counts are not recorded, so neutropenia is unknown.
    trace = explain_criterion(pathway, "crit.febrile_neutropenia",
                              Facts(symptoms=Symptoms(temperature_c=39.0)))
    assert trace.outcome is None
    by_text = {s.description: s for s in trace.steps}
    assert by_text["crit.fever"].outcome is True
    assert by_text["crit.neutropenia"].outcome is None
    unknown = [s.text() for s in trace.unknown_parts()]
    # Only the parts that keep the whole unknown: the ANC and its expected fall, not the
    # "sustained for an hour" part under a fever already true at 38.3 °C.
    assert unknown == [
        "symptoms.anc_per_ul below 500 /µL: unknown (not recorded: symptoms.anc_per_ul)",
        "symptoms.anc_expected_to_fall is yes: unknown (not recorded: symptoms.anc_expected_to_fall)",
    ]


def test_trace_agrees_with_the_compiled_criteria_on_every_named_criterion() -> None:
    pathway = load_pathway()
    facts = Facts(as_of=None, symptoms=Symptoms(temperature_c=38.1, anc_per_ul=300.0))
    compiled = pathway.evaluate_criteria(facts)
    for cid, named in pathway.criteria.items():
        steps = trace_criterion(named.test, facts)
        assert steps[0].outcome is compiled[cid], cid
        # Every unknown part says which facts keep it unknown, or nothing when none is missing.
        for s in steps:
            assert (s.outcome is None) or not s.missing


def test_unknown_criterion_id_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match=r"crit\.nope"):
        explain_criterion(load_pathway(), "crit.nope", Facts())


class _Unorderable(float):
    """A temperature whose comparison raises, to provoke an error inside generated code."""

    def __ge__(self, other: object) -> bool:
        raise ArithmeticError("comparison failed")


def test_a_traceback_inside_generated_criteria_shows_the_generated_line() -> None:
    code = C.Emitter("crit.test_fever")
    out = C.Compare(fact="symptoms.temperature_c", op=">=", value=38.3).emit(code)
    run = code.function({"crit.test_fever": out})
    facts = Facts(symptoms=Symptoms(temperature_c=_Unorderable(39.0)))
    try:
        run(facts)
    except ArithmeticError:
        shown = traceback.format_exc()
    else:  # pragma: no cover - the comparison always raises
        pytest.fail("the comparison did not raise")
    assert "<allnav criterion crit.test_fever " in shown
    assert "t1 = None if v0 is None else v0 >= 38.3" in shown


def test_the_pathways_compiled_criteria_show_their_source_in_tracebacks() -> None:
    pathway = load_pathway()
    facts = replace(Facts(), symptoms=Symptoms(temperature_c=_Unorderable(39.0)))
    try:
        pathway.evaluate_criteria(facts)
    except ArithmeticError:
        shown = traceback.format_exc()
    else:  # pragma: no cover - the comparison always raises
        pytest.fail("the comparison did not raise")
    assert "<allnav criterion all named criteria " in shown
    assert ">= 38.3" in shown or ">= 38.0" in shown


def test_pathway_explain_command_names_the_unknown_part(tmp_path: Path) -> None:
    patient = tmp_path / "p.yaml"
    patient.write_text("symptoms:\n  temperature_c: 39.0\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "allnav", "pathway", "explain",
                        "crit.febrile_neutropenia", str(patient), "--as-of", "2026-12-01"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert "    crit.neutropenia: unknown" in r.stdout
    assert "unknown because: symptoms.anc_per_ul below 500 /µL" in r.stdout
    bad = subprocess.run([sys.executable, "-m", "allnav", "pathway", "explain", "crit.nope",
                          str(patient)], capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    assert "no criterion 'crit.nope'" in bad.stderr
    assert "Traceback" not in bad.stderr

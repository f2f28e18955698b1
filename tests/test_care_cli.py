"""``allnav care`` and the care section of ``allnav assess``, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import ROOT

FN = "examples/patients/febrile-neutropenia.yaml"
COMFORT = "examples/patients/comfort-goals.yaml"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "allnav", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, check=False, env={**os.environ, "COLUMNS": "200"})


def test_care_text_puts_the_emergency_first_for_patient_and_clinician() -> None:
    r = run("care", FN, "--as-of", "2026-11-29")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.index("Right now") < out.index("When to call your care team right away") < out.index(
        "For the care team")
    assert ("NOW - Fever with leukemia (febrile neutropenia until a count shows otherwise). "
            "Call your care team now, or go to the emergency department.") in out
    assert "[emergency] T 38.6 °C, ANC 200/µL" in out and "-> febrile neutropenia (IDSA" in out
    assert "MASCC" in out and "Treated as HIGH RISK whatever the score." in out
    assert "palliative care team" in out
    assert "it does not dose drugs" in out


def test_care_json_has_the_documented_shape() -> None:
    r = run("care", FN, "--format", "json", "--as-of", "2026-11-29")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["format"] == "allnav.care/1"
    assert data["level"] == "emergency"
    first = data["alerts"][0]
    assert (first["rule"], first["level"]) == ("febrile-neutropenia", "emergency")
    assert first["triggers"][:2] == [
        {"fact": "symptoms.temperature_c", "value": 38.6, "shown": "T 38.6 °C"},
        {"fact": "symptoms.anc_per_ul", "value": 200, "shown": "ANC 200/µL"}]
    assert first["evidence"][0]["id"] == "ev.idsa-2011-febrile-neutropenia"
    assert data["mascc"]["treated_as"] == "high"
    assert data["palliative"]["evidence"]
    assert data["hospice"] is None
    # The fever is an alert now, so it is not also a "call right away if" line.
    assert not any(c.startswith("Your temperature is") for c in data["call_right_away"])
    assert "You cannot keep fluids or medicines down." in data["call_right_away"]
    assert first["do_now"] == "Call your care team now, or go to the emergency department."


def test_hospice_appears_when_the_goal_is_comfort() -> None:
    data = json.loads(run("care", COMFORT, "--format", "json", "--as-of", "2026-11-29").stdout)
    assert "transfusions" in data["hospice"]["patient_text"]
    assert {a["rule"] for a in data["alerts"]} >= {"red-cells", "pain", "nausea-appetite"}


def test_units_work_from_standard_input() -> None:
    facts = ('{"symptoms": {"temperature_c": {"value": 101.2, "unit": "[degF]"}, '
             '"anc_per_ul": {"value": 0.3, "unit": "10*9/L"}}}')
    r = run("care", "-", "--format", "json", "--as-of", "2026-11-29", stdin=facts)
    assert r.returncode == 0, r.stderr
    alert = json.loads(r.stdout)["alerts"][0]
    assert alert["clinician_text"].startswith("T 38.44 °C, ANC 300/µL -> febrile neutropenia")


def test_an_ambiguous_value_exits_2_naming_the_field_and_units() -> None:
    r = run("care", "-", stdin='{"symptoms": {"anc_per_ul": 0.3}}')
    assert r.returncode == 2
    assert "symptoms.anc_per_ul: 0.3 is not a whole number of cells per µL" in r.stderr
    assert "'10*9/L'" in r.stderr
    assert "Traceback" not in r.stderr


def test_assess_json_carries_the_same_care_result() -> None:
    assess = json.loads(run("assess", FN, "--format", "json", "--as-of", "2026-11-29").stdout)
    care = json.loads(run("care", FN, "--format", "json", "--as-of", "2026-11-29").stdout)
    assert assess["care"] == care
    fn_option = next(o for o in assess["options"] if o["id"] == "febrile-neutropenia-emergency")
    assert fn_option["urgent"] is True


def test_assess_text_and_markdown_have_a_care_section() -> None:
    text = run("assess", FN, "--as-of", "2026-11-29").stdout
    assert "When to call your care team right away" in text
    assert "[emergency] T 38.6 °C, ANC 200/µL" in text
    md = run("assess", FN, "--format", "markdown", "--as-of", "2026-11-29").stdout
    assert "## Care: symptom relief and safety alerts" in md
    assert "### When to call your care team right away" in md
    assert "- You cannot keep fluids or medicines down." in md
    assert "- Your temperature is 38.0 °C (100.4 °F) or higher." not in md


def test_care_markdown_stands_alone() -> None:
    r = run("care", COMFORT, "--format", "markdown", "--as-of", "2026-11-29")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# ALL Navigator care (2026-11-29)")
    assert "### Hospice, when the goal is comfort" in r.stdout

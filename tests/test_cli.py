"""The command line as a user runs it: real processes, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from allnav.pathway import default_pathway_path

from .conftest import ROOT

EXAMPLE = "examples/patients/first-relapse-cd19-positive.yaml"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "allnav", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, check=False, env={**os.environ, "COLUMNS": "120"})


def test_assess_text_groups_by_verdict_with_reasons_and_sources() -> None:
    r = run("assess", EXAMPLE, "--as-of", "2026-11-29")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.index("Suitable now") < out.index("Possible") < out.index("Not suitable now")
    assert "Blinatumomab" in out and "Sources: TOWER" in out
    assert "Would change with: response_to_latest_treatment" in out
    assert "supports decisions; it does not make them" in out


def test_assess_json_has_the_documented_shape() -> None:
    r = run("assess", EXAMPLE, "--format", "json", "--as-of", "2026-11-29")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) >= {"pathway", "as_of", "options", "missing_facts", "issues"}
    assert set(data["pathway"]) == {"id", "version", "last_reviewed"}
    assert data["as_of"] == "2026-11-29"
    blin = next(o for o in data["options"] if o["id"] == "blinatumomab")
    assert set(blin) >= {"id", "title", "status", "urgent", "reasons", "missing_facts", "evidence"}
    assert blin["status"] == "suitable"
    reason = next(r for r in blin["reasons"] if r["criterion"] == "crit.cd19_positive")
    assert reason == {**reason, "outcome": "true", "facts": {"cd19": "positive"}}
    assert blin["evidence"][0]["id"] == "ev.tower-2017" and blin["evidence"][0]["url"].startswith("http")


def test_assess_reads_standard_input_as_markdown() -> None:
    facts = json.dumps({"lineage": "T", "disease_status": "relapsed", "relapse_count": 1})
    r = run("assess", "-", "--format", "markdown", stdin=facts)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# ALL Navigator assessment")
    assert "### Nelarabine-based therapy" in r.stdout
    assert "[Nelarabine label" in r.stdout


def test_as_of_in_the_facts_is_used() -> None:
    r = run("assess", "-", "--format", "json", stdin='{"as_of": "2025-06-01"}')
    assert json.loads(r.stdout)["as_of"] == "2025-06-01"


@pytest.mark.parametrize(("stdin", "expected"), [
    ('{"cd19_staus": "positive"}', "cd19_staus: unknown field 'cd19_staus' (did you mean 'cd19'?)"),
    ('{"ecog": 9}', "ecog: 9 is outside the possible range; must be a whole number from 0 to 4"),
    ('{"symptoms": {"temperature_c": 3.8}}', "symptoms.temperature_c: 3.8 is outside the possible range"),
    ('{"lineage": "B", ', "standard input is not valid JSON or YAML"),
    ("[1, 2]", "patient facts must be an object"),
    ("", "standard input is empty"),
])
def test_bad_input_exits_2_with_a_clear_message(stdin: str, expected: str) -> None:
    r = run("assess", "-", stdin=stdin)
    assert r.returncode == 2
    assert expected in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_missing_file_exits_2() -> None:
    r = run("assess", "no-such-patient.yaml")
    assert r.returncode == 2
    assert "file not found: no-such-patient.yaml" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_option_value_is_a_usage_error() -> None:
    r = run("assess", EXAMPLE, "--format", "pdf")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_pathway_lint_passes_on_the_shipped_knowledge() -> None:
    r = run("pathway", "lint", "--as-of", "2026-11-29")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK:" in r.stdout and "0 stale review(s)" in r.stdout


def test_pathway_lint_reports_stale_reviews() -> None:
    r = run("pathway", "lint", "--as-of", "2028-01-01")
    assert r.returncode == 0
    assert "stale review: pathway allnav.rr-all-adult" in r.stdout
    assert "stale review: ev.tower-2017" in r.stdout


def test_pathway_lint_fails_with_path_on_a_broken_file(tmp_path: Path) -> None:
    doc = yaml.safe_load(default_pathway_path().read_text(encoding="utf-8"))
    i = next(i for i, c in enumerate(doc["criteria"]) if c["id"] == "crit.cd19_positive")
    doc["criteria"][i]["test"]["fact"] = "cd19_staus"
    broken = tmp_path / "pathway.yaml"
    broken.write_text(yaml.safe_dump(doc), encoding="utf-8")
    evidence = default_pathway_path().with_name("evidence.yaml")
    r = run("pathway", "lint", "--pathway", str(broken), "--evidence", str(evidence))
    assert r.returncode == 1
    assert f"pathway.yaml: criteria[{i}].test.fact: unknown fact 'cd19_staus' (did you mean 'cd19'?)" in r.stdout


def test_pathway_show_prints_the_tree_with_ids() -> None:
    r = run("pathway", "show", "--criteria")
    assert r.returncode == 0, r.stderr
    for node in ("sit.primary_refractory", "[blinatumomab]", "requires crit.cd19_positive",
                 "urgent when crit.fever_neutropenia_not_ruled_out", "crit.fever", "not ruled out"):
        assert node in r.stdout, node


def test_help_lists_the_commands() -> None:
    r = run("--help")
    assert r.returncode == 0
    assert "assess" in r.stdout and "pathway" in r.stdout

"""``allnav facts`` and ``allnav assess`` on FHIR input, end to end through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from allnav.cli import app

DATA = Path(__file__).parent / "data" / "fhir"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_facts_json_shows_provenance() -> None:
    code, out = run("facts", str(DATA / "adult-relapsed-cd19-b-all.bundle.json"),
                    "--as-of", "2026-11-29", "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["facts"]["cd19"] == "positive"
    assert data["fact_sources"]["cd19"] == {
        "system": "FHIR", "reference": "Observation/rr-ball-1-immuno", "element": "valueString",
        "recorded": "2026-11-18"}
    assert data["fact_sources"]["mrd"]["stale"] is True
    assert set(data["facts"]) == set(data["fact_sources"])


def test_facts_text_table_names_resources_and_warnings() -> None:
    code, out = run("facts", str(DATA / "mcode-breast-invalid-observations.bundle.json"),
                    "--as-of", "2026-11-29")
    assert code == 0, out
    assert "age_years" in out
    assert "no acute lymphoblastic leukemia diagnosis found in the Bundle" in " ".join(out.split())
    assert out.count("is not valid FHIR") == 3


def test_assess_bundle_json_includes_fact_sources_and_issues() -> None:
    code, out = run("assess", str(DATA / "febrile-neutropenia.bundle.json"),
                    "--as-of", "2026-11-29", "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["facts"]["symptoms.anc_per_ul"] == 300
    assert data["fact_sources"]["symptoms.temperature_c"]["reference"] == "Observation/fn-1-temp"
    assert "fhir_out_of_range" in {i["type"] for i in data["issues"]}


def test_assess_ndjson() -> None:
    code, out = run("assess", str(DATA / "febrile-neutropenia.ndjson"), "--as-of", "2026-11-29",
                    "--format", "json")
    assert code == 0, out
    assert json.loads(out)["facts"]["symptoms.temperature_c"] == 38.6


def test_assess_two_patients_exits_2(tmp_path: Path) -> None:
    bundle = json.loads((DATA / "febrile-neutropenia.bundle.json").read_text(encoding="utf-8"))
    second = json.loads(json.dumps(bundle["entry"][0]))
    second["resource"]["id"] = "another"
    bundle["entry"].append(second)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    # Through the real entry point, which turns InputError into exit code 2 and a message.
    proc = subprocess.run([sys.executable, "-c", "from allnav.cli import main; main()", "assess",
                           str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "2 different Patient resources" in proc.stderr
    assert "Traceback" not in proc.stderr

"""Population screening with the embedded engine: one code path with ``allnav assess``,
the report files, malformed lines, other diseases, the worklists."""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from allnav.cli import app
from allnav.interop.fhir_codes import default_codes_path
from allnav.screening.embedded import screen_embedded
from allnav.screening.export import find_export
from allnav.screening.patient import ScreenContext, has_goals_of_care_record
from allnav.screening.synth import STATES, write_bulk_export
from allnav.screening.synth_codes import OTHER_DIAGNOSES
from allnav.trials.files import iter_records
from allnav.trials.store import TrialStore, import_studies
from tests.conftest import BAD_LINES, SCREEN_AS_OF

runner = CliRunner()
STUDIES = Path(__file__).resolve().parent / "data" / "trials" / "studies"


def _rows(report: Path) -> dict[str, dict[str, Any]]:
    lines = (report / "assessments.ndjson").read_text(encoding="utf-8").splitlines()
    return {r["patient"]: r for r in map(json.loads, lines)}


def _patient_lines(export: Path) -> dict[str, list[str]]:
    """Every patient's lines in file order, read without any engine."""
    out: dict[str, list[str]] = defaultdict(list)
    for f in sorted(export.glob("*.ndjson.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                res = json.loads(line)
                pid = res["id"] if res["resourceType"] == "Patient" else \
                    res["subject"]["reference"].split("/")[-1]
                out[pid].append(line.rstrip("\n"))
    return out


def _states() -> dict[str, str]:
    """Patient -> synthetic state, re-derived from the generator with the same seed."""
    import random

    from allnav.screening import synth

    rng = random.Random(7)
    states, weights = list(STATES), list(STATES.values())
    out: dict[str, str] = {}
    for i in range(400):
        p = synth._Patient(f"p{i:07d}", rng, SCREEN_AS_OF, lambda r: None)
        kind = synth._all(p, rng.choices(states, weights)[0]) if rng.random() * 100 < 25 else synth._other(p)
        out[p.pid] = kind
    return out


def test_screen_gives_what_allnav_assess_gives_for_each_patient(
        bulk_export: tuple[Path, Any], embedded_report: tuple[Path, Any], tmp_path: Path) -> None:
    export, _ = bulk_export
    rows = _rows(embedded_report[0])
    lines = _patient_lines(export)
    states = _states()
    # One patient of every state (and the rest of the rows once more through the core path).
    picked: dict[str, str] = {}
    for pid, state in sorted(states.items()):
        if state != "no-leukemia":
            picked.setdefault(state, pid)
    assert set(picked) == set(STATES), "the test export holds every ALL state"
    for state, pid in sorted(picked.items()):
        path = tmp_path / f"{pid}.ndjson"
        path.write_text("\n".join(lines[pid]) + "\n", encoding="utf-8")
        res = runner.invoke(app, ["assess", str(path), "--format", "json", "--as-of", SCREEN_AS_OF.isoformat()])
        assert res.exit_code == 0, res.output
        a = json.loads(res.stdout)
        expected = {
            "patient": pid, "as_of": a["as_of"],
            "options": [{"id": o["id"], "status": o["status"], "urgent": o["urgent"]} for o in a["options"]],
            "missing_facts": [m["fact"] for m in a["missing_facts"]],
            "care_alerts": [{"rule": al["rule"], "level": al["level"]} for al in a["care"]["alerts"]],
            "issues": [{"type": p["type"], "severity": p["severity"], "msg": p["msg"]} for p in a["issues"]],
        }
        assert rows[pid] == expected, state


def test_every_patient_with_all_has_a_row_and_the_others_are_counted(
        bulk_export: tuple[Path, Any], embedded_report: tuple[Path, Any]) -> None:
    _, synth_report = bulk_export
    report, summary = embedded_report
    rows = _rows(report)
    with_all = synth_report.patients - synth_report.by_state["no-leukemia"]
    assert len(rows) == with_all == summary["patients"]["with_all"]
    assert summary["patients"]["other_disease_skipped"] == synth_report.by_state["no-leukemia"]
    assert summary["patients"]["in_export"] == synth_report.patients
    assert list(rows) == sorted(rows), "assessments.ndjson is in patient order"
    first = next(iter(rows.values()))
    assert set(first) == {"patient", "as_of", "options", "missing_facts", "care_alerts", "issues"}
    assert set(first["options"][0]) == {"id", "status", "urgent"}


def test_malformed_lines_are_reported_by_file_and_line_and_the_run_goes_on(
        embedded_report: tuple[Path, Any]) -> None:
    _, summary = embedded_report
    e = summary["export"]
    assert e["malformed_lines"] == 4
    assert e["malformed_listed"] == [
        {"file": "Extra.000.ndjson", "line": 1, "reason": "not valid JSON"},
        {"file": "Extra.000.ndjson", "line": 3, "reason": "not a FHIR resource (no resourceType)"},
        {"file": "Extra.000.ndjson", "line": 4, "reason": "not a FHIR resource (no resourceType)"},
        {"file": "Extra.000.ndjson", "line": 6, "reason": "not valid JSON"},
    ]
    assert e["unattributed_resources"] == {"Medication": 1}


def test_every_line_is_read_and_an_absolute_versioned_reference_finds_its_patient(
        bulk_export: tuple[Path, Any], embedded_report: tuple[Path, Any]) -> None:
    _, synth_report = bulk_export
    _, summary = embedded_report
    total = sum(synth_report.lines.values()) + len(BAD_LINES) - 1  # the blank line is skipped
    assert summary["export"]["lines_read"] == total
    # The odd file's Observation names p0000001 by an absolute, versioned URL: it is counted
    # with that patient, neither as unattributed nor as a patient of its own.
    assert "Observation" not in summary["export"]["unattributed_resources"]
    assert summary["patients"]["in_export"] == synth_report.patients


def test_worklists_name_the_right_patients(embedded_report: tuple[Path, Any]) -> None:
    report, summary = embedded_report
    states = _states()
    with (report / "worklists.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_list: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_list[r["list"]].add(r["patient"])
    fever = {p for p, s in states.items() if s == "febrile-neutropenia"}
    assert fever and fever <= by_list["urgent"], "every fever with neutropenia is on the urgent list"
    comfort = {p for p, s in states.items() if s == "comfort-goals"}
    assert comfort and not comfort & by_list["no-goals-of-care"], "a goals-of-care CarePlan counts"
    assert by_list["no-goals-of-care"], "relapsed patients without one are listed"
    remission = {p for p, s in states.items() if s == "remission"}
    assert not remission & by_list["no-goals-of-care"], "only relapsed patients"
    t315i_untested = [r for r in rows if r["list"] == "missing-test" and "abl1_mutations" in r["reason"]]
    assert all(states[r["patient"]] in ("ph-positive",) for r in t315i_untested)
    assert {"urgent", "missing-test", "no-goals-of-care"} <= set(by_list)
    for name, w in summary["worklists"].items():
        assert w["patients"] == len(by_list[name])


def test_report_html_shows_counts_plots_and_no_birth_dates(bulk_export: tuple[Path, Any],
                                                           embedded_report: tuple[Path, Any]) -> None:
    export, _ = bulk_export
    report, summary = embedded_report
    html = (report / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "Options by status" in html and "Missing facts by frequency" in html
    assert f"{summary['patients']['with_all']:,}" in html
    with gzip.open(next(export.glob("Patient.*.ndjson.gz")), "rt", encoding="utf-8") as f:
        births = [json.loads(line)["birthDate"] for line in f]
    assert not [b for b in births if b in html]
    saved = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert saved["patients"] == summary["patients"]


def test_synthetic_export_is_reproducible_from_its_seed(tmp_path: Path) -> None:
    a = write_bulk_export(tmp_path / "a", 60, seed=3)
    b = write_bulk_export(tmp_path / "b", 60, seed=3)
    write_bulk_export(tmp_path / "c", 60, seed=4)
    read = lambda d, n: (d / n).read_bytes()  # noqa: E731
    names = [p.name for p in a.files] + ["manifest.json"]
    assert [read(tmp_path / "a", n) for n in names] == [read(tmp_path / "b", n) for n in names]  # type: ignore[no-untyped-call]
    assert read(tmp_path / "a", "Patient.000.ndjson.gz") != read(tmp_path / "c", "Patient.000.ndjson.gz")  # type: ignore[no-untyped-call]
    assert b.by_state == a.by_state


def test_synthetic_export_uses_only_codes_from_the_code_list(bulk_export: tuple[Path, Any]) -> None:
    export, _ = bulk_export
    book = yaml.safe_load(default_codes_path().read_text(encoding="utf-8"))
    systems = book["systems"]
    known: set[tuple[str, str]] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            if "system" in node and "code" in node and node["system"] in systems:
                known.add((systems[node["system"]], str(node["code"])))
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    collect(book)
    known |= {("http://hl7.org/fhir/sid/icd-10-cm", code) for code, _ in OTHER_DIAGNOSES}
    known |= {("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
              ("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed")}
    used: set[tuple[str, str]] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "system" in node and "code" in node and node["system"] != "http://unitsofmeasure.org":
                used.add((node["system"], node["code"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for f in export.glob("*.ndjson.gz"):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                walk(json.loads(line))
    assert used and used <= known, sorted(used - known)


def test_the_population_has_every_state_and_mostly_no_leukemia(tmp_path: Path) -> None:
    r = write_bulk_export(tmp_path, 3000, seed=11, gzipped=False)
    assert set(r.by_state) == {*STATES, "no-leukemia"}
    assert 0.02 < 1 - r.by_state["no-leukemia"] / 3000 < 0.045
    per_patient_all = (r.lines["Observation"]) / 3000
    assert per_patient_all > 5


def test_goals_of_care_record() -> None:
    plan = b'{"resourceType":"CarePlan","id":"c","category":[{"text":"Goals of care"}],"subject":{}}'
    chemo = b'{"resourceType":"CarePlan","id":"c","title":"Chemotherapy cycle 2","subject":{}}'
    goal = b'{"resourceType":"Goal","id":"g","subject":{}}'
    assert has_goals_of_care_record([plan]) and has_goals_of_care_record([goal])
    assert not has_goals_of_care_record([chemo]) and not has_goals_of_care_record([])


def test_open_trials_from_the_store_give_the_trial_worklist(bulk_export: tuple[Path, Any],
                                                            tmp_path: Path) -> None:
    store = tmp_path / "trials.sqlite"
    import_studies(store, iter_records([STUDIES]))
    with TrialStore(store) as ts:
        studies = tuple(ts.candidates())
    assert studies
    summary = screen_embedded(find_export(bulk_export[0]), tmp_path / "r",
                              ScreenContext(SCREEN_AS_OF, studies), workers=1)
    assert summary["trials"]["open_in_store"] == len(studies)
    by_trial = summary["trials"]["candidates_by_trial"]
    assert by_trial and set(by_trial) <= {s.nct_id for s in studies}
    assert summary["worklists"]["trial"]["patients"] > 0


def test_cli_synth_then_screen(tmp_path: Path) -> None:
    res = runner.invoke(app, ["synth", "bulk", "--patients", "150", "--all-percent", "20",
                              "--out", str(tmp_path / "export")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["screen", str(tmp_path / "export" / "manifest.json"), "--out",
                              str(tmp_path / "report"), "--workers", "1", "--no-trials"])
    assert res.exit_code == 0, res.output
    assert "as of 2026-12-01" in res.stdout, "the date is the export's transactionTime"
    for name in ("assessments.ndjson", "worklists.csv", "summary.json", "report.html"):
        assert (tmp_path / "report" / name).stat().st_size > 0


@pytest.mark.parametrize(("args", "message"), [
    (["screen", "{tmp}/nowhere", "--out", "{tmp}/r"], "not found"),
    (["screen", "{tmp}", "--out", "{tmp}/r", "--master", "local[2]"], "--master: needs --engine spark"),
    (["screen", "{tmp}", "--out", "{tmp}/r"], "holds no NDJSON files"),
    (["screen", "{tmp}", "--out", "{tmp}/r", "--trials", "{tmp}/none.sqlite"], "no trial store"),
])
def test_cli_screen_bad_input_is_a_clear_error(tmp_path: Path, args: list[str], message: str) -> None:
    import subprocess
    import sys

    if "--trials" in args:
        (tmp_path / "x.ndjson").write_text('{"resourceType": "Patient", "id": "a"}\n', encoding="utf-8")
    cmd = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = subprocess.run([sys.executable, "-m", "allnav", *cmd], capture_output=True, text=True, check=False)
    assert res.returncode == 2, res.stderr
    said = " ".join(res.stderr.split())  # rich wraps long lines
    assert message in said and "Traceback" not in said


def test_manifest_with_web_addresses_is_refused(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"transactionTime": "2026-12-01T00:00:00Z",
         "output": [{"type": "Patient", "url": "https://ehr.example.org/files/1.ndjson"}]}), encoding="utf-8")
    with pytest.raises(Exception, match="web address") as err:
        find_export(tmp_path)
    assert "output" in str(err.value.problems[0].loc)  # type: ignore[attr-defined]


def test_only_an_all_condition_makes_a_patient_screened_however_it_is_spelled() -> None:
    from allnav.screening.patient import screen_patient

    ctx = ScreenContext(SCREEN_AS_OF)
    patient = b'{"resourceType": "Patient", "id": "x", "birthDate": "1980-01-01"}'
    # An Observation that names the disease is not a diagnosis.
    note = (b'{"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": '
            b'"B lymphoblastic leukemia"}, "subject": {"reference": "Patient/x"}}')
    condition = ('{"resourceType": "Condition", "id": "c", "code": {"coding": [{"system": '
                 '"http://snomed.info/sct", "code": "91857003"}]}, "subject": {"reference": "Patient/x"}}')
    escaped = condition.replace('"Condition"', '"\\u0043ondition"')
    kind = lambda lines: json.loads(screen_patient("x", lines, ctx))["kind"]  # noqa: E731
    assert kind([patient, note]) == "other-disease"  # type: ignore[no-untyped-call]
    assert kind([patient, note, condition]) == "all"  # type: ignore[no-untyped-call]
    assert kind([patient, note, escaped]) == "all"  # type: ignore[no-untyped-call]
    assert kind([note]) == "other-disease"  # type: ignore[no-untyped-call]

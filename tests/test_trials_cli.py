"""``allnav trials`` end to end, as a user runs it (a subprocess; no network)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data" / "trials"
PATIENT = DATA / "patients" / "b-all-first-relapse.yaml"
DISCLAIMER = "Talk with your care team and the study team; eligibility is decided by the study."


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLNAV_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "allnav", "trials", *args], input=stdin,
                          capture_output=True, text=True, env=env, check=False, timeout=120)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("allnav-home")
    out = run(home, "import", str(DATA / "studies"), str(DATA / "NCT02513394.trimmed.json"))
    assert out.returncode == 0, out.stderr
    assert "now holds 20 studies, 19 of them in ALL" in " ".join(out.stdout.split())
    assert (home / "trials.sqlite").is_file()  # $ALLNAV_HOME/trials.sqlite by default
    return home


def test_match_text_lists_fitting_trials_near_a_place(home: Path) -> None:
    out = run(home, "match", str(PATIENT), "--near", "Houston, TX", "--within-km", "500")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Recruiting now" in text and "Not yet recruiting" in text
    assert "[NCT90000001]" in text and "phase 2, recruiting" in text
    assert "Nearest site: M D Anderson Cancer Center, Houston, Texas, United States - 0 km" in text
    assert "Fits every criterion checked" in text
    assert '"CD19-positive disease by flow cytometry at screening."' in text  # quoted sentence
    assert "Ask the study team:" in text
    assert "[NCT90000006]" not in text  # sites in Italy and Germany only
    assert DISCLAIMER in " ".join(text.split())


def test_match_json_is_ranked_and_documented_shape(home: Path) -> None:
    out = run(home, "match", str(PATIENT), "--format", "json", "--near", "Texas")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["format"] == "allnav-trials/1" and DISCLAIMER in data["disclaimer"]
    assert data["near"] == {"query": "Texas", "resolved": "Texas, United States", "kind": "state",
                            "within_km": None}
    ranks = [t["rank"] for t in data["trials"]]
    assert ranks == list(range(1, len(ranks) + 1))
    assert data["trials"][0]["fit"] == "eligible"
    groups = [t["group"] for t in data["trials"]]
    assert groups == sorted(groups, key=["recruiting", "not-yet-recruiting"].index)
    assert data["excluded"] == []


def test_asking_for_a_study_explains_why_it_is_ruled_out(home: Path) -> None:
    out = run(home, "match", str(PATIENT), "--nct", "NCT02513394", "--format", "json")
    assert out.returncode == 0, out.stderr
    (ruled_out,) = json.loads(out.stdout)["excluded"]
    assert ruled_out["fit"] == "not-eligible"
    assert any("not a study of acute lymphoblastic leukemia" in r for r in ruled_out["exclusions"])


def test_show_excluded_gives_reasons(home: Path) -> None:
    out = run(home, "match", str(PATIENT), "--show-excluded")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "Ruled out" in text
    assert "not open to new patients (status: completed)" in text
    assert "the study is for ages 1 Year to 17 Years; the patient is 45" in text


def test_patient_from_standard_input(home: Path) -> None:
    out = run(home, "match", "-", "--format", "json", stdin=PATIENT.read_text(encoding="utf-8"))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["trials"]


@pytest.mark.parametrize(("args", "message"), [
    (["match", "missing.yaml"], "file not found"),
    (["match", str(PATIENT), "--within-km", "50"], "needs --near"),
    (["match", str(PATIENT), "--near", "Houston", "--within-km", "-5"], "above 0"),
    (["match", str(PATIENT), "--near", "Atlantis"], "no study site in the trial store is in"),
    (["match", str(PATIENT), "--near", "Springfield"], "more than one place"),
    (["match", str(PATIENT), "--nct", "NCT99999999"], "not in the trial store: NCT99999999"),
    (["import", "no/such/folder"], "no such file or folder"),
])
def test_bad_input_exits_2_with_a_clear_message(home: Path, args: list[str], message: str) -> None:
    out = run(home, *args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert message in " ".join(out.stderr.split())
    assert "Traceback" not in out.stderr


def test_bad_patient_value_exits_2(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("age_years: 45\nsex: unknown-value\n", encoding="utf-8")
    out = run(home, "match", str(bad))
    assert out.returncode == 2
    assert "sex" in out.stderr and "'female', 'male'" in out.stderr


def test_no_store_yet_is_a_clear_message(tmp_path: Path) -> None:
    out = run(tmp_path, "match", str(PATIENT))
    assert out.returncode == 2
    assert "no trial store at" in out.stderr and "allnav trials import" in out.stderr


def test_explicit_store_option(home: Path, tmp_path: Path) -> None:
    store = tmp_path / "elsewhere.sqlite"
    out = run(home, "import", "--store", str(store), str(DATA / "studies" / "NCT90000001.json"))
    assert out.returncode == 0, out.stderr
    data = json.loads(run(home, "match", str(PATIENT), "--store", str(store), "--format",
                          "json").stdout)
    assert [t["nct_id"] for t in data["trials"]] == ["NCT90000001"]


def test_every_json_key_is_documented(home: Path) -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "trials.md").read_text(encoding="utf-8")
    out = run(home, "match", str(PATIENT), "--format", "json", "--near", "Houston, TX",
              "--nct", "NCT90000001", "--nct", "NCT02513394")
    data = json.loads(out.stdout)
    trial = data["trials"][0]
    keys = (set(data) | set(data["store"]) | set(data["near"]) | set(data["counts"]) | set(trial)
            | set(trial["nearest_site"]) | set(trial["criteria"][0]) | set(data["excluded"][0]))
    assert sorted(k for k in keys if f'"{k}"' not in doc) == []

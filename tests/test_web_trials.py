"""The trials section of the results page and the clinician view (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from allnav.trials.files import iter_records
from allnav.trials.store import import_studies
from allnav.web.app import create_app
from allnav.web.settings import Settings

from .conftest import AS_OF
from .test_web_pages import Browserless, post

DATA = Path(__file__).resolve().parent / "data" / "trials"
ANSWERS = [("age_years", "45"), ("sex", "female"), ("lineage", "B"), ("ph_status", "negative"),
           ("cd19", "positive"), ("cd22", "positive"), ("disease_status", "relapsed"),
           ("relapse_count", "1"), ("relapse_sites", "bone-marrow"),
           ("prior_treatments", "intensive-chemotherapy"), ("ecog", "1")]


@pytest.fixture(scope="module")
def client() -> Browserless:
    app: FastAPI = create_app(Settings(today=lambda: AS_OF))
    return Browserless(app)


def _section(html: str) -> str:
    start = html.index('<section id="trials"')
    return html[start:html.index("</section>", start)]


def test_without_a_store_the_real_sample_shows_and_says_how_to_fill_one(
        client: Browserless, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLNAV_HOME", str(tmp_path))
    r = post(client, "/results", ANSWERS)
    assert r.status_code == 200
    part = _section(r.text)
    assert "allnav trials update" in part and "closed now" in part
    assert "https://clinicaltrials.gov/study/NCT00144963" in part  # a real sample study
    assert "Closed to new patients." in part
    assert "Fits every criterion checked" in part  # P1-like answers fit NCT00144963's rules
    assert 'href="#trials"' in r.text


def test_with_a_store_trials_near_a_place_with_reasons_and_questions(
        client: Browserless, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLNAV_HOME", str(tmp_path))
    import_studies(tmp_path / "trials.sqlite", iter_records([DATA / "studies"]))
    r = post(client, "/results", [*ANSWERS, ("trials_near", "Houston, TX"), ("trials_km", "500")])
    assert r.status_code == 200
    part = _section(r.text)
    assert '<option value="Houston, Texas, United States">' in part  # the store's own places
    assert 'value="Houston, TX"' in part and '<option value="500" selected>' in part
    assert "Nearest site:" in part and "km away" in part
    assert "https://clinicaltrials.gov/study/NCT9" in part
    assert "What was checked" in part and "Met" in part
    assert "closed now" not in part
    # Unknowns come with a question for the study team.
    assert "Ask the study team:" in part
    # Answers go on in the place form's hidden fields, never in a URL.
    assert 'name="age_years" value="45"' in part and "?age_years" not in r.text


def test_a_place_no_site_is_in_is_said_not_a_crash(
        client: Browserless, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLNAV_HOME", str(tmp_path))
    import_studies(tmp_path / "trials.sqlite", iter_records([DATA / "studies"]))
    r = post(client, "/results", [*ANSWERS, ("trials_near", "Atlantis"), ("trials_km", "50")])
    assert r.status_code == 200
    part = _section(r.text)
    assert 'role="alert"' in part and "Atlantis" in part


def test_a_damaged_store_is_said_and_the_results_still_show(
        client: Browserless, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLNAV_HOME", str(tmp_path))
    (tmp_path / "trials.sqlite").write_bytes(b"not a database at all" * 100)
    r = post(client, "/results", ANSWERS)
    assert r.status_code == 200 and "What matters most to you" in r.text
    part = _section(r.text)
    assert "could not be read" in part and "allnav trials update" in part


def test_the_clinician_view_shows_the_study_text_behind_each_reading(
        client: Browserless, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLNAV_HOME", str(tmp_path))
    r = post(client, "/clinician", ANSWERS)
    assert r.status_code == 200
    part = _section(r.text)
    assert "<q>" in part and "Study text" in part and "<code>" in part
    assert 'action="/clinician#trials"' not in part  # the sample has no place box

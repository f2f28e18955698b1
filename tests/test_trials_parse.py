"""Reading ClinicalTrials.gov API v2 records: the real format, every module optional."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from allnav.facts import Facts
from allnav.trials.ctgov import is_all_study, mesh_number, parse_age, parse_study, study_records
from allnav.trials.match import match_study

DATA = Path(__file__).resolve().parent / "data" / "trials"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "ctgov" / "NCT02513394.json"


def _real() -> dict[str, object]:
    data = json.loads((DATA / "NCT02513394.trimmed.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_real_record_parses_with_its_fields() -> None:
    study, problems = parse_study(_real())
    assert study is not None
    assert problems == []
    assert study.nct_id == "NCT02513394"
    assert study.title == "PALbociclib CoLlaborative Adjuvant Study"
    assert study.acronym == "PALLAS"
    assert study.status == "ACTIVE_NOT_RECRUITING"
    assert study.phases == ("PHASE3",)
    assert study.min_age is not None and study.min_age.years == 18
    assert study.max_age is None  # absent maximumAge = no upper limit
    assert study.sex == "ALL"
    assert study.last_update == "2023-06-15"
    assert study.mesh_terms == ("Breast Neoplasms",)
    assert not study.is_all
    houston = [s for s in study.sites if s.city == "Houston"]
    assert houston and houston[0].lat == pytest.approx(29.76328)
    # Two kept sites have no geoPoint: they parse, without a position.
    assert sum(s.lat is None for s in study.sites) == 2


def test_real_breast_record_is_ruled_out_for_an_all_patient_with_the_reason() -> None:
    study, _ = parse_study(_real())
    assert study is not None
    m = match_study(study, Facts(age_years=45, lineage="B", disease_status="relapsed"))
    assert m.fit == "not-eligible"
    assert any("not a study of acute lymphoblastic leukemia" in r and "Breast Cancer" in r
               and "Breast Neoplasms" in r for r in m.exclusions)
    assert any("not open to new patients" in r for r in m.exclusions)


@pytest.mark.skipif(not SHARED.is_file(), reason="../shared/data is not beside this checkout")
def test_full_real_record_from_shared_parses_all_437_sites() -> None:
    study, problems = parse_study(json.loads(SHARED.read_text(encoding="utf-8")))
    assert study is not None and problems == []
    assert len(study.sites) == 437
    assert sum(s.lat is not None for s in study.sites) == 435  # two sites lack a geoPoint


@pytest.mark.parametrize("module", ["identificationModule", "statusModule", "eligibilityModule",
                                    "contactsLocationsModule", "designModule", "conditionsModule",
                                    "armsInterventionsModule", "sponsorCollaboratorsModule"])
def test_each_module_is_optional(module: str) -> None:
    record = copy.deepcopy(_real())
    ps = record["protocolSection"]
    assert isinstance(ps, dict)
    nct = ps["identificationModule"]["nctId"]
    del ps[module]
    if module == "identificationModule":
        ps["identificationModule"] = {"nctId": nct}  # the one field a record cannot lack
    study, problems = parse_study(record)
    assert study is not None and study.nct_id == "NCT02513394"
    assert [p for p in problems if p.severity == "error"] == []


def test_record_with_only_an_id_parses_as_unknown_everything() -> None:
    study, problems = parse_study({"protocolSection": {"identificationModule": {"nctId": "NCT90000099"}}})
    assert study is not None and problems == []
    assert (study.title, study.status, study.sex) == ("NCT90000099", "UNKNOWN", "ALL")
    assert study.criteria == () and study.sites == () and study.min_age is None


@pytest.mark.parametrize(("record", "what"), [
    ([], "JSON object"),
    ({}, "protocolSection"),
    ({"protocolSection": {"statusModule": {}}}, "no NCT id"),
    ({"protocolSection": {"identificationModule": {"nctId": "12345"}}}, "not an NCT id"),
])
def test_records_without_a_usable_id_are_refused_with_a_reason(record: object, what: str) -> None:
    study, problems = parse_study(record, "bad.json")
    assert study is None
    assert len(problems) == 1 and what in problems[0].msg and problems[0].loc[0] == "bad.json"


@pytest.mark.parametrize(("raw", "maximum", "years"), [
    ("18 Years", False, 18.0), ("18 Years", True, 19.0), ("75 years", True, 76.0),
    ("6 Months", False, 0.5), ("18 Months", False, 1.5), ("18 Months", True, 19 / 12),
    ("1 Year", False, 1.0), ("4 Weeks", False, 4 / 52.1775), ("30 Days", True, 31 / 365.25),
])
def test_age_strings(raw: str, maximum: bool, years: float) -> None:
    limit, problems = parse_age(raw, ("maximumAge",), maximum=maximum)
    assert problems == []
    assert limit is not None and limit.years == pytest.approx(years, abs=1e-3)
    assert limit.text == raw


@pytest.mark.parametrize("raw", [None, "N/A", "n/a", "", "  "])
def test_missing_ages_mean_no_limit(raw: object) -> None:
    assert parse_age(raw, ("minimumAge",), maximum=False) == (None, [])


@pytest.mark.parametrize("raw", ["eighteen", "18", "18 Decades", 18, "-5 Years"])
def test_odd_ages_are_a_warning_and_no_limit(raw: object) -> None:
    limit, problems = parse_age(raw, ("eligibilityModule", "minimumAge"), maximum=False)
    assert limit is None
    assert len(problems) == 1 and problems[0].severity == "warning"
    assert problems[0].path == "eligibilityModule.minimumAge"


def test_odd_sex_and_geo_are_warnings() -> None:
    record = {"protocolSection": {
        "identificationModule": {"nctId": "NCT90000098"},
        "eligibilityModule": {"sex": "OTHER"},
        "contactsLocationsModule": {"locations": [
            {"city": "Nowhere", "geoPoint": {"lat": 123.0, "lon": 0}}, "not a site"]}}}
    study, problems = parse_study(record)
    assert study is not None and study.sex == "ALL"
    assert {p.type for p in problems} == {"sex", "geo", "site"}
    assert all(p.severity == "warning" for p in problems)
    assert study.sites[0].lat is None


def test_mesh_ids_in_short_and_long_form_are_the_same() -> None:
    assert mesh_number("D054198") == mesh_number("D000054198") == 54198
    assert mesh_number("M4910") is None
    assert is_all_study((), ("D000054198",))
    assert is_all_study((), ("D015452",))  # precursor B-cell child
    assert not is_all_study(("Breast Cancer",), ("D000001943",))


@pytest.mark.parametrize("condition", [
    "Acute Lymphoblastic Leukemia", "acute lymphoblastic leukaemia", "T-ALL", "B-ALL",
    "Precursor B-Cell Lymphoblastic Leukemia-Lymphoma", "Ph+ ALL", "Lymphoblastic Lymphoma"])
def test_all_is_found_in_condition_text(condition: str) -> None:
    assert is_all_study((condition,), ())


@pytest.mark.parametrize("condition", ["Acute Myeloid Leukemia", "Chronic Lymphocytic Leukemia",
                                       "All Solid Tumors", "Breast Cancer"])
def test_other_conditions_are_not_all(condition: str) -> None:
    assert not is_all_study((condition,), ())


def test_study_records_accepts_one_record_a_list_or_an_api_page() -> None:
    one = {"protocolSection": {}}  # type: ignore[var-annotated]
    assert study_records(one) == [one]
    assert study_records([one, one]) == [one, one]
    assert study_records({"studies": [one], "nextPageToken": "x"}) == [one]


def test_every_fixture_is_an_open_or_closed_all_study() -> None:
    statuses = set()
    for path in sorted((DATA / "studies").glob("*.json")):
        study, problems = parse_study(json.loads(path.read_text(encoding="utf-8")), path.name)
        assert study is not None, path
        assert [p for p in problems if p.severity == "error"] == []
        assert study.is_all, path
        assert study.nct_id.startswith("NCT9")  # fictional ids, never a real study's
        statuses.add(study.status)
    assert {"RECRUITING", "NOT_YET_RECRUITING", "COMPLETED", "ACTIVE_NOT_RECRUITING"} <= statuses

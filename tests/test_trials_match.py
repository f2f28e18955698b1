"""Matching: labelled (patient, study) pairs, unknown never excludes, places, ranking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from allnav.facts import Facts
from allnav.facts_reader import read_facts
from allnav.problems import InputError
from allnav.trials.ctgov import parse_study
from allnav.trials.evaluate import judge
from allnav.trials.geo import haversine_km, place_names, resolve_place
from allnav.trials.match import match_study, match_trials
from allnav.trials.model import AgeLimit, Site, Study, TrialCriterion, TrialRequirement
from allnav.trials.report import result_to_dict

DATA = Path(__file__).resolve().parent / "data" / "trials"
LABELS: dict[str, Any] = yaml.safe_load((DATA / "labels.yaml").read_text(encoding="utf-8"))
FLOOR = 0.9


def _load() -> dict[str, Study]:
    out = {}
    for path in sorted((DATA / "studies").glob("*.json")):
        study, _ = parse_study(json.loads(path.read_text(encoding="utf-8")))
        assert study is not None
        out[study.nct_id] = study
    return out


STUDIES = _load()
PATIENTS = {k: read_facts(v)[0] for k, v in LABELS["patients"].items()}


def norm(key: str) -> str:
    base, _, when = key.partition("@")
    return "|".join(sorted(base.split("|"))) + (f"@{when}" if when else "")


def test_labelled_pairs_agree_overall_and_per_criterion() -> None:
    pairs = LABELS["pairs"]
    assert len(pairs) >= 40
    overall = crit_ok = crit_all = 0
    wrong_exclusions = []
    for p in pairs:
        m = match_study(STUDIES[p["trial"]], PATIENTS[p["patient"]])
        overall += m.fit == p["expect"]
        if m.fit == "not-eligible" and p["expect"] != "not-eligible":
            wrong_exclusions.append((p["patient"], p["trial"]))
        got = {norm(j.criterion.key): j.status for j in m.judged}
        for key, status in p["criteria"].items():
            crit_all += 1
            crit_ok += got.get(norm(key)) == status
    assert overall / len(pairs) >= FLOOR
    assert crit_ok / crit_all >= FLOOR
    # The error that costs a patient a trial: ruled out when the labels say it may fit.
    assert wrong_exclusions == []


def test_unknown_facts_never_make_a_criterion_not_met() -> None:
    empty = Facts()
    for study in STUDIES.values():
        for c in study.criteria:
            assert judge(c, empty).status == "unknown", (study.nct_id, c.key)


_FACTS = st.builds(
    Facts,
    age_years=st.none() | st.floats(0, 100),
    sex=st.sampled_from([None, "female", "male"]),
    lineage=st.sampled_from([None, "B", "T"]),
    ph_status=st.sampled_from([None, "positive", "negative"]),
    abl1_mutations=st.none() | st.sampled_from([(), ("T315I",), ("E255K",)]),
    cd19=st.sampled_from([None, "positive", "negative"]),
    disease_status=st.sampled_from([None, "primary-refractory", "relapsed", "remission"]),
    relapse_count=st.none() | st.integers(0, 4),
    relapse_sites=st.none() | st.sampled_from([(), ("bone-marrow",), ("cns",)]),
    prior_treatments=st.none() | st.lists(st.sampled_from(
        ["blinatumomab", "car-t-cell-therapy", "allogeneic-stem-cell-transplant", "tki"]),
        unique=True).map(tuple),
    ecog=st.none() | st.integers(0, 4),
)


@given(_FACTS)
def test_forgetting_a_fact_never_rules_a_study_out(facts: Facts) -> None:
    """Monotone in knowledge: a study that fits or may fit still may fit with less known."""
    from dataclasses import replace

    for study in STUDIES.values():
        before = match_study(study, facts)
        if before.fit == "not-eligible":
            continue
        for name in ("age_years", "sex", "lineage", "ph_status", "cd19", "disease_status",
                     "relapse_count", "prior_treatments", "ecog"):
            after = match_study(study, replace(facts, **{name: None}))  # type: ignore[arg-type]
            assert after.fit != "not-eligible", (study.nct_id, name)


def test_when_condition_does_not_apply_the_criterion_is_met() -> None:
    c = TrialCriterion("inclusion", "Ph+ patients must have had a TKI",
                  (TrialRequirement("prior_tki", "required"),), TrialRequirement("ph", "positive"))
    assert judge(c, Facts(ph_status="negative", prior_treatments=())).status == "met"
    assert judge(c, Facts(ph_status="positive", prior_treatments=())).status == "not-met"
    unknown = judge(c, Facts(prior_treatments=()))
    assert unknown.status == "unknown" and unknown.question


def test_karnofsky_against_ecog_is_unknown_when_the_ranges_overlap() -> None:
    c = TrialCriterion("inclusion", "Karnofsky >= 60", (TrialRequirement("karnofsky", ">=60"),))
    assert judge(c, Facts(ecog=1)).status == "met"        # ECOG 1 = KPS 70-80
    assert judge(c, Facts(ecog=3)).status == "not-met"    # ECOG 3 = KPS 30-40
    mid = judge(c, Facts(ecog=2))                          # ECOG 2 = KPS 50-60
    assert mid.status == "unknown" and mid.question and "Karnofsky" in mid.question


def test_structured_age_and_sex_are_hard_filters_unless_unknown() -> None:
    study = STUDIES["NCT90000016"]  # women 18-40
    assert match_study(study, Facts(age_years=41.5, sex="female")).exclusions
    assert match_study(study, Facts(age_years=40.9, sex="female")).exclusions == ()  # "40 Years"
    assert match_study(study, Facts(age_years=30, sex="male")).exclusions == (
        "the study takes women only",)
    unknown = match_study(study, Facts(disease_status="remission"))
    assert unknown.exclusions == () and unknown.fit == "unknown"
    assert any("How old" in q for q in unknown.questions)
    assert any("women only" in q for q in unknown.questions)


def _site(city: str, state: str | None, country: str, lat: float, lon: float) -> Site:
    return Site("Hospital", city, state, country, None, lat, lon)


SITES = [s for st_ in STUDIES.values() for s in st_.sites]


@pytest.mark.parametrize(("query", "label", "kind"), [
    ("Houston, TX", "Houston, Texas, United States", "city"),
    ("houston", "Houston, Texas, United States", "city"),
    ("Houston, Texas", "Houston, Texas, United States", "city"),
    ("Texas", "Texas, United States", "state"),
    ("TX", "Texas, United States", "state"),
    ("Germany", "Germany", "country"),
    ("USA", "United States", "country"),
    ("Springfield, MA", "Springfield, Massachusetts, United States", "city"),
    ("Toronto, ON", "Toronto, Ontario, Canada", "city"),
])
def test_places_resolve_from_the_site_list(query: str, label: str, kind: str) -> None:
    place = resolve_place(query, SITES)
    assert (place.label, place.kind) == (label, kind)


def test_ambiguous_and_unknown_places_are_clear_input_errors() -> None:
    with pytest.raises(InputError, match=r"more than one place.*add the state"):
        resolve_place("Springfield", SITES)
    with pytest.raises(InputError, match=r"no study site .* in 'Atlantis'"):
        resolve_place("Atlantis", SITES)
    with pytest.raises(InputError, match="give a place"):
        resolve_place(" , ", SITES)


def test_place_names_expand_abbreviations() -> None:
    assert place_names("Houston, TX") == {"houston", "tx", "texas"}
    assert "united states" in place_names("USA")


def test_distances() -> None:
    # Houston to Dallas is about 362 km on the great circle.
    assert haversine_km(29.76328, -95.36327, 32.78306, -96.80667) == pytest.approx(362, abs=5)
    texas = resolve_place("Texas", SITES)
    dallas = next(s for s in SITES if s.city == "Dallas")
    assert texas.distance_km(dallas) == 0.0  # inside the region
    chicago = next(s for s in SITES if s.city == "Chicago")
    assert 1000 < (texas.distance_km(chicago) or 0) < 1500
    assert texas.distance_km(Site(None, "Far", None, None)) is None


def _study(nct: str, status: str = "RECRUITING", criteria: tuple[TrialCriterion, ...] = (),
           sites: tuple[Site, ...] = ()) -> Study:
    return Study(nct, f"Study {nct}", status, True, criteria=criteria, sites=sites,
                 min_age=AgeLimit(18, "18 Years"))


def test_ranking_open_first_then_fit_then_unknowns_then_distance() -> None:
    ecog = TrialCriterion("inclusion", "ECOG 0-2", (TrialRequirement("ecog", "<=2"),))
    cd19 = TrialCriterion("inclusion", "CD19-positive", (TrialRequirement("cd19", "positive"),))
    cd22 = TrialCriterion("inclusion", "CD22-positive", (TrialRequirement("cd22", "positive"),))
    near = (_site("Houston", "Texas", "United States", 29.76, -95.36),)
    far = (_site("Dallas", "Texas", "United States", 32.78, -96.81),)
    studies = [
        _study("NCT90000106", "NOT_YET_RECRUITING", (ecog,), near),  # fits, but not yet open
        _study("NCT90000105", criteria=(ecog, cd19, cd22), sites=near),  # two unknowns
        _study("NCT90000104", criteria=(ecog, cd19), sites=near),  # one unknown
        _study("NCT90000103", criteria=(ecog,), sites=far),  # fits, farther
        _study("NCT90000102", criteria=(ecog,), sites=near),  # fits, nearest
        _study("NCT90000101", criteria=(TrialCriterion("inclusion", "ECOG 0-1",
                                                  (TrialRequirement("ecog", "<=1"),)),), sites=near),
        _study("NCT90000100", "COMPLETED", (ecog,), near),  # closed
    ]
    facts = Facts(age_years=50, ecog=2)
    houston = resolve_place("Houston, TX", [s for st_ in studies for s in st_.sites])
    result = match_trials(studies, facts, houston, keep_excluded=True)
    order = [m.study.nct_id for m in result.trials]
    assert order == ["NCT90000102", "NCT90000103", "NCT90000104", "NCT90000105", "NCT90000101",
                     "NCT90000106"]
    assert [m.fit for m in result.trials] == ["eligible", "eligible", "unknown", "unknown",
                                              "not-eligible", "eligible"]
    assert [m.study.nct_id for m in result.excluded] == ["NCT90000100"]
    # One question per unknown criterion, in plain words.
    assert len(result.trials[3].questions) == 2
    assert all(q.endswith(("?", ".")) for q in result.trials[3].questions)


def test_within_km_excludes_far_studies_with_the_distance() -> None:
    facts = PATIENTS["b_first_relapse"]
    houston = resolve_place("Houston, TX", SITES)
    result = match_trials(STUDIES.values(), facts, houston, 500, keep_excluded=True)
    assert all(m.distance_km is None or m.distance_km <= 500 for m in result.trials)
    far = next(m for m in result.excluded if m.study.nct_id == "NCT90000006")  # Italy, Germany
    assert any("km from Houston" in r and "limit 500 km" in r for r in far.exclusions)
    top = result.trials[0]
    assert top.fit == "eligible" and top.distance_km == pytest.approx(0, abs=1)


def test_nearest_site_skips_closed_sites() -> None:
    sites = (Site("Closed", "Houston", "Texas", "United States", "COMPLETED", 29.76, -95.36),
             Site("Open", "Dallas", "Texas", "United States", "RECRUITING", 32.78, -96.81))
    houston = resolve_place("Houston, TX", sites)
    m = match_study(_study("NCT90000107", sites=sites), Facts(age_years=40), houston)
    assert m.nearest is not None and m.nearest.facility == "Open"


def test_json_report_shape() -> None:
    facts = PATIENTS["heavily_treated"]
    data = result_to_dict(match_trials(STUDIES.values(), facts), {"studies": 19}, None)
    assert data["format"] == "allnav-trials/1"
    assert "eligibility is decided by the study" in str(data["disclaimer"])
    trials = data["trials"]
    assert isinstance(trials, list) and trials
    first = trials[0]
    assert {"rank", "nct_id", "title", "url", "phases", "status", "group", "fit", "nearest_site",
            "criteria", "questions", "exclusions"} <= set(first)
    assert all(c["status"] in ("met", "not-met", "unknown") and c["quote"]
               for t in trials for c in t["criteria"])
    json.dumps(data)  # serialisable as it is

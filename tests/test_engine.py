"""The engine's verdicts for specific clinical situations, and its rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import replace

import pytest

from allnav.engine import assess
from allnav.facts import Facts, Symptoms
from allnav.pathway import OPTION_IDS, Pathway

from .conftest import AS_OF


def run(pathway: Pathway, **facts: object) -> dict[str, tuple[str, bool, tuple[str, ...]]]:
    symptoms = facts.pop("symptoms", Symptoms())
    a = assess(pathway, Facts(symptoms=symptoms, **facts), AS_OF)  # type: ignore[arg-type]
    return {o.id: (o.status, o.urgent, o.missing_facts) for o in a.options}


B_RELAPSE: dict[str, object] = {
    "lineage": "B", "ph_status": "negative", "cd19": "positive", "cd22": "positive",
    "disease_status": "relapsed", "relapse_count": 1, "age_years": 40.0, "ecog": 1,
}


def test_every_option_comes_back_in_vocabulary_order(pathway: Pathway) -> None:
    a = assess(pathway, Facts(), AS_OF)
    assert tuple(o.id for o in a.options) == OPTION_IDS


def test_nothing_known_is_never_not_suitable(pathway: Pathway) -> None:
    a = assess(pathway, Facts(), AS_OF)
    assert a.by_status("not-suitable") == ()
    assert {o.id for o in a.by_status("suitable")} == {"palliative-care", "goals-of-care-conversation"}


def test_cd19_negative_rules_out_cd19_directed_therapy(pathway: Pathway) -> None:
    r = run(pathway, **{**B_RELAPSE, "cd19": "negative"})
    assert r["blinatumomab"][0] == "not-suitable"
    assert r["car-t-cell-therapy"][0] == "not-suitable"
    assert r["inotuzumab-ozogamicin"][0] == "suitable"


def test_unknown_cd19_makes_cd19_therapy_possible_and_names_it(pathway: Pathway) -> None:
    r = run(pathway, **{**B_RELAPSE, "cd19": None})
    assert r["blinatumomab"] == ("possible", False, ("cd19",))
    assert r["car-t-cell-therapy"][0] == "possible"
    assert "cd19" in r["car-t-cell-therapy"][2]


def test_t_lineage_gets_nelarabine_not_b_cell_drugs(pathway: Pathway) -> None:
    r = run(pathway, **{**B_RELAPSE, "lineage": "T", "cd19": None, "cd22": None,
                        "prior_regimen_count": 2})
    assert r["nelarabine-based-therapy"][0] == "suitable"
    for oid in ("blinatumomab", "inotuzumab-ozogamicin", "car-t-cell-therapy"):
        assert r[oid][0] == "not-suitable", oid


def test_tki_follows_ph_status(pathway: Pathway) -> None:
    assert run(pathway, **B_RELAPSE)["tki-based-therapy"][0] == "not-suitable"
    assert run(pathway, **{**B_RELAPSE, "ph_status": "positive"})["tki-based-therapy"][0] == "suitable"
    assert run(pathway, **{**B_RELAPSE, "ph_status": None})["tki-based-therapy"][2] == ("ph_status",)


def test_t315i_note_and_untested_note(pathway: Pathway) -> None:
    base = Facts(**{**B_RELAPSE, "ph_status": "positive"})  # type: ignore[arg-type]
    untested = assess(pathway, base, AS_OF).option("tki-based-therapy")
    assert any("mutation testing" in n for n in untested.notes)
    t315i = assess(pathway, dataclasses.replace(base, abl1_mutations=("T315I",)), AS_OF)
    assert any("ponatinib" in n for n in t315i.option("tki-based-therapy").notes)


def test_transplant_needs_at_least_partial_remission(pathway: Pathway) -> None:
    fit = {"transplant_candidate": True, "donor_available": True,
           "prior_treatments": ("intensive-chemotherapy",)}
    assert run(pathway, **{**B_RELAPSE, **fit, "response_to_latest_treatment": "no-response"})[
        "allogeneic-stem-cell-transplant"][0] == "not-suitable"
    assert run(pathway, **{**B_RELAPSE, **fit, "response_to_latest_treatment": "partial-remission"})[
        "allogeneic-stem-cell-transplant"][0] == "suitable"
    waiting = run(pathway, **{**B_RELAPSE, **fit})["allogeneic-stem-cell-transplant"]
    assert waiting == ("possible", False, ("response_to_latest_treatment",))
    assert run(pathway, **{**B_RELAPSE, **fit, "disease_status": "remission"})[
        "allogeneic-stem-cell-transplant"][0] == "suitable"


def test_unfit_for_transplant_is_not_suitable(pathway: Pathway) -> None:
    r = run(pathway, **{**B_RELAPSE, "disease_status": "remission", "transplant_candidate": False})
    assert r["allogeneic-stem-cell-transplant"][0] == "not-suitable"


def test_cns_relapse_needs_cns_directed_therapy(pathway: Pathway) -> None:
    assert run(pathway, **{**B_RELAPSE, "relapse_sites": ("cns",)})["cns-directed-therapy"][0] == "suitable"
    assert run(pathway, **{**B_RELAPSE, "relapse_sites": ("bone-marrow",)})["cns-directed-therapy"][0] == "not-suitable"
    assert run(pathway, **B_RELAPSE)["cns-directed-therapy"][2] == ("relapse_sites",)


def test_car_t_age_and_label(pathway: Pathway) -> None:
    # Under 18 in a first relapse: tisagenlecleucel needs refractory disease or a second
    # relapse, so whether the relapse responded to re-induction decides it.
    first = {**B_RELAPSE, "age_years": 17.0}
    assert run(pathway, **first)["car-t-cell-therapy"][2] == ("response_to_latest_treatment",)
    assert run(pathway, **{**first, "response_to_latest_treatment": "complete-remission"})[
        "car-t-cell-therapy"][0] == "not-suitable"
    assert run(pathway, **{**B_RELAPSE, "age_years": 17.0, "relapse_count": 2})["car-t-cell-therapy"][0] == "suitable"
    assert run(pathway, **{**B_RELAPSE, "age_years": 70.0})["car-t-cell-therapy"][0] == "suitable"
    assert run(pathway, **{**B_RELAPSE, "age_years": None})["car-t-cell-therapy"][2] == ("age_years",)


def test_comfort_goal_turns_off_remission_treatments_and_on_hospice(pathway: Pathway) -> None:
    r = run(pathway, **{**B_RELAPSE, "goals": "comfort"})
    for oid in ("blinatumomab", "inotuzumab-ozogamicin", "car-t-cell-therapy",
                "intensive-salvage-chemotherapy", "clinical-trial"):
        assert r[oid][0] == "not-suitable", oid
    assert r["hospice-care"][0] == "suitable"
    assert r["palliative-care"][0] == "suitable"
    assert r["low-intensity-palliative-therapy"][0] == "suitable"


def test_unstated_goals_do_not_block_or_ask(pathway: Pathway) -> None:
    r = run(pathway, **B_RELAPSE)
    assert r["blinatumomab"] == ("suitable", False, ())
    assert r["hospice-care"] == ("possible", False, ("goals",))


def test_unfit_patient_not_offered_intensive_chemotherapy(pathway: Pathway) -> None:
    r = run(pathway, **{**B_RELAPSE, "ecog": 3})
    assert r["intensive-salvage-chemotherapy"][0] == "not-suitable"
    assert r["low-intensity-palliative-therapy"][0] == "suitable"


@pytest.mark.parametrize(("temp", "sustained", "anc", "falling", "status", "urgent"), [
    (38.3, None, 499, None, "suitable", True),
    # Any temperature of 38.0 °C or more with a low count: the duration is not waited on.
    (38.2, None, 499, None, "suitable", True),
    (38.2, False, 499, None, "suitable", True),
    (38.0, True, 499, None, "suitable", True),
    (37.9, True, 100, None, "not-suitable", False),
    # Without the disease status, chemotherapy date and count date, nothing excludes
    # neutropenia: a fever with a normal count stays urgent ("possible").
    (38.3, None, 999, False, "possible", True),
    (38.3, None, 1000, True, "suitable", True),  # IDSA 2010: expected to fall, no ceiling
    (38.3, None, 5000, None, "possible", True),
    (38.5, None, None, None, "possible", True),
    (None, None, 100, None, "possible", False),
    (37.0, None, None, None, "not-suitable", False),
])
def test_febrile_neutropenia_boundaries(
    pathway: Pathway, temp: float | None, sustained: bool | None, anc: float | None,
    falling: bool | None, status: str, urgent: bool,
) -> None:
    r = run(pathway, symptoms=Symptoms(temperature_c=temp, temperature_sustained_1h=sustained,
                                       anc_per_ul=anc, anc_expected_to_fall=falling))
    assert r["febrile-neutropenia-emergency"][:2] == (status, urgent)


def test_only_a_count_taken_today_in_remission_after_day_14_excludes_neutropenia(
        pathway: Pathway) -> None:
    today = Symptoms(temperature_c=38.5, anc_per_ul=2000, anc_expected_to_fall=False,
                     counts_date=AS_OF)
    excluded = run(pathway, symptoms=today, disease_status="remission", days_since_chemotherapy=20)
    assert excluded["febrile-neutropenia-emergency"][:2] == ("not-suitable", False)
    assert excluded["infection-treatment"][1] is True  # the fever is still urgent
    for change in ({"disease_status": "relapsed", "days_since_chemotherapy": 20},
                   {"disease_status": "remission", "days_since_chemotherapy": 10},
                   {"disease_status": "remission", "days_since_chemotherapy": 20,
                    "symptoms": replace(today, counts_date=AS_OF - dt.timedelta(days=1))}):
        kwargs: dict[str, object] = {"symptoms": today, **change}
        assert run(pathway, **kwargs)["febrile-neutropenia-emergency"][1] is True, change


def test_sustained_38_counts_as_fever(pathway: Pathway) -> None:
    s = Symptoms(temperature_c=38.0, temperature_sustained_1h=True, anc_per_ul=800,
                 anc_expected_to_fall=True)
    assert run(pathway, symptoms=s)["febrile-neutropenia-emergency"][:2] == ("suitable", True)


def test_reasons_carry_the_facts_they_read(pathway: Pathway) -> None:
    a = assess(pathway, Facts(**{**B_RELAPSE, "cd19": "negative"}), AS_OF)  # type: ignore[arg-type]
    blin = a.option("blinatumomab")
    failing = [r for r in blin.reasons if r.outcome is False]
    assert [r.criterion for r in failing] == ["crit.cd19_positive"]
    assert a.reason_facts(failing[0]) == (("cd19", "negative"),)
    assert "CD19 is not on the leukemia cells" in blin.headline


def test_missing_facts_summary_lists_affected_options(pathway: Pathway) -> None:
    a = assess(pathway, Facts(lineage="B", disease_status="relapsed"), AS_OF)
    by_fact = {m.fact: m.options for m in a.missing_facts}
    assert "blinatumomab" in by_fact["cd19"]
    assert "car-t-cell-therapy" in by_fact["cd19"]
    assert by_fact["ph_status"] == ("tki-based-therapy", "post-ponatinib-tki")


def test_as_of_is_required_and_stale_review_is_reported(pathway: Pathway) -> None:
    with pytest.raises(ValueError, match="as_of"):
        assess(pathway, Facts())
    later = assess(pathway, Facts(), pathway.review_due().replace(year=pathway.review_due().year + 1))
    assert [p.type for p in later.issues] == ["stale_review"]
    assert assess(pathway, Facts(), AS_OF).issues == ()


def test_situations_follow_the_source_page(pathway: Pathway) -> None:
    a = assess(pathway, Facts(disease_status="remission", relapse_count=1), AS_OF)
    applies = {s.id: s.applies for s in a.situations}
    assert applies["sit.second_remission"] is True
    assert applies["sit.relapse"] is False
    assert applies["sit.palliative"] is True

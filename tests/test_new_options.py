"""Options added for issue 12, item 9: each with the rule and source it encodes."""

from __future__ import annotations

from allnav.pathway import Pathway

from .test_label_verdicts import ADULT_B_RELAPSE, judged, option

AFTER_SCT: dict[str, object] = {
    **ADULT_B_RELAPSE, "prior_treatments": ("intensive-chemotherapy", "allogeneic-stem-cell-transplant"),
    "months_from_transplant_to_relapse": 14.0, "active_gvhd": False,
    "transplant_candidate": True, "donor_available": True,
}


def test_donor_lymphocyte_infusion_needs_a_donor_and_no_active_gvhd(pathway: Pathway) -> None:
    assert option(pathway, "donor-lymphocyte-infusion", **AFTER_SCT).status == "suitable"
    gvhd = option(pathway, "donor-lymphocyte-infusion", **{**AFTER_SCT, "active_gvhd": True})
    assert gvhd.status == "not-suitable" and "worse" in gvhd.headline
    never = option(pathway, "donor-lymphocyte-infusion", **{
        **AFTER_SCT, "prior_treatments": ("intensive-chemotherapy",)})
    assert never.status == "not-suitable"
    unknown = option(pathway, "donor-lymphocyte-infusion", **{**AFTER_SCT, "active_gvhd": None})
    assert unknown.status == "possible" and unknown.missing_facts == ("active_gvhd",)


def test_second_transplant_is_judgement_after_an_early_relapse(pathway: Pathway) -> None:
    """McIver 2013: relapse within 6 months of the transplant - a second transplant did not
    improve survival; later relapse does better."""
    in_cr = {**AFTER_SCT, "disease_status": "remission", "response_to_latest_treatment": None}
    assert option(pathway, "second-allogeneic-transplant", **in_cr).status == "suitable"
    early = option(pathway, "second-allogeneic-transplant", **{
        **in_cr, "months_from_transplant_to_relapse": 4.0})
    assert early.status == "possible" and any("within 6 months" in t for t in judged(early))
    active = option(pathway, "second-allogeneic-transplant", **AFTER_SCT)
    assert active.status == "not-suitable"  # no response to re-induction: not in remission
    first = option(pathway, "allogeneic-stem-cell-transplant", **in_cr)
    assert first.status == "not-suitable" and "second transplant" in first.headline.lower()


def test_testicular_relapse_gets_local_radiation_with_systemic_treatment(pathway: Pathway) -> None:
    testis = {**ADULT_B_RELAPSE, "relapse_sites": ("testis",)}
    o = option(pathway, "testicular-radiation", **testis)
    assert o.status == "suitable" and any("sperm" in n for n in o.notes)
    assert option(pathway, "testicular-radiation", **{
        **testis, "relapse_sites": ("bone-marrow",)}).status == "not-suitable"


def test_repeating_the_original_induction_follows_the_first_remission(pathway: Pathway) -> None:
    """Fielding 2007: a first remission over 2 years predicts better outcome after relapse."""
    late = {**ADULT_B_RELAPSE, "first_remission_months": 30.0}
    assert option(pathway, "repeat-original-induction", **late).status == "suitable"
    middle = option(pathway, "repeat-original-induction", **{**late, "first_remission_months": 18.0})
    assert middle.status == "possible" and judged(middle)
    short = option(pathway, "repeat-original-induction", **{**late, "first_remission_months": 8.0})
    assert short.status == "not-suitable"
    refractory = option(pathway, "repeat-original-induction", **{
        **late, "disease_status": "primary-refractory", "relapse_count": 0})
    assert refractory.status == "not-suitable"


def test_after_ponatinib_the_tki_is_a_trial_or_off_label(pathway: Pathway) -> None:
    ph = {**ADULT_B_RELAPSE, "ph_status": "positive",
          "prior_treatments": ("intensive-chemotherapy", "tki", "ponatinib")}
    o = option(pathway, "post-ponatinib-tki", **ph)
    assert o.status == "suitable"
    text = pathway.option("post-ponatinib-tki").summary
    assert "off-label" in text and "clinical trials" in text and "not FDA-approved" in text
    naive = option(pathway, "post-ponatinib-tki", **{**ph, "prior_treatments": ("tki",),
                                                      "prior_tkis": ("dasatinib",)})
    assert naive.status == "not-suitable" and "ponatinib" in naive.headline
    by_tki_list = option(pathway, "post-ponatinib-tki", **{
        **ph, "prior_treatments": ("tki",), "prior_tkis": ("dasatinib", "ponatinib")})
    assert by_tki_list.status == "suitable"


def test_infection_prophylaxis_and_immunoglobulin_replacement(pathway: Pathway) -> None:
    """ASCO/IDSA 2018: prophylaxis for profound neutropenia over 7 days; AAAAI 2022: IgG
    below 400 mg/dL with recurrent infections."""
    assert option(pathway, "infection-prophylaxis", **ADULT_B_RELAPSE).status == "suitable"
    ivig = {**ADULT_B_RELAPSE, "igg_mg_dl": 320.0, "serious_or_recurrent_infections": True}
    assert option(pathway, "immunoglobulin-replacement", **ivig).status == "suitable"
    quiet = option(pathway, "immunoglobulin-replacement", **{
        **ivig, "serious_or_recurrent_infections": False})
    assert quiet.status == "possible" and judged(quiet)
    assert option(pathway, "immunoglobulin-replacement", **{**ivig, "igg_mg_dl": 520.0}
                  ).status == "suitable"
    assert option(pathway, "immunoglobulin-replacement", **{
        **ivig, "igg_mg_dl": 520.0, "serious_or_recurrent_infections": False}
                  ).status == "not-suitable"
    assert option(pathway, "immunoglobulin-replacement", **{**ivig, "igg_mg_dl": None}
                  ).missing_facts == ("igg_mg_dl",)

"""Verdicts a clinician would sign: each test states the label or guideline text it encodes.

Issue 12, items 1-8. The quoted wording is also kept, with its source, in the evidence
item the option cites; each test checks that the option cites it, so the rule and its
source cannot drift apart.
"""

from __future__ import annotations

from allnav.assessment import OptionResult
from allnav.engine import assess
from allnav.facts import Facts, Symptoms
from allnav.pathway import Pathway

from .conftest import AS_OF

#: An adult with a relapse of CD19+/CD22+ Ph-negative B-ALL, fit, wanting treatment.
ADULT_B_RELAPSE: dict[str, object] = {
    "lineage": "B", "ph_status": "negative", "cd19": "positive", "cd22": "positive",
    "disease_status": "relapsed", "relapse_count": 1, "age_years": 40.0, "ecog": 1,
    "goals": "cure", "response_to_latest_treatment": "no-response",
}


def option(pathway: Pathway, oid: str, **facts: object) -> OptionResult:
    symptoms = facts.pop("symptoms", Symptoms())
    a = assess(pathway, Facts(symptoms=symptoms, **facts), AS_OF)  # type: ignore[arg-type]
    return a.option(oid)


def judged(o: OptionResult) -> list[str]:
    return [r.text for r in o.reasons if r.outcome is False and r.judgement]


def cites(pathway: Pathway, oid: str, evidence_id: str, quoted: str) -> None:
    """The option cites ``evidence_id`` and that item keeps the quoted label wording."""
    opt = pathway.option(oid)
    assert evidence_id in opt.evidence, (oid, evidence_id)
    item = pathway.evidence[evidence_id]
    assert any(quoted in text for text in (item.population.description, *item.notes)), quoted


# --- 1. CAR-T and performance status -----------------------------------------------------

def test_car_t_fitness_follows_the_trials_ecog_0_1(pathway: Pathway) -> None:
    """ZUMA-3 and FELIX enrolled ECOG 0-1: ECOG 2 is the CAR-T team's judgement ("possible"),
    ECOG 3-4 is not suitable unless a trial offers it (the trial option stays open)."""
    assert option(pathway, "car-t-cell-therapy", **ADULT_B_RELAPSE).status == "suitable"
    ecog2 = option(pathway, "car-t-cell-therapy", **{**ADULT_B_RELAPSE, "ecog": 2})
    assert ecog2.status == "possible" and ecog2.missing_facts == ()
    assert any("ECOG 0-1" in t for t in judged(ecog2))
    for ecog in (3, 4):
        o = option(pathway, "car-t-cell-therapy", **{**ADULT_B_RELAPSE, "ecog": ecog})
        assert o.status == "not-suitable", ecog
        assert "unless a clinical trial" in o.headline
        trial = option(pathway, "clinical-trial", **{**ADULT_B_RELAPSE, "ecog": ecog})
        assert trial.status == "suitable"
    unknown = option(pathway, "car-t-cell-therapy", **{**ADULT_B_RELAPSE, "ecog": None})
    assert unknown.status == "possible" and unknown.missing_facts == ("ecog",)


# --- 2. CAR-T needs relapsed or refractory disease ----------------------------------------

def test_car_t_is_not_for_an_mrd_positive_first_remission_that_never_relapsed(
        pathway: Pathway) -> None:
    """Tecartus/Aucatzyl: "adult patients with relapsed or refractory B-cell precursor acute
    lymphoblastic leukemia"; an MRD-positive first remission is neither."""
    cr1 = {**ADULT_B_RELAPSE, "disease_status": "remission", "mrd": "positive",
           "relapse_count": 0, "response_to_latest_treatment": None}
    o = option(pathway, "car-t-cell-therapy", **cr1)
    assert o.status == "not-suitable"
    assert "relapsed or refractory" in o.headline
    cr2 = option(pathway, "car-t-cell-therapy", **{**cr1, "relapse_count": 1})
    assert cr2.status == "suitable"
    unknown = option(pathway, "car-t-cell-therapy", **{**cr1, "relapse_count": None})
    assert unknown.status == "possible" and "relapse_count" in unknown.missing_facts
    cites(pathway, "car-t-cell-therapy", "ev.tisacel-fda-2017",
          "patients up to 25 years of age with B-cell precursor acute lymphoblastic leukemia (ALL) "
          "that is refractory or in second or later relapse")


# --- 3. A relapse that did not respond to re-induction is refractory ----------------------

def test_chemorefractory_first_relapse_opens_tisagenlecleucel_at_17(pathway: Pathway) -> None:
    """Kymriah: "refractory or in second or later relapse". A first relapse that did not go
    into remission with re-induction is refractory; one that did is not."""
    teen = {**ADULT_B_RELAPSE, "age_years": 17.0}
    assert option(pathway, "car-t-cell-therapy", **teen).status == "suitable"
    partial = {**teen, "response_to_latest_treatment": "partial-remission"}
    assert option(pathway, "car-t-cell-therapy", **partial).status == "suitable"
    responded = {**teen, "response_to_latest_treatment": "complete-remission"}
    o = option(pathway, "car-t-cell-therapy", **responded)
    assert o.status == "not-suitable" and "second or later relapse" in o.headline
    assert option(pathway, "car-t-cell-therapy", **{
        **teen, "disease_status": "primary-refractory", "relapse_count": 0}).status == "suitable"
    assert option(pathway, "car-t-cell-therapy", **{
        **responded, "relapse_count": 2}).status == "suitable"
    assert option(pathway, "car-t-cell-therapy", **{**responded, "age_years": 26.0}
                  ).status == "suitable"  # an adult: the adult labels need only R/R


# --- 4. Transfusion: restrictive thresholds decide ----------------------------------------

def test_tiredness_alone_does_not_make_a_transfusion_suitable(pathway: Pathway) -> None:
    """AABB 2023: "a restrictive transfusion strategy considering transfusion when the
    hemoglobin concentration is less than 7 g/dL" (8 g/dL with cardiovascular disease);
    AABB 2015: platelets at 10 x10^9/L or less. Symptoms matter only near the threshold."""
    counts = {"hemoglobin_g_dl": 12.5, "platelets_per_ul": 150_000.0, "bleeding": False}
    tired = Symptoms(**counts, fatigue=True, breathlessness=True)  # type: ignore[arg-type]
    assert option(pathway, "transfusion-support", symptoms=tired).status == "not-suitable"
    near = Symptoms(**{**counts, "hemoglobin_g_dl": 7.5}, fatigue=True)  # type: ignore[arg-type]
    o = option(pathway, "transfusion-support", symptoms=near)
    assert o.status == "possible" and any("talk about" in t for t in judged(o))
    calm = Symptoms(**{**counts, "hemoglobin_g_dl": 7.5}, fatigue=False,  # type: ignore[arg-type]
                    breathlessness=False)
    assert option(pathway, "transfusion-support", symptoms=calm).status == "not-suitable"
    low = Symptoms(**{**counts, "hemoglobin_g_dl": 6.8})  # type: ignore[arg-type]
    assert option(pathway, "transfusion-support", symptoms=low).status == "suitable"
    plt = Symptoms(**{**counts, "platelets_per_ul": 8_000.0})  # type: ignore[arg-type]
    assert option(pathway, "transfusion-support", symptoms=plt).status == "suitable"
    # Unknown counts are not negative: tiredness with no counts asks for them.
    unknown = option(pathway, "transfusion-support", symptoms=Symptoms(fatigue=True))
    assert unknown.status == "possible" and "symptoms.hemoglobin_g_dl" in unknown.missing_facts


# --- 5. Ph-positive: the TKI continues through remission ----------------------------------

def test_tki_continues_in_remission_as_bridge_and_after_transplant(pathway: Pathway) -> None:
    """EBMT (Giebel 2016): "Posttransplant TKI maintenance ... should be considered a valuable
    option"; the TKI is the backbone of Ph-positive therapy in remission, not stopped."""
    ph = {**ADULT_B_RELAPSE, "ph_status": "positive", "disease_status": "remission",
          "mrd": "negative", "response_to_latest_treatment": None}
    o = option(pathway, "tki-based-therapy", **ph)
    assert o.status == "suitable"
    assert any("bridge to a transplant" in n and "maintenance" in n for n in o.notes)
    cites(pathway, "tki-based-therapy", "ev.giebel-2016-tki-after-hsct",
          "Posttransplant TKI maintenance")


# --- 6. Blinatumomab consolidation (June 2024) --------------------------------------------

def test_blinatumomab_consolidation_for_ph_negative_mrd_negative_remission(
        pathway: Pathway) -> None:
    """Blincyto: "CD19-positive Philadelphia chromosome-negative B-cell precursor ALL in the
    consolidation phase of multiphase chemotherapy" - at least possible in MRD-negative
    remission; Ph-positive MRD-negative remission is outside that indication."""
    cr = {**ADULT_B_RELAPSE, "disease_status": "remission", "mrd": "negative",
          "response_to_latest_treatment": None}
    o = option(pathway, "blinatumomab", **cr)
    assert o.status == "possible"
    assert any("consolidation phase of multiphase chemotherapy" in t for t in judged(o))
    ph = option(pathway, "blinatumomab", **{**cr, "ph_status": "positive"})
    assert ph.status == "not-suitable" and "Ph-negative" in ph.headline
    mrd_pos = option(pathway, "blinatumomab", **{**cr, "mrd": "positive"})
    assert mrd_pos.status == "suitable"
    cites(pathway, "blinatumomab", "ev.blincyto-label",
          "in the consolidation phase of multiphase chemotherapy")


# --- 7. Ph-positive salvage goes with a TKI ----------------------------------------------

def test_ph_positive_salvage_is_given_with_a_tki_and_pona_blina_is_named(
        pathway: Pathway) -> None:
    """NCCN (Ph-positive R/R): TKI with chemotherapy or with blinatumomab; the chemotherapy-
    free combination of ponatinib and blinatumomab (Couturier 2021, 25 of 26 in remission)."""
    ph = {**ADULT_B_RELAPSE, "ph_status": "positive"}
    chemo = option(pathway, "intensive-salvage-chemotherapy", **ph)
    assert any("together with a TKI" in n for n in chemo.notes)
    tki = option(pathway, "tki-based-therapy", **ph)
    assert any("ponatinib with blinatumomab" in n for n in tki.notes)
    assert "ev.couturier-2021-pona-blina" in pathway.option("tki-based-therapy").evidence
    neg = option(pathway, "intensive-salvage-chemotherapy", **ADULT_B_RELAPSE)
    assert not any("TKI" in n for n in neg.notes)


# --- 8. Nelarabine: at least two prior regimens; intrathecal caution -----------------------

def test_nelarabine_label_needs_two_prior_regimens(pathway: Pathway) -> None:
    """Nelarabine label: "whose disease has not responded to or has relapsed following
    treatment with at least two chemotherapy regimens"; and "Patients treated previously or
    concurrently with intrathecal chemotherapy or previously with craniospinal irradiation
    may be at increased risk for neurologic adverse events"."""
    t_all = {**ADULT_B_RELAPSE, "lineage": "T", "cd19": None, "cd22": None,
             "response_to_latest_treatment": None}
    one = option(pathway, "nelarabine-based-therapy", **{**t_all, "prior_regimen_count": 1})
    assert one.status == "possible" and any("at least two" in t for t in judged(one))
    two = option(pathway, "nelarabine-based-therapy", **{**t_all, "prior_regimen_count": 2})
    assert two.status == "suitable"
    unknown = option(pathway, "nelarabine-based-therapy", **t_all)
    assert unknown.status == "possible" and unknown.missing_facts == ("prior_regimen_count",)
    # A second relapse already means two regimens (induction, then the first salvage).
    assert option(pathway, "nelarabine-based-therapy", **{**t_all, "relapse_count": 2}
                  ).status == "suitable"
    it = option(pathway, "nelarabine-based-therapy", **{
        **t_all, "prior_regimen_count": 2, "prior_treatments": ("cns-directed-therapy",)})
    assert any("Intrathecal chemotherapy" in n for n in it.notes)
    cites(pathway, "nelarabine-based-therapy", "ev.nelarabine-label",
          "has relapsed following treatment with at least two chemotherapy regimens")
    cites(pathway, "nelarabine-based-therapy", "ev.nelarabine-label",
          "intrathecal chemotherapy or previously with craniospinal irradiation")


def test_inotuzumab_for_mrd_in_remission_is_outside_its_label(pathway: Pathway) -> None:
    """Besponsa: "relapsed or refractory CD22-positive B-cell precursor ALL"; NCCN v1.2024 added
    inotuzumab for persistent or rising MRD, so MRD in remission is possible, not suitable."""
    mrd = {**ADULT_B_RELAPSE, "disease_status": "remission", "mrd": "positive",
           "response_to_latest_treatment": None}
    o = option(pathway, "inotuzumab-ozogamicin", **mrd)
    assert o.status == "possible" and any("persistent or rising MRD" in t for t in judged(o))
    assert option(pathway, "inotuzumab-ozogamicin", **ADULT_B_RELAPSE).status == "suitable"
    assert option(pathway, "inotuzumab-ozogamicin", **{**mrd, "mrd": "negative"}
                  ).status == "not-suitable"


def test_inotuzumab_warns_after_earlier_vod(pathway: Pathway) -> None:
    """Besponsa boxed warning: "Patients who have experienced prior VOD or have serious ongoing
    hepatic liver disease are at an increased risk for worsening of liver disease"."""
    o = option(pathway, "inotuzumab-ozogamicin", **{**ADULT_B_RELAPSE, "prior_vod": True})
    assert any("VOD/SOS before" in n for n in o.notes)
    cites(pathway, "inotuzumab-ozogamicin", "ev.besponsa-label", "Patients who have experienced prior VOD")


def test_car_t_text_is_current_to_the_2025_rems_removal(pathway: Pathway) -> None:
    """June 2025: the REMS was removed ("Warnings and Precautions, REMS (5.3) Removed 6/2025");
    staying near the centre and not driving were shortened. The new duration (2 weeks) was read
    only in reports of the change, not in a label, so patients are not shown the number."""
    car_t = pathway.option("car-t-cell-therapy")
    assert "certified centers" not in car_t.summary and "REMS" in car_t.summary
    assert car_t.involves is not None and "shortened both in June 2025" in car_t.involves
    assert "4 weeks" not in car_t.involves and "2 weeks" not in car_t.involves
    cites(pathway, "car-t-cell-therapy", "ev.car-t-rems-2025", "REMS sections removed 6/2025")

"""Issue 12, item 10: options of a group carry the guideline's order, with its source."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from allnav.evidence import default_evidence_path
from allnav.pathway import Pathway, check_knowledge, default_pathway_path
from allnav.render.json_report import assessment_to_dict

from .test_label_verdicts import ADULT_B_RELAPSE, option

RAW: dict[str, Any] = yaml.safe_load(default_pathway_path().read_text(encoding="utf-8"))
EVIDENCE: Any = yaml.safe_load(default_evidence_path().read_text(encoding="utf-8"))


def test_relapsed_ph_negative_b_all_options_are_ordered_with_their_source(pathway: Pathway) -> None:
    ranks = {oid: option(pathway, oid, **ADULT_B_RELAPSE).guideline
             for oid in ("clinical-trial", "blinatumomab", "inotuzumab-ozogamicin",
                         "car-t-cell-therapy", "intensive-salvage-chemotherapy")}
    assert {oid: g.rank for oid, g in ranks.items() if g} == {
        "clinical-trial": "preferred", "blinatumomab": "preferred",
        "inotuzumab-ozogamicin": "preferred", "car-t-cell-therapy": "preferred",
        "intensive-salvage-chemotherapy": "other-recommended"}
    assert {g.evidence for g in ranks.values() if g} == {"ev.nccn-rr-ph-negative"}
    # Not verified against the current guideline: said so, so it is shown as unverified.
    assert {g.verification for g in ranks.values() if g} == {"recalled"}


def test_the_group_follows_the_disease(pathway: Pathway) -> None:
    ph = option(pathway, "tki-based-therapy", **{**ADULT_B_RELAPSE, "ph_status": "positive"})
    assert ph.guideline is not None and ph.guideline.rank == "preferred"
    assert ph.guideline.evidence == "ev.nccn-rr-ph-positive"
    blin_ph = option(pathway, "blinatumomab", **{**ADULT_B_RELAPSE, "ph_status": "positive"})
    assert blin_ph.guideline is not None and blin_ph.guideline.rank == "other-recommended"
    t_all = option(pathway, "nelarabine-based-therapy", **{
        **ADULT_B_RELAPSE, "lineage": "T", "prior_regimen_count": 2})
    assert t_all.guideline is not None and t_all.guideline.rank == "preferred"
    remission = option(pathway, "blinatumomab", **{
        **ADULT_B_RELAPSE, "disease_status": "remission", "mrd": "positive"})
    assert remission.guideline is None  # the order given is for relapsed or refractory disease


def test_the_json_report_carries_the_order_and_its_verification(pathway: Pathway) -> None:
    from allnav.engine import assess
    from allnav.facts import Facts

    from .conftest import AS_OF
    a = assess(pathway, Facts(**ADULT_B_RELAPSE), AS_OF)  # type: ignore[arg-type]
    data = assessment_to_dict(a, pathway)
    blin = next(o for o in data["options"] if o["id"] == "blinatumomab")
    assert blin["guideline"]["rank"] == "preferred"
    assert blin["guideline"]["verification"] == "recalled"
    assert blin["guideline"]["source"]["id"] == "ev.nccn-rr-ph-negative"


def test_an_unknown_option_in_the_order_is_named_with_its_path() -> None:
    data = copy.deepcopy(RAW)
    data["guideline_order"][0]["ranks"]["preferred"].append("blinatumomb")
    msgs = [f"{'.'.join(map(str, p.loc))}: {p.msg}" for p in check_knowledge(data, EVIDENCE)
            if p.severity == "error"]
    assert msgs == ["guideline_order.0.ranks.preferred.4: unknown option 'blinatumomb' "
                    "(did you mean 'blinatumomab'?)"]

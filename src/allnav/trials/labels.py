"""Plain-language labels for requirements, shared by the evaluator and the outputs. Pure."""

from __future__ import annotations

import re

from allnav.trials.model import TrialRequirement

#: Treatment kinds: how to name the treatment, and the facts values that mean it was given.
DRUGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "prior_blinatumomab": ("blinatumomab", ("blinatumomab",)),
    "prior_inotuzumab": ("inotuzumab ozogamicin", ("inotuzumab-ozogamicin",)),
    "prior_car_t": ("CAR-T cell therapy", ("car-t-cell-therapy",)),
    "prior_allo_hsct": ("an allogeneic stem cell transplant", ("allogeneic-stem-cell-transplant",)),
    "prior_tki": ("a tyrosine kinase inhibitor (TKI)", ("tki", "ponatinib")),
    "prior_ponatinib": ("ponatinib", ("ponatinib",)),
    "prior_nelarabine": ("nelarabine", ("nelarabine",)),
    "prior_menin": ("a menin inhibitor such as revumenib", ("revumenib",)),
}
_FIXED = {
    "disease=relapsed": "Leukemia has come back (relapsed)",
    "disease=refractory": "Leukemia did not respond to treatment (refractory)",
    "disease=primary-refractory": "Leukemia never went into remission (primary refractory)",
    "disease=first-relapse": "First relapse",
    "disease=after-hsct": "Relapse after an allogeneic stem cell transplant",
    "disease=mrd-positive": "Measurable residual disease (MRD) in remission",
    "disease=remission": "In remission now",
    "cd19=positive": "Leukemia cells carry CD19", "cd19=negative": "Leukemia cells lack CD19",
    "cd22=positive": "Leukemia cells carry CD22", "cd22=negative": "Leukemia cells lack CD22",
    "ph=positive": "Philadelphia chromosome (BCR::ABL1) positive",
    "ph=negative": "Philadelphia chromosome (BCR::ABL1) negative",
    "t315i=present": "ABL1 T315I mutation present", "t315i=absent": "No ABL1 T315I mutation",
    "lineage=B": "B-cell ALL", "lineage=T": "T-cell ALL",
    "kmt2a=rearranged": "KMT2A (MLL) rearrangement",
    "kmt2a=not-rearranged": "No KMT2A (MLL) rearrangement",
    "cns=no-active": "No active leukemia in the brain or spinal fluid (CNS)",
    "sex=FEMALE": "Women only", "sex=MALE": "Men only",
    "record=criteria": "The study record lists eligibility criteria",
}


def describe(req: TrialRequirement) -> str:
    """The requirement in plain words."""
    if req.key in _FIXED:
        return _FIXED[req.key]
    kind, expect = req.kind, req.expect
    if kind in DRUGS:
        drug = DRUGS[kind][0]
        return {"required": f"Has had {drug}", "none": f"Has not had {drug}",
                "none-recent": f"Has not had {drug} recently (the study sets a time limit)",
                "conditional": f"Earlier {drug} is accepted only under conditions"}.get(
                    expect, f"Has had at least {expect[2:]} different TKIs")
    found = re.search(r"(\d+(?:\.\d+)?)$", expect)
    n = found.group(1) if found else expect
    if kind == "disease":
        if expect.startswith("relapse>="):
            return {"2": "Second or later relapse", "3": "Third or later relapse"}.get(
                n, f"Relapse number {n} or later")
        if expect.startswith("lines>="):
            return f"At least {n} earlier lines of treatment"
        if expect.startswith("first-relapse-cr1<"):
            return f"First relapse after a first remission shorter than {n} months"
    if kind == "ecog":
        return f"Performance status ECOG {n} or better"
    if kind == "karnofsky":
        return f"Karnofsky performance status {n}% or more"
    if kind == "diagnosis":
        return f"A diagnosis the study takes ({expect.replace('+', ' or ')}, not ALL)"
    if kind == "lines":
        return f"At most {n} earlier lines of treatment"
    if kind == "ask":
        return {"hsct-candidate": "Transplant candidacy or donor availability",
                "previous-study": "Took part in an earlier study"}.get(expect, expect)
    if kind == "age_dx":
        return "Age at diagnosis: " + describe(TrialRequirement("age", expect)).lower()
    if kind == "age":
        op = expect[: len(expect) - len(n)]
        return {">=": f"Age {n} or older", ">": f"Older than {n}",
                "<=": f"Age {n} or younger", "<": f"Age {_whole(n) - 1} or younger"
                if float(n).is_integer() else f"Younger than {n}"}[op]
    return f"{kind}: {expect}"


def _whole(n: str) -> int:
    return int(float(n))

"""Judge a disease-setting requirement (relapsed, refractory, n-th relapse, relapse after
transplant, lines of treatment, MRD) against a patient's facts. Pure.

The facts say where the disease stands now (``disease_status``), how many
relapses there were, and what was given; they do not count lines of treatment,
so a "lines" requirement can be met from a lower bound but never failed.
"""

from __future__ import annotations

from allnav.facts import Facts
from allnav.trials.labels import describe
from allnav.trials.model import TrialCheck, TrialRequirement

_Q_STATUS = ("Did the leukemia come back, or did it never go away, and is it active now? "
             "The study needs: {need}.")
_Q_REMISSION = ("The patient is in remission now. Does the study take patients in remission "
                "(for example with measurable residual disease)? The study needs: {need}.")


def _relapsed(f: Facts, need: str) -> TrialCheck:
    ds, rc = f.disease_status, f.relapse_count
    if ds == "relapsed":
        return TrialCheck("met", "the leukemia has relapsed")
    if ds == "primary-refractory":
        return TrialCheck("not-met", "the leukemia never went into remission, so it has not relapsed")
    if ds == "remission" and rc == 0:
        return TrialCheck("not-met", "the patient is in a first remission and has not relapsed")
    if ds == "remission":
        return TrialCheck("unknown", "the patient is in remission after a relapse",
                       _Q_REMISSION.format(need=need))
    return TrialCheck("unknown", "disease status is not known", _Q_STATUS.format(need=need))


def _refractory(f: Facts, need: str) -> TrialCheck:
    ds = f.disease_status
    if ds == "primary-refractory":
        return TrialCheck("met", "the leukemia did not respond to first treatment")
    if ds == "relapsed" and f.response_to_latest_treatment == "no-response":
        return TrialCheck("met", "the relapse did not respond to the latest treatment")
    if ds == "remission":
        return TrialCheck("not-met", "the patient is in remission")
    if ds == "relapsed":
        return TrialCheck("unknown", "the relapse may or may not be refractory to treatment",
                       "Has the relapse responded to treatment? The study is for leukemia "
                       "that did not respond (refractory).")
    return TrialCheck("unknown", "disease status is not known", _Q_STATUS.format(need=need))


def _nth(f: Facts, n: int, need: str, exact: bool = False) -> TrialCheck:
    rc, ds = f.relapse_count, f.disease_status
    if rc is None and ds == "primary-refractory":
        rc = 0
    if rc is None:
        return TrialCheck("unknown", "the number of relapses is not known",
                       f"How many times has the leukemia come back? The study needs: {need}.")
    ok = rc == n if exact else rc >= n
    if not ok:
        return TrialCheck("not-met", f"the patient has had {rc} relapse(s)")
    if ds == "remission":
        return TrialCheck("unknown", f"{rc} relapse(s), now in remission",
                       _Q_REMISSION.format(need=need))
    return TrialCheck("met", f"the patient has had {rc} relapse(s)")


def _lines_lower_bound(f: Facts) -> int:
    # A patient in relapse number r has had front-line treatment plus r-1 salvages; a
    # known response to the latest treatment means one more line for the current disease.
    lb = 1 if f.disease_status in ("relapsed", "primary-refractory") else 0
    if f.relapse_count:
        lb = max(lb, f.relapse_count)
    if f.response_to_latest_treatment is not None and lb:
        lb += 1
    return lb


def evaluate_disease(req: TrialRequirement, f: Facts) -> TrialCheck:
    """One disease-setting requirement judged against the facts."""
    need = describe(req).lower()
    e = req.expect
    if e == "relapsed":
        return _relapsed(f, need)
    if e == "refractory":
        return _refractory(f, need)
    if e == "primary-refractory":
        if f.disease_status is None:
            return TrialCheck("unknown", "disease status is not known", _Q_STATUS.format(need=need))
        # Once in remission (relapsed or not) the disease is no longer primary refractory.
        return TrialCheck("met" if f.disease_status == "primary-refractory" else "not-met",
                       f"disease status is {f.disease_status}")
    if e.startswith("relapse>="):
        return _nth(f, int(e[9:]), need)
    if e.startswith("first-relapse"):
        first = _nth(f, 1, need, exact=True)
        if first.status != "met" or e == "first-relapse":
            return first
        limit = float(e.split("<", 1)[1])
        months = f.first_remission_months
        if months is None:
            return TrialCheck("unknown", "the length of the first remission is not known",
                           f"How long did the first remission last? The study needs: {need}.")
        return TrialCheck("met" if months < limit else "not-met",
                       f"the first remission lasted {months:g} months")
    if e == "after-hsct":
        if f.prior_treatments is None:
            return TrialCheck("unknown", "the treatment history is not known",
                           f"Has the patient had an allogeneic stem cell transplant? The study "
                           f"needs: {need}.")
        if "allogeneic-stem-cell-transplant" not in f.prior_treatments:
            return TrialCheck("not-met", "the patient has not had an allogeneic transplant")
        rel = _relapsed(f, need)
        return rel if rel.status != "met" else TrialCheck(
            "met", "the leukemia relapsed and the patient has had an allogeneic transplant")
    if e.startswith("lines>="):
        n, lb = int(e[7:]), _lines_lower_bound(f)
        if lb >= n:
            return TrialCheck("met", f"at least {lb} line(s) of treatment so far")
        return TrialCheck("unknown", "the number of treatment lines is not recorded",
                       f"How many lines of treatment has the patient had? The study needs at "
                       f"least {n}.")
    if e == "remission":
        if f.disease_status is None:
            return TrialCheck("unknown", "disease status is not known", _Q_STATUS.format(need=need))
        return TrialCheck("met" if f.disease_status == "remission" else "not-met",
                       f"disease status is {f.disease_status}")
    if e == "mrd-positive":
        if f.disease_status in ("relapsed", "primary-refractory"):
            return TrialCheck("not-met", "the leukemia is active, not in remission with MRD")
        if f.mrd is None or f.disease_status is None:
            return TrialCheck("unknown", "MRD status is not known", f"Is measurable residual "
                           f"disease (MRD) present? The study needs: {need}.")
        return TrialCheck("met" if f.mrd == "positive" else "not-met", f"MRD is {f.mrd}")
    return TrialCheck("unknown", f"disease setting '{e}' is not known", None)

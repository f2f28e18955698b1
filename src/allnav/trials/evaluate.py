"""Judge each recognised requirement against one patient's facts: met, not met or unknown.

Unknown is never negative: a fact that is not known, or a criterion the facts
cannot settle (a time limit, a count of TKIs, Karnofsky against an ECOG
score), comes back unknown with a question in plain words for the study team.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from allnav.facts import FIELDS, Facts
from allnav.trials.disease import evaluate_disease
from allnav.trials.labels import DRUGS, describe
from allnav.trials.model import Status3, TrialCheck, TrialCriterion, TrialRequirement

#: The Karnofsky range each ECOG grade corresponds to (Oken et al. 1982 conversion).
_KPS = {0: (90, 100), 1: (70, 80), 2: (50, 60), 3: (30, 40), 4: (10, 20)}


def _ask(fact: str, req: TrialRequirement) -> str:
    return f"{FIELDS[fact].question} The study needs: {describe(req).lower()}."


def _equal(fact: str, value: object, req: TrialRequirement) -> TrialCheck:
    if value is None:
        return TrialCheck("unknown", f"{fact} is not known", _ask(fact, req))
    if value == req.expect or (fact == "sex" and str(value).upper() == req.expect):
        return TrialCheck("met", f"{fact} is {value}")
    return TrialCheck("not-met", f"{fact} is {value}")


def _prior(req: TrialRequirement, f: Facts) -> TrialCheck:
    drug, facts_names = DRUGS[req.kind]
    if f.prior_treatments is None:
        return TrialCheck("unknown", "the treatment history is not known",
                       f"Has the patient had {drug}? The study needs: {describe(req).lower()}.")
    had = any(t in f.prior_treatments for t in facts_names)
    said = f"has had {drug}" if had else f"has not had {drug}"
    if req.expect == "required":
        return TrialCheck("met" if had else "not-met", f"the patient {said}")
    if req.expect == "none":
        return TrialCheck("not-met" if had else "met", f"the patient {said}")
    if req.expect in ("none-recent", "conditional"):
        if not had:
            return TrialCheck("met", f"the patient {said}")
        what = "how long ago it was" if req.expect == "none-recent" else "whether its conditions are met"
        return TrialCheck("unknown", f"the patient {said}; the study limits it",
                       f"The study limits earlier {drug}: ask the study team {what} "
                       "(see the quoted sentence).")
    need = int(req.expect[2:])
    count = sum(t in f.prior_treatments for t in facts_names)
    if count >= need:
        return TrialCheck("met", f"the patient has had {count} kinds of TKI")
    if count == 0:
        return TrialCheck("not-met", "the patient has not had a TKI")
    return TrialCheck("unknown", "the facts record whether a TKI was given, not how many",
                   f"How many different TKIs has the patient had? The study needs at least {need}.")


def _age(req: TrialRequirement, age: float | None) -> TrialCheck:
    if age is None:
        return TrialCheck("unknown", "age is not known", _ask("age_years", req))
    n_text = req.expect.lstrip("<>=")
    op, n = req.expect[: len(req.expect) - len(n_text)], float(n_text)
    whole = math.floor(age)  # "75 or younger" admits anyone who is 75, whatever the months
    ok = {">=": age >= n, ">": age > n, "<=": whole <= n, "<": age < n}[op]
    return TrialCheck("met" if ok else "not-met", f"the patient is {age:g}")


def _cns(f: Facts) -> TrialCheck:
    q = ("Has the leukemia been found in the brain or spinal fluid (CNS)? The study does not "
         "take people with active CNS disease.")
    if f.relapse_sites is None:
        return TrialCheck("unknown", "where the leukemia is found is not known", q)
    if "cns" not in f.relapse_sites:
        return TrialCheck("met", "the latest relapse was not found in the CNS")
    if f.disease_status == "relapsed":
        return TrialCheck("not-met", "the current relapse involves the CNS")
    return TrialCheck("unknown", "the CNS was involved at the latest relapse; whether it still is "
                   "is not known", q)


def _fitness(req: TrialRequirement, ecog: int | None) -> TrialCheck:
    fact_q = _ask("ecog", req)
    if ecog is None:
        return TrialCheck("unknown", "ECOG is not known", fact_q)
    n = int(req.expect.lstrip("<>="))
    if req.kind == "ecog":
        return TrialCheck("met" if ecog <= n else "not-met", f"ECOG is {ecog}")
    lo, hi = _KPS[ecog]
    if lo >= n:
        return TrialCheck("met", f"ECOG {ecog} is Karnofsky {lo}-{hi}%")
    if hi < n:
        return TrialCheck("not-met", f"ECOG {ecog} is Karnofsky {lo}-{hi}%")
    return TrialCheck("unknown", f"ECOG {ecog} is Karnofsky {lo}-{hi}%, on either side of {n}%",
                   f"The study needs Karnofsky {n}% or more; ECOG {ecog} may or may not meet it. "
                   "Ask the study team to assess it.")


#: Criteria the facts cannot settle: the question to ask the study team.
ASK = {
    "lines": "How many earlier treatments (lines) has the patient had? The study limits them: "
             "{detail}.",
    "hsct-candidate": "Is the patient a candidate for a stem cell transplant now, and is a "
                      "donor available? The study asks about it.",
    "previous-study": "The study is only for people who took part in an earlier study: did "
                      "the patient?",
}


def _special(req: TrialRequirement, f: Facts) -> TrialCheck | None:
    """Criteria that are not a single fact: the diagnosis, limits the facts do not record."""
    if req.kind == "diagnosis":
        # Every patient here has ALL: a study whose diagnosis list leaves ALL out does not fit.
        return TrialCheck("not-met", f"the study is for {req.expect.replace('+', ' or ')}; the "
                       "patient has ALL")
    if req.kind == "lines":
        return TrialCheck("unknown", "the facts do not count earlier lines of treatment",
                       ASK["lines"].format(detail=f"at most {req.expect.lstrip('<=')}"))
    if req.kind == "ask":
        return TrialCheck("unknown", "the facts do not say", ASK.get(req.expect, "Ask the study "
                       "team about this criterion (see the quoted sentence)."))
    if req.kind == "age_dx":
        # Age at diagnosis is at most the age now: an upper limit met now was met then.
        now = _age(TrialRequirement("age", req.expect), f.age_years)
        if now.status == "met" and req.expect.startswith("<"):
            return TrialCheck("met", f"{now.note}, so younger at diagnosis")
        limit = describe(TrialRequirement("age", req.expect)).lower()
        return TrialCheck("unknown", "the age at diagnosis is not in the facts",
                       "How old was the patient when the leukemia was first diagnosed? The "
                       f"study needs: {limit} at diagnosis.")
    return None


def evaluate(req: TrialRequirement, f: Facts) -> TrialCheck:
    """One requirement judged against the patient's facts."""
    kind = req.kind
    special = _special(req, f)
    if special is not None:
        return special
    if kind in DRUGS:
        return _prior(req, f)
    if kind == "disease":
        return evaluate_disease(req, f)
    if kind == "age":
        return _age(req, f.age_years)
    if kind == "cns":
        return _cns(f)
    if kind in ("ecog", "karnofsky"):
        return _fitness(req, f.ecog)
    if kind == "t315i":
        if f.abl1_mutations is None and f.ph_status == "negative":
            return TrialCheck("met" if req.expect == "absent" else "not-met",
                           "Ph-negative ALL has no ABL1 kinase mutation")
        if f.abl1_mutations is None:
            return TrialCheck("unknown", "ABL1 mutation testing is not known",
                           _ask("abl1_mutations", req))
        has = "T315I" in f.abl1_mutations
        return TrialCheck("met" if has == (req.expect == "present") else "not-met",
                       "T315I was found" if has else "T315I was not found")
    fact = {"cd19": "cd19", "cd22": "cd22", "ph": "ph_status", "lineage": "lineage",
            "kmt2a": "kmt2a", "sex": "sex"}.get(kind)
    if fact is None:
        return TrialCheck("unknown", f"{kind} is not a known criterion", None)
    return _equal(fact, f.value(fact), req)


@dataclass(frozen=True, slots=True)
class Judged:
    """A criterion judged for one patient, ready to show."""

    criterion: TrialCriterion
    status: Status3
    note: str
    question: str | None
    #: A label given by the caller (the structured age and sex limits); else from the criterion.
    title: str | None = None

    @property
    def label(self) -> str:
        """The criterion in plain words (built when shown: a match judges many more)."""
        if self.title:
            return self.title
        out = " or ".join(describe(r) for r in self.criterion.any_of)
        if self.criterion.when is not None:
            out += f" (if {describe(self.criterion.when).lower()})"
        return out


#: Judgements already made for one patient. Studies share most criteria ("no active CNS
#: disease"), so a match over many studies judges each once: keyed by the criterion's
#: identity (the store hands out one object per distinct criterion) and, failing that, by
#: its alternatives and condition.
Memo = dict[object, tuple[Status3, str, str | None]]


def judge(c: TrialCriterion, f: Facts, memo: Memo | None = None) -> Judged:
    """A criterion (alternatives joined by "or", maybe a condition) judged for one patient.

    A criterion read with a doubt never fails: its "not met" is unknown, with the doubt
    and the sentence for the study team. ``memo`` must belong to this patient's facts and
    live no longer than the criteria.
    """
    j = _judge(c, f, memo)
    if c.doubt and j.status == "not-met":
        return Judged(c, "unknown", f"{j.note}; but {c.doubt}",
                      f"The study says: \"{_short(c.sentence)}\" Does this apply to the "
                      f"patient ({c.doubt})? Ask the study team.")
    return j


def _short(sentence: str, limit: int = 160) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit - 3].rsplit(" ", 1)[0] + "..."


def _judge(c: TrialCriterion, f: Facts, memo: Memo | None) -> Judged:
    if memo is not None:
        found = memo.get(id(c))
        if found is None:
            key = (c.any_of, c.when)
            found = memo.get(key)
            if found is None:
                j = _judge(c, f, None)
                found = memo[key] = (j.status, j.note, j.question)
            memo[id(c)] = found
        return Judged(c, *found)
    outcomes = [evaluate(r, f) for r in c.any_of]
    met = [o for o in outcomes if o.status == "met"]
    unknown = [o for o in outcomes if o.status == "unknown"]
    if met:
        status: Status3 = "met"
        note = met[0].note
    elif unknown:
        status, note = "unknown", "; ".join(o.note for o in unknown)
    else:
        status, note = "not-met", "; ".join(o.note for o in outcomes)
    question = None
    if status == "unknown":
        asks = [o.question for o in unknown if o.question]
        question = asks[0] if len(asks) == 1 else (
            "Which of these applies: " + " or ".join(describe(r) for r in c.any_of).lower()
            + "? The study needs one of them.")
    if c.when is not None and status != "met":
        cond = evaluate(c.when, f)
        if cond.status == "not-met":
            return Judged(c, "met", f"does not apply: {cond.note}", None)
        if cond.status == "unknown":
            when = describe(c.when)
            return Judged(c, "unknown", f"{note}; {cond.note}",
                          f"{cond.question or when + '?'} If so, the study also needs: "
                          f"{describe(c.any_of[0]).lower()}.")
    return Judged(c, status, note, question)

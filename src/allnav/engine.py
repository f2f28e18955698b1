"""The engine: ``assess(pathway, facts, as_of)``, pure and synchronous.

For each option in the vocabulary, every requirement is evaluated with
three-valued logic. The verdict follows one rule, which is what makes
"unknown is not negative" hold by construction:

- any requirement false -> ``not-suitable`` (the failing reasons are given);
- otherwise any requirement unknown -> ``possible`` (the facts that would
  settle it are listed as missing), and likewise any requirement false whose
  ``not_met_means`` is ``possible`` (outside a trial's or label's population,
  a matter for the team's judgement; the reason says so);
- otherwise -> ``suitable``.

``urgent`` is set where the option's urgency criterion is true, whatever the
verdict, so an emergency that cannot yet be confirmed is still flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

from allnav.assessment import (
    Assessment,
    MissingFact,
    OptionResult,
    Reason,
    SituationResult,
    Status,
)
from allnav.criteria import Tri
from allnav.facts import FIELDS, Facts
from allnav.pathway import Option, Pathway
from allnav.problems import Problem

_FIELD_ORDER = {name: i for i, name in enumerate(FIELDS)}


def _verdict(option: Option, outcomes: tuple[Tri, ...]) -> tuple[tuple[Reason, ...], Status]:
    """Reasons and verdict for one combination of requirement outcomes (memoised on the option)."""
    reasons: list[Reason] = []
    failed = unknown = judged = False
    for req, outcome in zip(option.requires, outcomes, strict=True):
        crit = req.criterion
        counts = True
        judgement = False
        if outcome is True:
            text = req.met
        elif outcome is False:
            text = req.not_met
            judgement = req.not_met_means == "possible"
            if judgement:
                judged = True
            else:
                failed = True
        else:
            text = req.unknown
            counts = req.ask_if_unknown
            unknown = unknown or counts
        reasons.append(Reason(crit.id, crit.title, outcome, text, crit.fact_names, counts,
                              judgement))
    status: Status = ("not-suitable" if failed
                      else "possible" if unknown or judged else "suitable")
    # Reasons and verdict depend only on the outcomes of the option's requirements:
    # at most 3**n combinations, built on first use and shared by every patient.
    option.verdicts[outcomes] = (tuple(reasons), status)
    return tuple(reasons), status


def assess_option(
    option: Option, facts: Facts, named: Mapping[str, Tri],
    missing_memo: dict[str, tuple[str, ...]] | None = None,
) -> OptionResult:
    """The verdict, reasons and missing facts for one option.

    ``named`` holds every named criterion's outcome for this patient (see
    :func:`evaluate_criteria`); ``missing_memo`` shares the missing-fact lists of
    criteria between the options of one assessment.

    A result is a pure function of the outcomes the option reads, except for the
    missing facts of a "possible" option, which depend on the facts themselves; so
    every other result is memoised on those outcomes (at most 3**k entries).
    """
    key = option.read_key(named)
    cached = option.results.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    n = len(option.requires)
    outcomes = key[:n]
    found = option.verdicts.get(outcomes)
    reasons, status = found if found is not None else _verdict(option, outcomes)
    if status != "possible":
        result = _result(option, key, reasons, status, ())
        option.results[key] = result
        return result
    # "Possible": the missing facts depend on the facts themselves, not only on the
    # outcomes, so they are computed (once per criterion per patient) and join the key.
    memo = {} if missing_memo is None else missing_memo
    open_parts: list[tuple[str, ...]] = []
    for req, outcome in zip(option.requires, outcomes, strict=True):
        if outcome is None and req.ask_if_unknown:
            crit = req.criterion
            names = memo.get(crit.id)
            if names is None:
                names = memo[crit.id] = crit.missing(facts)
            open_parts.append(names)
    full_key = (key, tuple(open_parts))
    cached = option.possible_results.get(full_key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    missing = tuple(dict.fromkeys(name for names in open_parts for name in names))
    result = _result(option, key, reasons, status, missing)
    if len(option.possible_results) < _MEMO_LIMIT:
        option.possible_results[full_key] = result
    return result


def _result(option: Option, key: tuple[Tri, ...], reasons: tuple[Reason, ...], status: Status,
            missing: tuple[str, ...]) -> OptionResult:
    n = len(option.requires)
    n_notes = len(option.notes)
    n_urgent = 1 if option.urgent_when is not None else 0
    urgent = n_urgent == 1 and key[n + n_notes] is True
    notes = tuple([note.text for note, outcome in zip(option.notes, key[n:n + n_notes],
                                                      strict=True) if outcome is note.on])
    guideline = next((rank for (_, rank), outcome in zip(
        option.guideline, key[n + n_notes + n_urgent:], strict=True) if outcome is True), None)
    return OptionResult(
        option.id, option.title, option.plain_title, option.category, status, urgent,
        reasons, missing, option.evidence, notes, option.urgent_text if urgent else None,
        guideline,
    )


def evaluate_criteria(pathway: Pathway, facts: Facts) -> dict[str, Tri]:
    """Every named criterion's outcome for ``facts``, each computed once."""
    return pathway.evaluate_criteria(facts)


def _missing_summary(pathway: Pathway, per_option: tuple[tuple[str, ...], ...]) -> tuple[MissingFact, ...]:
    """Each missing fact with the options it affects, in vocabulary order (memoised: the
    summary depends only on the options' missing facts)."""
    found = pathway.missing_summaries.get(per_option)
    if found is not None:
        return found  # type: ignore[no-any-return]
    needed: dict[str, list[str]] = {}
    for option, names in zip(pathway.options, per_option, strict=True):
        for name in names:
            needed.setdefault(name, []).append(option.id)
    summary = tuple(
        MissingFact(name, FIELDS[name].question, tuple(needed[name]))
        for name in sorted(needed, key=_FIELD_ORDER.__getitem__)
    )
    if len(pathway.missing_summaries) < _MEMO_LIMIT:
        pathway.missing_summaries[per_option] = summary
    return summary


#: Bound on memo tables whose keys vary with the patients seen (a population screen
#: could otherwise grow them without limit); tables keyed by outcome patterns are small.
_MEMO_LIMIT = 10_000


def assess(
    pathway: Pathway,
    facts: Facts,
    as_of: dt.date | None = None,
    warnings: Sequence[Problem] = (),
) -> Assessment:
    """Evaluate every option of ``pathway`` for ``facts``.

    ``as_of`` is the date the assessment is for; it defaults to ``facts.as_of``
    and must be given when that is unknown (the core never reads the clock).
    ``warnings`` from reading the facts are carried into ``issues``.
    """
    when = as_of or facts.as_of
    if when is None:
        raise ValueError("assess() needs as_of: pass the date, or set facts.as_of")
    if facts.as_of != when:
        # Date criteria (how old the blood counts are) count days to the assessment date.
        facts = replace(facts, as_of=when)
    named = evaluate_criteria(pathway, facts)
    memo: dict[str, tuple[str, ...]] = {}
    results = tuple([assess_option(o, facts, named, memo) for o in pathway.options])
    applies = tuple([True if s.when is None else named[s.when.id] for s in pathway.situations])
    situations = pathway.situation_results.get(applies)
    if situations is None:
        situations = pathway.situation_results[applies] = tuple(
            SituationResult(s.id, s.title, a) for s, a in zip(pathway.situations, applies, strict=True))
    missing = _missing_summary(pathway, tuple([r.missing_facts for r in results]))
    issues = list(warnings) if warnings else []
    if when > pathway.review_due_date:
        issues.append(Problem(
            "stale_review", ("pathway",),
            f"the pathway's clinical review was due on {pathway.review_due_date.isoformat()}; "
            "check the options against current guidelines", severity="warning",
        ))
    return Assessment(pathway.id, pathway.version, pathway.last_reviewed, when, facts,
                      results, situations, missing, tuple(issues))

"""The engine: ``assess(pathway, facts, as_of)``, pure and synchronous.

For each option in the vocabulary, every requirement is evaluated with
three-valued logic. The verdict follows one rule, which is what makes
"unknown is not negative" hold by construction:

- any requirement false -> ``not-suitable`` (the failing reasons are given);
- otherwise any requirement unknown -> ``possible`` (the facts that would
  settle it are listed as missing);
- otherwise -> ``suitable``.

``urgent`` is set where the option's urgency criterion is true, whatever the
verdict, so an emergency that cannot yet be confirmed is still flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from allnav.assessment import (
    Assessment,
    MissingFact,
    OptionResult,
    Reason,
    SituationResult,
    Status,
)
from allnav.facts import FIELDS, Facts
from allnav.pathway import Option, Pathway
from allnav.problems import Problem


def _facts_read(names: Sequence[str], facts: Facts) -> tuple[tuple[str, object], ...]:
    return tuple((n, facts.value(n)) for n in names)


def assess_option(option: Option, facts: Facts) -> OptionResult:
    """The verdict, reasons and missing facts for one option."""
    reasons: list[Reason] = []
    missing: list[str] = []
    failed = unknown = False
    for req in option.requires:
        test = req.criterion.test
        outcome = test.evaluate(facts)
        if outcome is True:
            text = req.met
        elif outcome is False:
            text = req.not_met
            failed = True
        else:
            text = req.unknown
            if req.ask_if_unknown:
                unknown = True
                for name in test.missing(facts):
                    if name not in missing:
                        missing.append(name)
        reasons.append(Reason(
            req.criterion.id, req.criterion.title, outcome, text,
            _facts_read(test.facts_used(), facts),
            counts=outcome is not None or req.ask_if_unknown,
        ))
    status: Status = "not-suitable" if failed else ("possible" if unknown else "suitable")
    urgent = option.urgent_when is not None and option.urgent_when.test.evaluate(facts) is True
    notes = tuple(n.text for n in option.notes if n.criterion.test.evaluate(facts) is n.on)
    return OptionResult(
        id=option.id, title=option.title, plain_title=option.plain_title,
        category=option.category, status=status, urgent=urgent, reasons=tuple(reasons),
        missing_facts=tuple(missing) if not failed else (), evidence=option.evidence,
        notes=notes, urgent_text=option.urgent_text if urgent else None,
    )


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
    results = tuple(assess_option(o, facts) for o in pathway.options)
    situations = tuple(
        SituationResult(s.id, s.title, True if s.when is None else s.when.test.evaluate(facts))
        for s in pathway.situations
    )
    needed: dict[str, list[str]] = {}
    for r in results:
        for name in r.missing_facts:
            needed.setdefault(name, []).append(r.id)
    missing = tuple(
        MissingFact(name, FIELDS[name].question, tuple(needed[name]))
        for name in FIELDS if name in needed
    )
    issues = list(warnings)
    if when > pathway.review_due():
        issues.append(Problem(
            "stale_review", ("pathway",),
            f"the pathway's clinical review was due on {pathway.review_due().isoformat()}; "
            "check the options against current guidelines", severity="warning",
        ))
    return Assessment(
        pathway_id=pathway.id, pathway_version=pathway.version,
        pathway_last_reviewed=pathway.last_reviewed, as_of=when, facts=facts,
        options=results, situations=situations, missing_facts=missing, issues=tuple(issues),
    )

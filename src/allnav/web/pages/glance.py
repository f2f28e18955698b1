"""The first screen of the results: the options at a glance, the missing facts that would
settle the most options, the comparison table, which options fit each stated value, and the
questions split between the care team and the form.

Nothing here decides anything: it arranges the report the core returned, in the order
people think about the choice (treat the leukemia, transplant, comfort, trials; comfort is
never last, so it is never pushed off the first screen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from allnav.assessment import MissingFact
from allnav.glossary import Glossary
from allnav.odds import ShownOutcome
from allnav.topics import Topics
from allnav.web.pages.view import OptionView, Report, plain_question

#: The at-a-glance tiles, in this order: (category, short title).
GLANCE_GROUPS: tuple[tuple[str, str], ...] = (
    ("remission-treatment", "Treat the leukemia"),
    ("transplant", "Transplant"),
    ("comfort-and-support", "Comfort and symptom care"),
    ("clinical-trial", "Clinical trials"),
)
#: How many missing facts the first screen names.
TOP_CHANGERS = 2


@dataclass(frozen=True)
class Tile:
    id: str
    title: str
    fits: tuple[OptionView, ...]
    might: tuple[OptionView, ...]
    not_now: int


@dataclass(frozen=True)
class Changer:
    """A missing fact, as a question, and the options its answer would settle."""

    fact: str
    question: str
    settles: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    """One line of the comparison table."""

    view: OptionView
    involves: str
    benefit: str
    harm: str


@dataclass(frozen=True)
class ValueFit:
    id: str
    text: str
    options: tuple[OptionView, ...]


@dataclass(frozen=True)
class Glance:
    tiles: tuple[Tile, ...]
    changers: tuple[Changer, ...]
    #: The table's rows: the options that fit now, then (folded away) those that might fit.
    rows: tuple[Row, ...]
    might_rows: tuple[Row, ...]
    values: tuple[ValueFit, ...]
    #: Tests and results to ask the care team about, as questions.
    ask_team: tuple[str, ...]
    #: What only the patient knows and has not said: answered in the form, not asked.
    in_form: tuple[str, ...]
    not_sure: tuple[str, ...]
    goals_unsure: bool


def _short(o: ShownOutcome) -> str:
    """One number in a few words: "34 in 100 went into complete remission (TOWER)"."""
    where = f" ({o.source.short})"
    if o.array is not None:
        treated = sum(s.count for s in o.array.segments if s.key in ("base", "extra"))
        return f"{treated:,} in {o.array.total:,} {o.plain}{where}"
    return (o.sentences[0].text if o.sentences else f"People {o.plain}.") + where


def _words(v: OptionView, kind: str) -> str:
    """The option's first published number of a kind, else its statement, in one line."""
    if v.odds is None:
        return "No published numbers for this option."
    shown = v.odds.benefits if kind == "benefits" else v.odds.harms
    if shown:
        more = len(shown) - 1
        return _short(shown[0]) + (f"; {more} more in the details" if more else "")
    for st in v.odds.statements:
        if st.kind in (kind, f"{kind}-none-fit", "no-numbers"):
            return st.text.split(". ")[0].rstrip(".") + "."
    return "No published numbers for this option."


def short_title(v: OptionView) -> str:
    """The option's name without its explanation: "Blinatumomab", "A palliative care team"."""
    return v.result.plain_title.split(", ")[0]


def _changers(missing: Sequence[MissingFact], report: Report,
              glossary: Glossary) -> tuple[Changer, ...]:
    """The missing facts that settle the most choices (urgent care is the banner's, and
    symptom care is given whatever the answer, so neither counts)."""
    views = {v.id: v for v in report.options}
    choices = {oid for oid, v in views.items()
               if v.result.category != "urgent-care" and oid not in glossary.alongside}
    counted = [(m, [o for o in m.options if o in choices]) for m in missing]
    ranked = sorted((c for c in counted if c[1]), key=lambda c: -len(c[1]))
    return tuple(Changer(m.fact, glossary.ask.get(m.fact) or plain_question(m.fact),
                         tuple(short_title(views[o]) for o in settles))
                 for m, settles in ranked[:TOP_CHANGERS])


def _fitting(report: Report, glossary: Glossary) -> list[OptionView]:
    """The choices that fit or might fit, those that fit first (urgent care is in the
    banner; symptom care goes alongside any choice, so it is not compared as one)."""
    out = [v for v in report.options
           if v.result.status != "not-suitable" and v.result.category != "urgent-care"
           and v.id not in glossary.alongside]
    return sorted(out, key=lambda v: v.result.status != "suitable")


def build_glance(report: Report, topics: Topics, glossary: Glossary,
                 goals_unsure: bool = False) -> Glance:
    """``goals_unsure``: the person answered "I'm not sure yet" to what matters most (the
    facts hold that as unknown, so the form's answer says it)."""
    fitting = _fitting(report, glossary)
    tiles = []
    for gid, title in GLANCE_GROUPS:
        members = [v for v in report.options if v.result.category == gid]
        tiles.append(Tile(gid, title, tuple(v for v in members if v.result.status == "suitable"),
                          tuple(v for v in members if v.result.status == "possible"),
                          sum(v.result.status == "not-suitable" for v in members)))
    rows = [Row(v, v.option.involves or "Ask your care team what it involves.",
                _words(v, "benefits"), _words(v, "harms")) for v in fitting]
    by_id = {v.id: v for v in fitting}
    values = tuple(ValueFit(item.id, item.text,
                            tuple(by_id[o] for o in glossary.value_options.get(item.id, ()) if o in by_id))
                   for item in topics.values)
    ask_team, in_form = [], []
    for m in report.assessment.missing_facts:
        if m.fact in glossary.patient_knows:
            in_form.append(plain_question(m.fact))
        else:
            ask_team.append(glossary.ask.get(m.fact) or f"Can you find out: {plain_question(m.fact)}")
    return Glance(tuple(tiles), _changers(report.assessment.missing_facts, report, glossary),
                  tuple(r for r in rows if r.view.result.status == "suitable"),
                  tuple(r for r in rows if r.view.result.status != "suitable"), values,
                  tuple(dict.fromkeys(ask_team)), tuple(dict.fromkeys(in_form)), glossary.not_sure,
                  goals_unsure)

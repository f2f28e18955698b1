"""Plain-text rendering of an odds report (``allnav odds``) and of the evidence registry
(``allnav evidence``).

One sentence per line, never wrapped, so that every line that shows a number also names
where the number comes from: each such line carries its study's short name (and the
clinician line the evidence id). Nothing here computes a number.
"""

from __future__ import annotations

from collections.abc import Iterable

from allnav.evidence import EvidenceItem, EvidenceRegistry
from allnav.odds.match import line_words
from allnav.odds.numbers import Caution, comparator_kind, outcome_numbers
from allnav.odds.report import YOUR_DETAILS, OddsReport, OptionOdds, ShownOutcome, StatementView
from allnav.odds.words import IconArray, clinician_line
from allnav.render import DISCLAIMER

ODDS_NOTE = ("These are published numbers from studies of other people. They cannot say what "
             "will happen to you, and no number here was made up by a model.")
_GLYPH = {"base": "■", "extra": "▨", "fewer": "□", "rest": "·"}
_KIND_WORDS = {
    "randomized-trial": "randomized trial", "single-arm-trial": "single-arm trial",
    "cohort": "record of past patients", "registry": "registry of past patients",
    "guideline": "guideline", "drug-label": "drug approval summary", "review": "review",
    "patient-information": "patient information",
}


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def tag(text: str, short: str) -> str:
    """``text`` with ``[short]`` appended when it shows a number but does not name its source."""
    return f"{text} [{short}]" if _has_digit(text) and short not in text else text


def array_line(array: IconArray) -> str:
    """The icon array in one line: ``■ 29 ... + ▨ 52 ... + · 19 ... = 100``."""
    parts = [f"{_GLYPH[s.key]} {s.count:,} {s.label}" for s in array.segments]
    return f"Icon array: {' + '.join(parts)} = {array.total:,}"


def _cautions(cautions: Iterable[Caution], short: str, indent: str) -> list[str]:
    return [f"{indent}- {tag(c.text, short)}" for c in cautions]


def shown_lines(o: ShownOutcome, indent: str = "    ") -> list[str]:
    """The block for one shown number: words, icon array, differences, cautions, sources."""
    short = o.source.short
    head = f"{short}: {o.numbers.label}"
    if o.fits is True:
        head = "[this is the line that fits you] " + head
    out = [f"{indent}{head}"]
    inner = indent + "  "
    out += [f"{inner}{tag(s.text, short)}" for s in o.sentences]
    if o.array is not None:
        out.append(f"{inner}{tag(array_line(o.array), short)}")
    if o.differences:
        out.append(f"{inner}How you differ from the people studied:")
        out += [f"{inner}- {tag(d, short)}" for d in o.differences]
    if o.unchecked:
        out.append(f"{inner}May not apply to you; we could not check, because your details do "
                   f"not say: {', '.join(o.unchecked)}.")
    if o.cautions:
        out.append(f"{inner}Cautions:")
        out += _cautions(o.cautions, short, inner)
    out.append(f"{inner}For clinicians: {o.clinician}")
    src = o.source
    ids = "".join(f" PMID {src.pmid}." if src.pmid else "") + (f" doi:{src.doi}." if src.doi else "")
    out.append(f"{inner}Source ({short}, {src.evidence_id}): {src.citation} {src.url}.{ids} "
               f"Verification: {src.verification}; reviewed {src.last_reviewed.isoformat()}.")
    return out


def _statement(s: StatementView, indent: str) -> list[str]:
    shorts = ", ".join(x.short for x in s.sources)
    text = f"{s.text} [{shorts}]" if shorts else s.text
    return [f"{indent}{text}"]


def option_lines(o: OptionOdds) -> list[str]:
    """The block for one option: benefits, harms (same detail), statements, what was left out."""
    out = [f"OPTION: {o.plain_title}", f"  ({o.title}; {o.option_id}: {o.status})"]
    no_numbers = [s for s in o.statements if s.kind == "no-numbers"]
    for s in no_numbers:
        out += _statement(s, "  ")
    for heading, kind, group in (("What may help (benefits)", "benefits", o.benefits),
                                 ("What may harm (side effects and risks)", "harms", o.harms)):
        if no_numbers:
            break
        out.append(f"  {heading}")
        for st in o.statements:
            if st.kind in (kind, f"{kind}-none-fit"):
                out += _statement(st, "    ")
        for shown in group:
            out += shown_lines(shown)
    if o.not_shown:
        out.append("  Left out because the people studied differ from you:")
        out += [f"    - {n.reason}" for n in o.not_shown]
    if o.cautions:
        out.append("  Cautions for this option:")
        out += [f"    - {c.text}" for c in o.cautions]
    return out


def render_odds_text(report: OddsReport) -> str:
    """The whole odds report as plain text."""
    s = report.situation
    out = [
        "ALL Navigator: honest odds",
        f"As of {report.as_of.isoformat()}; the selection of numbers was reviewed "
        f"{report.odds_reviewed.isoformat()}.",
        DISCLAIMER,
        ODDS_NOTE,
        "",
        "YOUR SITUATION, AS WE READ IT",
        f"  {s.line_explanation} ({YOUR_DETAILS})",
        "",
        "FOR COMPARISON: THE ODDS WITH CHEMOTHERAPY ALONE, FROM EARLIER YEARS",
    ]
    for c in report.context:
        out += shown_lines(c, "  ")
    out += ["", "CAUTIONS FOR THE WHOLE PAGE"]
    out += [f"  - {c.text}" for c in report.cautions]
    if not report.options:
        out += ["", "No option was found suitable or possible, so there are no numbers to show."]
    for o in report.options:
        out += ["", *option_lines(o)]
    return "\n".join(out) + "\n"


def evidence_item_lines(item: EvidenceItem) -> list[str]:
    """One evidence item for ``allnav evidence``: what, for whom, numbers, source, review."""
    p = item.population
    who = [p.description]
    if p.n is not None:
        who.append(f"n={p.n}")
    for label, value in (("age", p.age), ("lineage", p.lineage), ("Ph", p.ph_status),
                         ("setting", p.setting), ("prior transplant", p.prior_transplant)):
        if value:
            who.append(f"{label}: {value}")
    if p.salvage_line:
        who.append(f"salvage: {line_words(p.salvage_line)}")
    out = [f"{item.id}  {item.short}  ({_KIND_WORDS.get(item.kind, item.kind)}, {item.year}); "
           f"{item.verification}; reviewed {item.last_reviewed.isoformat()}",
           f"  What: {item.title}",
           f"  For whom: {'; '.join(who)} [{item.short}]"]
    if item.design_note:
        out.append(f"  Design: {item.design_note} [{item.short}]")
    if item.outcomes:
        out.append("  Numbers:")
    for o in item.outcomes:
        n = outcome_numbers(item, o)
        out.append(f"    - {o.id} ({o.kind}): {clinician_line(n, comparator=comparator_kind(item))}")
        if o.note:
            out.append(f"      Note: {o.note} [{item.short}]")
        out += _cautions(n.cautions, item.short, "      ")
    for note in item.notes:
        out.append(f"  Note: {note} [{item.short}]")
    ids = (f" PMID {item.pmid}." if item.pmid else "") + (f" doi:{item.doi}." if item.doi else "")
    out.append(f"  Source ({item.short}): {item.citation} {item.url}.{ids}")
    return out


def render_evidence_text(registry: EvidenceRegistry) -> str:
    """Every evidence item, in file order."""
    out = [f"ALL Navigator evidence registry: {len(registry)} items.",
           "Proportions with events/total carry an exact (Clopper-Pearson) 95% interval computed "
           "here; Kaplan-Meier survival shows only the published interval.", ""]
    for item in registry:
        out += [*evidence_item_lines(item), ""]
    return "\n".join(out)

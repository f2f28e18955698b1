"""Terminal rendering with rich: options grouped by verdict, each with its reason,
what would change it, and its sources."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from allnav.assessment import Assessment, OptionResult, Status
from allnav.care import CareAssessment
from allnav.care.report import care_sections
from allnav.criteria import show_value
from allnav.evidence import EvidenceRegistry
from allnav.facts import FIELDS
from allnav.pathway import Pathway
from allnav.render import DISCLAIMER

_HEADINGS: dict[Status, tuple[str, str]] = {
    "suitable": ("Suitable now", "green"),
    "possible": ("Possible - depends on information not yet known", "yellow"),
    "not-suitable": ("Not suitable now", "red"),
}


def _sources(o: OptionResult, pathway: Pathway) -> str:
    parts = []
    for e in o.evidence:
        item = pathway.evidence[e]
        mark = "" if item.verification == "verified" else f" [{item.verification}]"
        year = "" if str(item.year) in item.short else f" ({item.year})"
        parts.append(f"{item.short}{year}{mark}")
    return "; ".join(parts)


def _option_block(o: OptionResult, pathway: Pathway) -> Group:
    title = Text()
    if o.urgent:
        title.append(" URGENT ", style="bold white on red")
        title.append(" ")
    title.append(o.title, style="bold")
    title.append(f"  [{o.id}]", style="dim")
    lines: list[Text] = [title]
    if o.urgent_text:
        lines.append(Text(f"  ! {o.urgent_text}", style="bold red"))
    lines.append(Text(f"  {o.headline}"))
    if o.missing_facts:
        asks = ", ".join(f"{m} ({FIELDS[m].question})" for m in o.missing_facts)
        lines.append(Text(f"  Would change with: {asks}", style="yellow"))
    for n in o.notes:
        lines.append(Text(f"  Note: {n}", style="cyan"))
    if o.guideline is not None:
        g = o.guideline
        mark = "" if g.verification == "verified" else f" [{g.verification}: not yet checked against the guideline]"
        lines.append(Text(f"  Guideline order: {g.rank.replace('-', ' ')} - {g.group}, "
                          f"{pathway.evidence[g.evidence].short}{mark}", style="magenta"))
    lines.append(Text(f"  Sources: {_sources(o, pathway)}", style="dim"))
    return Group(*lines)


def render_care_text(care: CareAssessment, evidence: EvidenceRegistry, console: Console) -> None:
    """Print the care alerts, the patient's call list, MASCC and palliative care guidance."""
    for s in care_sections(care, evidence):
        colour = "red" if s.urgent else ("blue" if s.audience == "patient" else "cyan")
        console.rule(Text(s.title, style=f"bold {colour}"), style=colour)
        for line in s.lines:
            console.print(Text(line, style="bold red" if s.urgent else ""))
        console.print()


def render_text(a: Assessment, pathway: Pathway, console: Console,
                care: CareAssessment | None = None) -> None:
    """Print the assessment for a clinician reading in a terminal (with ``care``, its alerts too)."""
    header = Text.assemble(
        (f"{pathway.title}\n", "bold"),
        f"Pathway {a.pathway_id} v{a.pathway_version}, clinically reviewed "
        f"{a.pathway_last_reviewed.isoformat()}. Assessment as of {a.as_of.isoformat()}.\n",
        (DISCLAIMER, "italic"),
    )
    console.print(Panel(header, title="ALL Navigator", border_style="blue"))
    if a.urgent:
        msg = "\n".join(f"{o.title}: {o.urgent_text}" for o in a.urgent)
        console.print(Panel(Text(msg, style="bold"), title="Act now", border_style="red",
                            style="red"))
    known = a.facts.known()
    if known:
        t = Table(title="Facts used", show_header=False, box=None, padding=(0, 1))
        for name, value in known.items():
            src = a.facts.sources.get(name)
            where = f"  ({src.system} {src.reference})" if src else ""
            t.add_row(Text(name, style="dim"), Text(show_value(value) + where))
        console.print(t)
    for status, (heading, colour) in _HEADINGS.items():
        group = a.by_status(status)
        if not group:
            continue
        console.rule(Text(f"{heading} ({len(group)})", style=f"bold {colour}"), style=colour)
        # Urgent options first: they are what to act on.
        for o in sorted(group, key=lambda o: not o.urgent):
            console.print(_option_block(o, pathway))
            console.print()
    if a.missing_facts:
        t = Table(title="Information that would change the answer", title_justify="left")
        t.add_column("fact")
        t.add_column("question")
        t.add_column("affects")
        for m in a.missing_facts:
            t.add_row(m.fact, m.question, ", ".join(m.options))
        console.print(t)
    for p in a.issues:
        style = "red" if p.severity == "error" else "yellow"
        console.print(Text(f"{p.severity}: {p.path}: {p.msg}", style=style))
    if care is not None:
        render_care_text(care, pathway.evidence, console)

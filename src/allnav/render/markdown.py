"""Markdown rendering, for notes, tickets and printing."""

from __future__ import annotations

from allnav.assessment import Assessment, Status
from allnav.care import CareAssessment
from allnav.care.report import care_markdown
from allnav.facts import FIELDS
from allnav.pathway import Pathway
from allnav.render import DISCLAIMER

_HEADINGS: dict[Status, str] = {
    "suitable": "Suitable now",
    "possible": "Possible - depends on information not yet known",
    "not-suitable": "Not suitable now",
}


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(a: Assessment, pathway: Pathway, care: CareAssessment | None = None) -> str:
    """The assessment as a Markdown document (with ``care``, a care section at the end)."""
    out = [
        f"# ALL Navigator assessment ({a.as_of.isoformat()})",
        "",
        f"Pathway `{a.pathway_id}` v{a.pathway_version}, clinically reviewed "
        f"{a.pathway_last_reviewed.isoformat()}.",
        "",
        f"> {DISCLAIMER}",
        "",
    ]
    if a.urgent:
        out += ["## Act now", ""]
        out += [f"- **{o.title}**: {o.urgent_text}" for o in a.urgent]
        out.append("")
    for status, heading in _HEADINGS.items():
        group = a.by_status(status)
        if not group:
            continue
        out += [f"## {heading}", ""]
        for o in sorted(group, key=lambda o: not o.urgent):
            flag = " **(urgent)**" if o.urgent else ""
            out.append(f"### {o.title}{flag}")
            out += ["", f"`{o.id}`: {o.headline}", ""]
            for r in o.reasons:
                mark = {True: "met", False: "not met", None: "unknown"}[r.outcome]
                out.append(f"- {mark}: {r.text} (`{r.criterion}`)")
            if o.missing_facts:
                out.append("- would change with: " + ", ".join(
                    f"`{m}` ({FIELDS[m].question})" for m in o.missing_facts))
            out += [f"- note: {n}" for n in o.notes]
            srcs = []
            for e in o.evidence:
                item = pathway.evidence[e]
                year = "" if str(item.year) in item.short else f" ({item.year})"
                srcs.append(f"[{item.short}{year}]({item.url})")
            out += ["- sources: " + "; ".join(srcs), ""]
    if a.missing_facts:
        out += ["## Information that would change the answer", "",
                "| fact | question | affects |", "|---|---|---|"]
        out += [f"| `{m.fact}` | {_esc(m.question)} | {', '.join(m.options)} |"
                for m in a.missing_facts]
        out.append("")
    if a.issues:
        out += ["## Issues with the input", ""]
        out += [f"- {p.severity}: `{p.path}`: {p.msg}" for p in a.issues]
        out.append("")
    if care is not None:
        out += care_markdown(care, pathway.evidence)
    return "\n".join(out)

"""``allnav pathway lint``, ``allnav pathway show`` and ``allnav pathway explain``."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from allnav.cli._app import pathway_app
from allnav.cli.inputs import parse_date, read_patient
from allnav.criteria import Criterion, Ref
from allnav.criteria_trace import explain_criterion
from allnav.pathway import check_knowledge as check
from allnav.pathway import default_pathway_path, load_pathway
from allnav.problems import format_loc


@pathway_app.command("lint")
def lint_command(
    pathway_file: Path | None = typer.Option(None, "--pathway", help="Pathway YAML to check."),
    evidence_file: Path | None = typer.Option(None, "--evidence", help="Evidence YAML to check."),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge review dates as of (YYYY-MM-DD)."),
) -> None:
    """Validate the knowledge files and report reviews that are due or overdue."""
    console = Console()
    p_path = pathway_file or default_pathway_path()
    e_path = evidence_file or p_path.with_name("evidence.yaml")
    today = parse_date(as_of) or dt.date.today()
    problems = check(yaml.safe_load(p_path.read_text(encoding="utf-8")),
                     yaml.safe_load(e_path.read_text(encoding="utf-8")))
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        where = e_path.name if p.loc[:1] == ("evidence_file",) else p_path.name
        loc = p.loc[1:] if p.loc[:1] == ("evidence_file",) else p.loc
        style = "red" if p.severity == "error" else "yellow"
        console.print(Text(f"{p.severity}: {where}: {format_loc(loc)}: {p.msg}", style=style),
                      soft_wrap=True)
    if errors:
        console.print(Text(f"{len(errors)} error(s); the knowledge cannot be loaded.", style="bold red"))
        raise typer.Exit(1)
    pathway = load_pathway(p_path, e_path)
    interval = dt.timedelta(days=pathway.review_interval_days)
    stale = []
    if today > pathway.review_due():
        stale.append(f"pathway {pathway.id}: last reviewed {pathway.last_reviewed}, "
                     f"due {pathway.review_due()}")
    for item in pathway.evidence:
        if today > item.last_reviewed + interval:
            stale.append(f"{item.id}: last reviewed {item.last_reviewed}, due "
                         f"{item.last_reviewed + interval}")
    for line in stale:
        console.print(Text(f"stale review: {line}", style="yellow"), soft_wrap=True)
    unverified = [f"{i.id}#{o.id}" for i in pathway.evidence for o in i.outcomes
                  if o.verification != "verified"]
    page_only = [i.id for i in pathway.evidence if i.cited_by_journal_page_only]
    if page_only:
        # Their journal page is the primary source; a PMID or DOI makes them easier to find.
        console.print(Text(f"note: {len(page_only)} paper(s) cited by the journal's page without "
                           f"a PMID or DOI yet: {', '.join(page_only)}", style="yellow"),
                      soft_wrap=True)
    n_out = sum(len(i.outcomes) for i in pathway.evidence)
    console.print(Text(
        f"OK: {len(pathway.criteria)} criteria, {len(pathway.options)} options, "
        f"{len(pathway.situations)} situations, {len(pathway.evidence)} evidence items with "
        f"{n_out} outcomes ({len(unverified)} not fully verified, shown as unverified); "
        f"{len(problems)} warning(s); {len(stale)} stale review(s) as of {today}.",
        style="bold green"))


def _criterion_tree(tree: Tree, c: Criterion) -> None:
    label = c.describe() if not isinstance(c, Ref) else f"{c.id}"
    node = tree.add(Text(label, style="cyan" if isinstance(c, Ref) else ""))
    if not isinstance(c, Ref):
        for child in c.children():
            _criterion_tree(node, child)


@pathway_app.command("show")
def show_command(
    criteria: bool = typer.Option(False, "--criteria", help="Also expand every named criterion."),
) -> None:
    """The pathway as a readable tree with node ids."""
    pathway = load_pathway()
    console = Console()
    root = Tree(Text(f"{pathway.title}  [{pathway.id} v{pathway.version}, reviewed "
                     f"{pathway.last_reviewed}]", style="bold"))
    for s in pathway.situations:
        when = f" when {s.when.id}" if s.when else " (always)"
        sn = root.add(Text.assemble((s.title, "bold"), (f"  [{s.id}]{when}", "dim")))
        for oid in s.options:
            o = pathway.option(oid)
            on = sn.add(Text.assemble(o.title, (f"  [{o.id}]", "dim")))
            for r in o.requires:
                on.add(Text(f"requires {r.criterion.id}"
                            + ("" if r.ask_if_unknown else " (not asked if unknown)"),
                            style="green"))
            if o.urgent_when:
                on.add(Text(f"urgent when {o.urgent_when.id}", style="red"))
            on.add(Text("evidence: " + ", ".join(o.evidence), style="dim"))
    console.print(root)
    if criteria:
        ct = Tree(Text("Named criteria", style="bold"))
        for c in pathway.criteria.values():
            node = ct.add(Text.assemble((c.id, "cyan"), f"  {c.title}"))
            _criterion_tree(node, c.test)
        console.print(ct)


@pathway_app.command("explain")
def explain_command(
    criterion: str = typer.Argument(..., help="A named criterion id, e.g. crit.febrile_neutropenia."),
    patient: str = typer.Argument(..., help="Facts file (JSON or YAML), or - for standard input."),
    as_of: str | None = typer.Option(None, "--as-of", help="Evaluate as of this date (YYYY-MM-DD)."),
) -> None:
    """Every part of one criterion with its outcome for this patient: an unknown names its part."""
    facts, _warnings, when = read_patient(patient, as_of)
    # As the engine does: "days since" criteria count to the assessment date.
    facts = replace(facts, as_of=when)
    pathway = load_pathway()
    if criterion not in pathway.criteria:
        typer.echo(f"error: no criterion {criterion!r} in the pathway (see allnav pathway show "
                   "--criteria)", err=True)
        raise typer.Exit(2)
    trace = explain_criterion(pathway, criterion, facts)
    for line in trace.lines():
        typer.echo(line)
    unknown = trace.unknown_parts()
    if trace.outcome is None and unknown:
        typer.echo("unknown because: " + "; ".join(s.text() for s in unknown))

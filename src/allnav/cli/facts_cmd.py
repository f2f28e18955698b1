"""``allnav facts``: the facts read from an input file, each with where it came from.

For a FHIR Bundle or NDJSON this shows what was derived from which resource, element and
date, which facts are stale, and every warning; for a plain facts file the facts as typed.
"""

from __future__ import annotations

import json
from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from allnav.cli._app import app
from allnav.cli.inputs import read_patient
from allnav.facts import Facts
from allnav.problems import Problem
from allnav.render.json_report import jsonable

FORMAT = "allnav.facts/1"


class FactsFormat(StrEnum):
    text = "text"
    json = "json"


def facts_to_dict(facts: Facts, problems: tuple[Problem, ...]) -> dict[str, object]:
    """The facts, their sources and the warnings as JSON-ready data."""
    known = facts.known()
    return {
        "format": FORMAT,
        "as_of": facts.as_of.isoformat() if facts.as_of else None,
        "facts": {name: jsonable(v) for name, v in known.items() if name != "as_of"},
        "fact_sources": {name: s.as_dict() for name, s in facts.sources.items()},
        "issues": [p.as_dict() for p in problems],
    }


def _show(value: object) -> str:
    v = jsonable(value)
    if isinstance(v, list):
        return ", ".join(map(str, v)) if v else "(none)"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def render_facts(facts: Facts, problems: tuple[Problem, ...], console: Console) -> None:
    """A table of facts with their provenance, then the warnings."""
    table = Table(title=f"Facts as of {facts.as_of}", show_lines=False)
    for column in ("fact", "value", "from", "element", "recorded", "note"):
        table.add_column(column, overflow="fold")
    for name, value in facts.known().items():
        if name == "as_of":
            continue
        s = facts.sources.get(name)
        if s is None:
            table.add_row(name, _show(value), "as entered", "", "", "")
            continue
        note = Text("STALE " if s.stale else "", style="bold yellow")
        note.append(s.note or "")
        table.add_row(name, _show(value), s.reference, s.element or "",
                      s.recorded.isoformat() if s.recorded else "", note)
    console.print(table)
    for p in problems:
        style = "red" if p.severity == "error" else "yellow"
        console.print(Text(f"{p.severity}: {p.path}: {p.msg}", style=style), soft_wrap=True)


@app.command("facts")
def facts_command(
    patient: str = typer.Argument(..., help="FHIR Bundle (JSON), NDJSON, or facts file; - for "
                                            "standard input."),
    output: FactsFormat = typer.Option(FactsFormat.text, "--format", "-f", help="Output format."),
    as_of: str | None = typer.Option(None, "--as-of", help="Read the facts as of this date "
                                                           "(YYYY-MM-DD)."),
) -> None:
    """The facts read from a patient's records, with the resource each came from."""
    facts, problems, _ = read_patient(patient, as_of)
    if output is FactsFormat.json:
        typer.echo(json.dumps(facts_to_dict(facts, problems), indent=2, ensure_ascii=False))
    else:
        render_facts(facts, problems, Console())

"""``allnav assess``: a patient's facts in, every option out."""

from __future__ import annotations

import json
from enum import StrEnum

import typer
from rich.console import Console

from allnav.cli._app import app
from allnav.cli.inputs import read_patient
from allnav.interop.patient import assess_patient
from allnav.pathway import load_pathway
from allnav.render.json_report import assessment_to_dict
from allnav.render.markdown import render_markdown
from allnav.render.text import render_text


class AssessFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command("assess")
def assess_command(
    patient: str = typer.Argument(..., help="Facts file (JSON or YAML), or - for standard input."),
    output: AssessFormat = typer.Option(AssessFormat.text, "--format", "-f", help="Output format."),
    as_of: str | None = typer.Option(None, "--as-of", help="Assess as of this date (YYYY-MM-DD)."),
) -> None:
    """Every option for this patient with its verdict, reasons, missing facts and sources."""
    facts, warnings, when = read_patient(patient, as_of)
    pathway = load_pathway()
    # The same call as population screening (allnav screen), so the two always agree.
    result, care = assess_patient(facts, warnings, when, pathway)
    if output is AssessFormat.json:
        typer.echo(json.dumps(assessment_to_dict(result, pathway, care), indent=2,
                              ensure_ascii=False))
    elif output is AssessFormat.markdown:
        typer.echo(render_markdown(result, pathway, care))
    else:
        render_text(result, pathway, Console(), care)

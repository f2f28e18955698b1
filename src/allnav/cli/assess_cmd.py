"""``allnav assess``: a patient's facts in, every option out."""

from __future__ import annotations

import sys
from enum import StrEnum

import typer

from allnav.cli._app import app
from allnav.cli.inputs import read_patient
from allnav.navigate import load_knowledge, navigate
from allnav.render.formats import RENDERERS


class AssessFormat(StrEnum):
    """``--format`` choices: the renderer registry's names (a test keeps them equal)."""

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
    knowledge = load_knowledge()
    # The same call as the JSON API, the pages, the CDS service and population screening.
    RENDERERS[output](navigate(knowledge, facts, when, warnings), knowledge, sys.stdout)

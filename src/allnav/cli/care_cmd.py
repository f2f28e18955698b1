"""``allnav care``: a patient's symptoms and counts in, care alerts out.

The same results appear in ``allnav assess`` under "care"; this command shows
them alone, for a nurse line or a patient checking in from home.
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from allnav.care import assess_care, load_care_rules
from allnav.care.report import care_markdown, care_to_dict
from allnav.cli._app import app
from allnav.cli.assess_cmd import AssessFormat
from allnav.cli.inputs import read_patient
from allnav.render import DISCLAIMER
from allnav.render.text import render_care_text


@app.command("care")
def care_command(
    patient: str = typer.Argument(..., help="Facts file (JSON or YAML), or - for standard input."),
    output: AssessFormat = typer.Option(AssessFormat.text, "--format", "-f", help="Output format."),
    as_of: str | None = typer.Option(None, "--as-of", help="Assess as of this date (YYYY-MM-DD)."),
) -> None:
    """Symptom relief and safety alerts: what needs a call now, today, or at the next visit."""
    facts, warnings, when = read_patient(patient, as_of)
    rules = load_care_rules()
    care = assess_care(rules, facts, when, warnings)
    if output is AssessFormat.json:
        typer.echo(json.dumps(care_to_dict(care, rules.evidence), indent=2, ensure_ascii=False))
    elif output is AssessFormat.markdown:
        typer.echo("\n".join([f"# ALL Navigator care ({care.as_of.isoformat()})", "",
                              f"> {DISCLAIMER}", "", *care_markdown(care, rules.evidence)]))
    else:
        console = Console()
        console.print(Panel(Text(DISCLAIMER, style="italic"),
                            title=f"ALL Navigator care, {care.as_of.isoformat()}",
                            border_style="red" if care.level == "emergency" else "blue"))
        render_care_text(care, rules.evidence, console)

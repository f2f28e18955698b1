"""``allnav evidence``: every evidence item, with its numbers, population and source."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from allnav.cli._app import app
from allnav.evidence import load_evidence
from allnav.problems import InputError, Problem, did_you_mean
from allnav.render.odds_json import evidence_to_dict
from allnav.render.odds_text import evidence_item_lines, render_evidence_text


class EvidenceFormat(StrEnum):
    text = "text"
    json = "json"


@app.command("evidence")
def evidence_command(
    output: EvidenceFormat = typer.Option(EvidenceFormat.text, "--format", "-f", help="Output format."),
    item: str | None = typer.Option(None, "--id", help="Show one item only (e.g. ev.tower-2017)."),
) -> None:
    """Every evidence item: what, for whom, numbers with their 95% intervals, source, review date."""
    registry = load_evidence()
    if item is not None and item not in registry:
        raise InputError([Problem("evidence", ("id",), f"unknown evidence id '{item}'"
                                  + did_you_mean(item, list(registry.items)))])
    if output is EvidenceFormat.json:
        data = evidence_to_dict(registry)
        if item is not None:
            data["items"] = [i for i in data["items"] if i["id"] == item]
            data["count"] = 1
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif item is not None:
        typer.echo("\n".join(evidence_item_lines(registry[item])))
    else:
        typer.echo(render_evidence_text(registry), nl=False)

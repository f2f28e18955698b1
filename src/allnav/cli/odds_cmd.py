"""``allnav odds``: the published numbers behind each option, for one patient."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from allnav.cli._app import app
from allnav.cli.inputs import read_patient
from allnav.navigate import load_knowledge, navigate
from allnav.problems import InputError, Problem
from allnav.render.icon_array import icon_array_svg, svg_filename
from allnav.render.odds_json import odds_to_dict
from allnav.render.odds_text import render_odds_text


class OddsFormat(StrEnum):
    text = "text"
    json = "json"


@app.command("odds")
def odds_command(
    patient: str = typer.Argument(..., help="Facts file (JSON or YAML), or - for standard input."),
    output: OddsFormat = typer.Option(OddsFormat.text, "--format", "-f", help="Output format."),
    svg: Path | None = typer.Option(None, "--svg", help="Also write icon arrays as SVG files to this folder."),
    as_of: str | None = typer.Option(None, "--as-of", help="Assess as of this date (YYYY-MM-DD)."),
) -> None:
    """Published numbers for each suitable or possible option, in words and icon arrays."""
    facts, warnings, when = read_patient(patient, as_of)
    report = navigate(load_knowledge(), facts, when, warnings).odds
    if svg is not None:
        arrays = [s.array for s in report.context if s.array is not None]
        arrays += [s.array for o in report.options for s in (*o.benefits, *o.harms)
                   if s.array is not None]
        try:
            svg.mkdir(parents=True, exist_ok=True)
            for a in arrays:
                (svg / svg_filename(a)).write_text(icon_array_svg(a), encoding="utf-8")
        except OSError as e:
            raise InputError([Problem("file", ("--svg",), f"cannot write to {svg}: "
                                      f"{e.strerror}")]) from None
        typer.echo(f"Wrote {len(arrays)} icon arrays to {svg}/", err=True)
    if output is OddsFormat.json:
        typer.echo(json.dumps(odds_to_dict(report), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_odds_text(report), nl=False)

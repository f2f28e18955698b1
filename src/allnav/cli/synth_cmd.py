"""``allnav synth bulk``: write a synthetic FHIR Bulk Data export (every patient invented)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from allnav.cli._app import app
from allnav.cli.inputs import parse_date
from allnav.screening.synth import write_bulk_export

synth_app = typer.Typer(help="Write synthetic test data (every patient is invented).", no_args_is_help=True)
app.add_typer(synth_app, name="synth")


@synth_app.command("bulk")
def bulk_command(
    patients: int = typer.Option(..., "--patients", min=1, max=10_000_000, help="How many patients."),
    out: Path = typer.Option(..., "--out", help="Folder to write the export into (created)."),
    seed: int = typer.Option(1, "--seed", help="The same seed writes the same export."),
    all_percent: float = typer.Option(3.0, "--all-percent", min=0, max=100,
                                      help="Percent of patients with ALL."),
    as_of: str | None = typer.Option(None, "--as-of",
                                     help="Export date, YYYY-MM-DD (default 2026-12-01, so a seed "
                                          "always gives the same export)."),
    plain: bool = typer.Option(False, "--plain", help="Plain NDJSON instead of gzip."),
) -> None:
    """A synthetic FHIR Bulk Data export: NDJSON per resource type and a manifest.json."""
    when = parse_date(as_of) or dt.date(2026, 12, 1)
    console = Console(stderr=True)
    with Progress(TextColumn("Writing patients"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=patients < 20_000) as bar:
        task = bar.add_task("synth", total=patients)
        report = write_bulk_export(out, patients, seed=seed, all_percent=all_percent, as_of=when,
                                   gzipped=not plain, progress=lambda n: bar.update(task, completed=n))
    with_all = patients - report.by_state.get("no-leukemia", 0)
    typer.echo(f"Wrote {patients:,} patients ({with_all:,} with ALL) and "
               f"{sum(report.lines.values()):,} resources in {len(report.files)} file(s) to {out}")
    for state, n in sorted(report.by_state.items()):
        typer.echo(f"  {state}: {n:,}")

"""``allnav screen``: every patient of a FHIR Bulk Data export assessed, with worklists.

An edge: it reads the clock (the default date), the trial store and the export, and prints.
The per-patient work is :func:`allnav.screening.patient.screen_patient`, the path of
``allnav assess``; the engines only group the export by patient.
"""

from __future__ import annotations

import datetime as dt
import os
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from allnav.cli._app import app
from allnav.cli.inputs import parse_date
from allnav.problems import InputError, Problem
from allnav.screening.export import Export, find_export
from allnav.screening.patient import ScreenContext
from allnav.trials.model import Study
from allnav.trials.store import TrialStore, default_store_path

#: Malformed lines printed at the end of a run (all are in summary.json, up to 1,000).
_SHOWN_ERRORS = 20


class Engine(StrEnum):
    embedded = "embedded"
    spark = "spark"


def _studies(trials: Path | None, no_trials: bool) -> tuple[Study, ...]:
    if no_trials:
        return ()
    path = trials or default_store_path(os.environ)
    if not path.is_file():
        if trials is not None:
            raise InputError([Problem("option", ("--trials",), f"no trial store at {path}")])
        return ()
    with TrialStore(path) as store:
        return tuple(store.candidates())


def _as_of(given: str | None, export: Export) -> dt.date:
    return parse_date(given) or export.transaction_date or dt.date.today()


@app.command("screen")
def screen_command(
    export_path: Path = typer.Argument(..., metavar="EXPORT",
                                       help="The export's folder, or its manifest.json."),
    out: Path = typer.Option(..., "--out", help="Folder for the report files (created)."),
    engine: Engine = typer.Option(Engine.embedded, "--engine", help="Who groups the export."),
    master: str | None = typer.Option(None, "--master",
                                      help="Spark master URL (--engine spark; default local[*])."),
    as_of: str | None = typer.Option(None, "--as-of", help="Assess as of YYYY-MM-DD (default: "
                                     "the export's transactionTime, else today)."),
    workers: int | None = typer.Option(None, "--workers", min=1, max=256,
                                       help="Processes for the embedded engine (default: cores)."),
    trials: Path | None = typer.Option(None, "--trials", help="Trial store for the trial "
                                       "worklist (default $ALLNAV_HOME/trials.sqlite if present)."),
    no_trials: bool = typer.Option(False, "--no-trials", help="No trial worklist."),
) -> None:
    """Assess every patient with ALL in a Bulk Data export; write assessments, worklists, report."""
    if master is not None and engine is not Engine.spark:
        raise InputError([Problem("option", ("--master",), "needs --engine spark")])
    export = find_export(export_path)
    ctx = ScreenContext(_as_of(as_of, export), _studies(trials, no_trials))
    err = Console(stderr=True)
    if engine is Engine.spark:
        try:
            from allnav.screening.spark import screen_spark
        except ImportError:
            raise InputError([Problem("option", ("--engine",), "spark needs PySpark: install "
                                      "allnav with the 'spark' extra (pip install -e '.[spark]')")]) from None
        with err.status("Screening on Spark..."):
            summary = screen_spark(export, out, ctx, master=master or "local[*]")
    else:
        from allnav.screening.embedded import screen_embedded

        with Progress(TextColumn("Screening patients, bucket"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("screen", total=None)
            summary = screen_embedded(export, out, ctx, workers=workers,
                                      progress=lambda d, n: bar.update(task, completed=d, total=n))
    _print_summary(summary, out, err)


def _print_summary(s: dict[str, Any], out: Path, err: Console) -> None:
    e, p = s["export"], s["patients"]
    for bad in e["malformed_listed"][:_SHOWN_ERRORS]:
        err.print(f"[yellow]skipped[/] {bad['file']} line {bad['line']}: {bad['reason']}",
                  highlight=False)
    if e["malformed_lines"] > _SHOWN_ERRORS:
        err.print(f"... {e['malformed_lines'] - _SHOWN_ERRORS:,} more malformed line(s): see "
                  f"{out / 'summary.json'}", highlight=False)
    typer.echo(f"Screened {p['in_export']:,} patients as of {s['as_of']} ({s['engine']}, "
               f"{s['seconds']} s): {p['with_all']:,} with ALL, {p['other_disease_skipped']:,} "
               f"other diseases skipped, {p['unreadable']:,} unreadable; "
               f"{e['malformed_lines']:,} malformed line(s) skipped.")
    for name, w in s["worklists"].items():
        typer.echo(f"  {name}: {w['patients']:,} patient(s)")
    typer.echo(f"Report: {out / 'report.html'} (also assessments.ndjson, worklists.csv, summary.json)")

"""``allnav trials import|update|match``: the clinical trial finder at the command line.

An edge: it reads files, the environment, the clock and the network, and
prints. The parsing and matching it calls are pure (``allnav.trials``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from allnav.cli._app import app
from allnav.cli.inputs import load_patient
from allnav.facts import Facts
from allnav.facts_reader import read_facts
from allnav.problems import InputError, Problem
from allnav.trials.agreement import agreement_figures, measure
from allnav.trials.ctgov import parse_study
from allnav.trials.files import iter_records
from allnav.trials.geo import place_names, resolve_place
from allnav.trials.match import DISCLAIMER, MatchResult, TrialMatch, match_trials
from allnav.trials.model import Study
from allnav.trials.report import phases_text, result_to_dict
from allnav.trials.store import ImportReport, TrialStore, default_store_path, import_studies

trials_app = typer.Typer(help="Find open clinical trials that fit a patient, with the reasons.",
                         no_args_is_help=True)
app.add_typer(trials_app, name="trials")

_STORE_HELP = "Trial store file (default: $ALLNAV_HOME/trials.sqlite)."
_MARK = {"met": ("met     ", "green"), "not-met": ("not met ", "red"), "unknown": ("unknown ", "yellow")}
_FIT = {"eligible": ("Fits every criterion checked", "bold green"),
        "unknown": ("Might fit: some criteria are not known yet", "bold yellow"),
        "not-eligible": ("Does not fit", "bold red")}


class TrialsFormat(StrEnum):
    text = "text"
    json = "json"


def _store_path(store: Path | None) -> Path:
    return store or default_store_path(os.environ)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _print_report(console: Console, r: ImportReport, path: Path) -> None:
    console.print(Text(f"Read {r.read} record(s); wrote {r.written}; kept {r.kept_newer} newer "
                       f"version(s) and {r.unchanged} unchanged record(s) already in the store. "
                       f"The store at {path} now holds {r.total} "
                       f"studies, {r.all_studies} of them in ALL.", style="bold"))
    for d in r.duplicates:
        console.print(Text(f"duplicate: {d}", style="yellow"))
    for p in r.skipped:
        console.print(Text(f"skipped: {p.path}: {p.msg}", style="red"))
    if r.warnings:
        console.print(Text(f"{len(r.warnings)} warning(s) in the records, for example: "
                           f"{r.warnings[0].path}: {r.warnings[0].msg}", style="yellow"))


@trials_app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(..., help="API v2 JSON files, folders, arrays or NDJSON."),
    store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
    replace: bool = typer.Option(False, "--replace", help="Start a new store instead of adding."),
    read_now: bool = typer.Option(False, "--read-now",
                                  help="Read every eligibility text now (a slower import; no "
                                       "first match pays for reading)."),
) -> None:
    """Import ClinicalTrials.gov API v2 study records into the local store (atomically)."""
    path = _store_path(store)
    report = import_studies(path, iter_records(paths), replace=replace, imported_at=_now(),
                            read_all=read_now)
    _print_report(Console(), report, path)


@trials_app.command("update")
def update_command(
    condition: str = typer.Option("acute lymphoblastic leukemia", "--condition",
                                  help="query.cond for the API."),
    page_size: int = typer.Option(1000, "--page-size", min=1, max=1000),
    store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
    restart: bool = typer.Option(False, "--restart", help="Ignore a saved, unfinished update."),
) -> None:
    """Download studies from the ClinicalTrials.gov API v2 (resumable) and import them."""
    # Imported here: httpx costs a third of a second that match and import do not need.
    from allnav.trials.ctgov_client import UpdateError, make_client, staging_dir, update

    path = _store_path(store)
    console = Console()
    try:
        with make_client() as client:
            result = update(path, client, condition=condition, page_size=page_size,
                            restart=restart, imported_at=_now())
    except UpdateError as e:
        console.print(Text(f"Update not finished: {e}. The pages downloaded so far are kept in "
                           f"{staging_dir(path)}; run the same command again to resume.",
                           style="bold red"))
        raise typer.Exit(1) from None
    if result.resumed:
        console.print(Text("Resumed an unfinished update.", style="cyan"))
    console.print(Text(f"Fetched {result.pages_fetched} page(s) ({result.pages_total} in all)."))
    _print_report(console, result.report, path)


def _bad(option: str, msg: str) -> InputError:
    return InputError([Problem("option", (option,), msg)])


@trials_app.command("match")
def match_command(
    patient: str = typer.Argument(..., help="Facts file (JSON or YAML), or - for standard input."),
    near: str | None = typer.Option(None, "--near", help="A city ('Houston, TX'), state or country."),
    within_km: float | None = typer.Option(None, "--within-km", help="Only sites this close."),
    output: TrialsFormat = typer.Option(TrialsFormat.text, "--format", "-f"),
    store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
    show_excluded: bool = typer.Option(False, "--show-excluded",
                                       help="Also list ALL studies ruled out, with the reason."),
    nct: list[str] = typer.Option([], "--nct", help="Judge only these studies (repeatable)."),
    include_closed: bool = typer.Option(
        False, "--include-closed",
        help="Also judge the criteria of studies not open to new patients (for coordinators "
             "and for measuring); they are listed apart, after the open ones."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Show at most this many."),
) -> None:
    """Open trials that fit this patient, ranked, with met / not met / unknown per criterion."""
    if within_km is not None and near is None:
        raise _bad("--within-km", "needs --near PLACE to measure from")
    if within_km is not None and within_km <= 0:
        raise _bad("--within-km", "must be a distance in km above 0")
    facts, _warnings = load_patient(patient, dt.date.today())
    ids = [n.strip().upper() for n in nct]
    with TrialStore(_store_path(store)) as ts:
        place = resolve_place(near, ts.sites_named(place_names(near))) if near else None
        if ids:
            studies = ts.get(ids)
            missing = sorted(set(ids) - {s.nct_id for s in studies})
            if missing:
                raise _bad("--nct", f"not in the trial store: {', '.join(missing)}")
        else:
            box = place.bounding_box(within_km) if place and within_km else None
            studies = ts.candidates(facts.age_years, facts.sex, all_statuses=show_excluded,
                                    include_closed=include_closed, box=box)
        info = ts.info()
    result = match_trials(studies, facts, place, within_km, keep_excluded=show_excluded or bool(ids),
                          include_closed=include_closed)
    if limit is not None:
        result = MatchResult(result.trials[:limit], result.excluded, result.place, result.within_km)
    if output is TrialsFormat.json:
        typer.echo(json.dumps(result_to_dict(result, info, near), indent=2, ensure_ascii=False))
    else:
        render(result, info, Console())


def _trial(console: Console, n: int | None, m: TrialMatch) -> None:
    s = m.study
    head = Text(f"{n}. " if n else "- ", style="bold")
    head.append(s.title, style="bold")
    head.append(f"  [{s.nct_id}]  {phases_text(s.phases)}, {s.status.replace('_', ' ').lower()}",
                style="dim")
    console.print(head)
    if m.nearest is not None and m.distance_km is not None:
        console.print(Text(f"   Nearest site: {m.nearest.label()} - {m.distance_km:.0f} km"))
    elif s.sites:
        console.print(Text("   Site distances unknown (no map point in the record).", style="dim"))
    else:
        console.print(Text("   No sites listed yet.", style="dim"))
    fit, style = _FIT[m.fit]
    console.print(Text(f"   {fit}" + (f" ({m.unknowns} to check)" if m.fit == "unknown" else ""),
                       style=style))
    for reason in m.exclusions:
        console.print(Text(f"   - {reason}", style="red"))
    for j in m.judged:
        if m.fit == "not-eligible" and j.status != "not-met":
            continue  # a study that does not fit shows only why
        mark, colour = _MARK[j.status]
        line = Text("   ")
        line.append(mark, style=colour)
        line.append(f"{j.label} ({j.note})")
        console.print(line)
        console.print(Text(f"            \"{j.criterion.sentence}\"", style="dim"))
    if m.questions and m.fit != "not-eligible":
        console.print(Text("   Ask the study team:", style="bold"))
        for q in m.questions:
            console.print(Text(f"     - {q}"))
    if s.unrecognised:
        console.print(Text(f"   {s.unrecognised} more sentence(s) of the eligibility text are not "
                           f"checked here. Full text: {s.url}", style="dim"))
    console.print()


def render(result: MatchResult, info: dict[str, object], console: Console) -> None:
    """Print a match for a person reading in a terminal."""
    head = Text.assemble(("Clinical trials for this patient\n", "bold"),
                         f"Trial store: {info['studies']} studies ({info['all_studies']} in ALL), "
                         f"imported {info['imported_at'] or 'at an unknown time'}.\n")
    if result.place is not None:
        limit = f", within {result.within_km:g} km" if result.within_km is not None else ""
        head.append(f"Distances from {result.place.label}{limit}.\n")
    head.append(DISCLAIMER, style="italic")
    console.print(Panel(head, title="ALL Navigator", border_style="blue"))
    groups = (("recruiting", "Recruiting now"), ("not-yet-recruiting", "Not yet recruiting"),
              ("closed", "Not open to new patients (criteria judged as if open)"))
    rank = 0
    for key, title in groups:
        found = [m for m in result.trials if m.group == key]
        if found:
            console.print(Text(f"{title} ({len(found)})", style="bold underline"))
            for m in found:
                rank += 1
                _trial(console, rank, m)
    if not result.trials:
        console.print(Text("No open ALL trial in the store passes the filters for this patient.",
                           style="bold"))
    if result.excluded:
        console.print(Text(f"Ruled out ({len(result.excluded)})", style="bold underline"))
        for m in result.excluded:
            line = Text(f"- {m.study.title}  [{m.study.nct_id}]: ", style="dim")
            line.append("; ".join(m.exclusions) or "does not fit the criteria")
            console.print(line)
    console.print(Text(DISCLAIMER, style="italic"))


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _bad("DIR", f"{path} is missing: a labelled set has patients.json and "
                   "labels.json beside the study records") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _bad("DIR", f"{path} could not be read as JSON ({e.__class__.__name__})") from None


def _labelled_set(folder: Path) -> tuple[list[Study], dict[str, Facts], list[dict[str, object]]]:
    if not folder.is_dir():
        raise _bad("DIR", f"no such folder: {folder}")
    studies: list[Study] = []
    for f in sorted(folder.glob("NCT*.json")):
        study, problems = parse_study(_read_json(f), f.name)
        if study is None:
            raise _bad("DIR", f"{f.name}: {problems[0].msg}")
        studies.append(study)
    if not studies:
        raise _bad("DIR", f"{folder} holds no study record (NCT*.json)")
    people = _read_json(folder / "patients.json")
    labels = _read_json(folder / "labels.json")
    if not isinstance(people, list) or not isinstance(labels, list):
        raise _bad("DIR", "patients.json and labels.json must each be a JSON array")
    patients: dict[str, Facts] = {}
    for i, p in enumerate(people):
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            raise _bad("DIR", f"patients.json[{i}] needs a name and facts")
        patients[p["name"]], _ = read_facts(p.get("facts"), default_as_of=dt.date.today())
    rows = [r for r in labels if isinstance(r, dict)]
    for i, r in enumerate(rows):
        if not {"patient", "nct", "verdict"} <= r.keys():
            raise _bad("DIR", f"labels.json[{i}] needs patient, nct and verdict")
    return studies, patients, rows


@trials_app.command("evaluate")
def evaluate_command(
    folder: Path = typer.Argument(..., help="A labelled set: NCT*.json, patients.json, labels.json."),
    output: TrialsFormat = typer.Option(TrialsFormat.text, "--format", "-f"),
    show: bool = typer.Option(False, "--show", help="List every pair that disagrees."),
) -> None:
    """Measure the finder against a trial coordinator's labels (studies judged as if open)."""
    studies, patients, labels = _labelled_set(folder)
    try:
        a = measure(studies, patients, labels)
    except ValueError as e:
        raise _bad("DIR", str(e)) from None
    figures = agreement_figures(a)
    if output is TrialsFormat.json:
        typer.echo(json.dumps(figures, indent=2))
        return
    console = Console()
    n = figures["pairs"]
    console.print(Text(f"{len(studies)} studies, {len(patients)} patients, {n} labelled pairs "
                       f"({folder})", style="bold"))
    console.print(Text(f"Trial-level agreement: {figures['agree']}/{n} "
                       f"({figures['agreement']:.1%})"))
    console.print(Text(f"Eligible pairs ruled out: {figures['eligible_ruled_out']} of "
                       f"{figures['eligible']}",
                       style="bold red" if figures["eligible_ruled_out"] else "bold green"))
    console.print(Text(f"Unknown pairs ruled out: {figures['unknown_ruled_out']} of "
                       f"{figures['unknown']}"))
    console.print(Text(f"Labelled sentences judged: {figures['criteria_judged']} of "
                       f"{figures['criteria_labelled']}; judged the same way: "
                       f"{figures['criteria_agree']} ({figures['criteria_accuracy']:.1%})"))
    console.print(Text("Label -> finder: " + ", ".join(
        f"{k[0]} -> {k[1]} {v}" for k, v in sorted(a.confusion.items()))))
    if show:
        for p in a.pairs:
            if p.label != p.found:
                console.print(Text(f"- {p.patient} {p.nct_id}: label {p.label}, finder {p.found}"))

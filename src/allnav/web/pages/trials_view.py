"""The trials section of the results page and the clinician view.

It matches the person's facts against the trial store of the machine the app runs
on (``$ALLNAV_HOME/trials.sqlite``, the one ``allnav trials import``/``update``
fill), near a place picked from the store's own site list (no geocoding service:
nothing about the person leaves the server), within a distance. Without a store it
shows the small real sample shipped with the app, says that those studies are
closed, and says how to fill a store; a store that cannot be read says so. It never
shows a blank, and never an error page: the rest of the results must still show.

The place and distance travel in the POST body like every other answer
(``trials_near``, ``trials_km``); nothing is stored or logged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from allnav.facts import Facts
from allnav.problems import InputError
from allnav.trials.ctgov import parse_study
from allnav.trials.geo import Place, place_names, resolve_place
from allnav.trials.match import DISCLAIMER, MatchResult, TrialMatch, match_trials
from allnav.trials.model import Study
from allnav.trials.store import TrialStore, default_store_path

SAMPLE = Path(__file__).resolve().parents[2] / "trials" / "sample"
#: Distances a person can pick (km); "any" is no limit.
DISTANCES = (50, 100, 250, 500, 1000, 2500)
#: How many studies the section lists (the CLI and JSON give all of them).
SHOWN = 10
FILL = ("To see the trials that are open now, someone who runs this app can fill its trial "
        "store with 'allnav trials update' (downloads the ALL studies from ClinicalTrials.gov) "
        "or 'allnav trials import FILES'.")


@dataclass(frozen=True)
class TrialsSection:
    """What the section shows."""

    #: ``store`` (the machine's store), ``sample`` (the shipped sample) or ``none``.
    source: str
    places: tuple[str, ...] = ()
    near: str = ""
    within_km: float | None = None
    result: MatchResult | None = None
    #: Plain words above the list: what the list is, or what went wrong and what to do.
    notes: tuple[str, ...] = ()
    problem: str | None = None
    imported_at: str | None = None
    shown: tuple[TrialMatch, ...] = field(default=())
    disclaimer: str = DISCLAIMER

    @property
    def more(self) -> int:
        """Studies that pass the filters but are not listed here."""
        return len(self.result.trials) - len(self.shown) if self.result else 0


def _one(form: Mapping[str, Sequence[str]], key: str) -> str:
    return ((form.get(key) or [""])[-1]).strip()


def _distance(raw: str) -> float | None:
    try:
        km = float(raw)
    except ValueError:
        return None
    return km if km in DISTANCES else None


def _label(city: str, state: str | None, country: str | None) -> str:
    return ", ".join(p for p in (city, state, country) if p)


@cache
def _sample() -> tuple[Study, ...]:
    out = []
    for p in sorted(SAMPLE.glob("NCT*.json")):
        study, _ = parse_study(json.loads(p.read_text(encoding="utf-8")))
        if study is not None:
            out.append(study)
    return tuple(out)


def store_path(env: Mapping[str, str] | None = None) -> Path:
    """The trial store the app reads: the one the command line fills."""
    return default_store_path(os.environ if env is None else env)


def trials_section(facts: Facts, form: Mapping[str, Sequence[str]],
                   path: Path | None = None) -> TrialsSection:
    """The section for these facts and the place and distance in the form."""
    path = path or store_path()
    near, within_km = _one(form, "trials_near")[:120], _distance(_one(form, "trials_km"))
    if not path.is_file():
        return _from_sample(facts)
    try:
        with TrialStore(path) as ts:
            info = ts.info()
            places = tuple(_label(*p) for p in ts.site_places())
            if not info["all_studies"]:
                return TrialsSection("none", notes=(f"The trial store holds no ALL study yet. "
                                                    f"{FILL}",))
            place: Place | None = None
            problem = None
            if near:
                try:
                    place = resolve_place(near, ts.sites_named(place_names(near)))
                except InputError as e:
                    problem = e.problems[0].msg
            box = place.bounding_box(within_km) if place and within_km else None
            studies = ts.candidates(facts.age_years, facts.sex, box=box)
    except InputError as e:
        return TrialsSection("none", notes=(f"The trial store could not be read: "
                                            f"{e.problems[0].msg} {FILL}",))
    result = match_trials(studies, facts, place, within_km if place else None)
    notes = []
    if not result.trials:
        notes.append("No open ALL trial in the store passes the first checks for these "
                     "answers" + (" near that place." if place else "."))
    return TrialsSection("store", places, near if place else "", within_km if place else None,
                         result, tuple(notes), problem, str(info["imported_at"] or "") or None,
                         result.trials[:SHOWN])


def _from_sample(facts: Facts) -> TrialsSection:
    result = match_trials(_sample(), facts, include_closed=True)
    notes = ("This app has no trial store yet, so this is a sample: real ALL studies from "
             "ClinicalTrials.gov (2004-2019) that are closed now. It shows how each study's "
             "criteria are read for your answers; you cannot join these studies.", FILL)
    return TrialsSection("sample", (), "", None, result, notes, None, None,
                         result.trials[:SHOWN])

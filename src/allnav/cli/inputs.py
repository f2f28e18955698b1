"""Reading a patient's input at the CLI edge: a file path or ``-`` for standard input."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import typer

from allnav.facts import Facts
from allnav.facts_reader import parse_text, read_facts
from allnav.interop.fhir import read_fhir_input
from allnav.problems import InputError, Problem

#: Readers for other input formats (e.g. FHIR Bundles), tried in order before plain facts.
#: Each returns ``None`` when the data is not its format.
PatientReader = Callable[[object, dt.date], "tuple[Facts, tuple[Problem, ...]] | None"]
READERS: list[PatientReader] = [read_fhir_input]


class PatientInput(NamedTuple):
    """A patient read at the command line: facts, warnings, and the date to assess them for."""

    facts: Facts
    warnings: tuple[Problem, ...]
    as_of: dt.date


def parse_date(value: str | None) -> dt.date | None:
    """An ``--as-of`` value as a date (``None`` when not given); a bad one is a usage error."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("must be a date as YYYY-MM-DD") from None


def read_patient(path: str, as_of: str | None) -> PatientInput:
    """Read a patient for a command: ``--as-of`` wins, then the facts' own ``as_of``, then today.

    The clock is read here, at the edge, and nowhere in the core.
    """
    given = parse_date(as_of)
    today = given or dt.date.today()
    facts, warnings = load_patient(path, today)
    return PatientInput(facts, warnings, given or facts.as_of or today)


def read_source(path: str) -> tuple[str, str]:
    """The text of ``path`` (``-`` reads standard input) and a name for messages."""
    if path == "-":
        return sys.stdin.read(), "standard input"
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8"), p.name
    except FileNotFoundError:
        raise InputError([Problem("file", (), f"file not found: {path}")]) from None
    except IsADirectoryError:
        raise InputError([Problem("file", (), f"{path} is a folder, not a file")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem("file", (), f"{path} is not UTF-8 text")]) from None


def load_patient(path: str, today: dt.date) -> tuple[Facts, tuple[Problem, ...]]:
    """Facts and warnings from a facts file (JSON or YAML), or any registered format."""
    text, name = read_source(path)
    if name.endswith(".ndjson"):
        data: object = text
    else:
        data = parse_text(text, source=name)
    for reader in READERS:
        found = reader(data, today)
        if found is not None:
            return found
    return read_facts(data, default_as_of=today)

"""Shared fixtures: the real pathway, a fixed assessment date, the example patients."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

from allnav.facts import Facts
from allnav.facts_reader import read_facts
from allnav.pathway import Pathway, load_pathway

# Timing never decides a unit test (benchmarks in bench/ do): hypothesis's per-example deadline
# failed test_icon_array on the loaded shared machine (290 ms once, 25 ms on the retry).
settings.register_profile("allnav", deadline=None)
settings.load_profile("allnav")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "patients"
AS_OF = dt.date(2026, 11, 29)


@pytest.fixture(scope="session")
def pathway() -> Pathway:
    return load_pathway()


def example_facts(name: str) -> Facts:
    """An example patient's facts, read through the real reader."""
    data = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))
    facts, _ = read_facts(data, default_as_of=AS_OF)
    return facts


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


# -- population screening: one small synthetic export for the whole session ---------------------
SCREEN_AS_OF = dt.date(2026, 12, 1)
#: Lines appended to the export as a file of their own: what a real export may contain besides
#: resources (a broken line, an array, an object without resourceType, a blank line), a
#: resource about no patient (with a Windows line end), a broken line holding the byte 0x1e,
#: and a record that names its patient by an absolute URL.
BAD_LINES = [
    '{"resourceType": "Observation", "id": "cut-off", "status": "fin',
    "",
    "[1, 2]",
    '{"id": "no-type"}',
    '{"resourceType": "Medication", "id": "med-1", "code": {"text": "imatinib"}}\r',
    '{"resourceType": "Observation", "id": "x\x1e", "status": "final"',
    '{"resourceType": "Observation", "id": "abs-ref", "status": "final", "code": {"text": "note"}, '
    '"subject": {"reference": "https://ehr.example.org/fhir/Patient/p0000001/_history/2"}}',
]


@pytest.fixture(scope="session")
def bulk_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A synthetic export (400 patients, a quarter with ALL) plus a file of odd lines, in a
    folder without manifest (so every file is read); and what the generator wrote."""
    from allnav.screening.synth import write_bulk_export

    out = tmp_path_factory.mktemp("export")
    report = write_bulk_export(out, 400, seed=7, all_percent=25, as_of=SCREEN_AS_OF, gzipped=True)
    (out / "manifest.json").unlink()
    (out / "Extra.000.ndjson").write_text("\n".join(BAD_LINES) + "\n", encoding="utf-8")
    return out, report


@pytest.fixture(scope="session")
def embedded_report(bulk_export: tuple[Path, object], tmp_path_factory: pytest.TempPathFactory,
                    ) -> tuple[Path, dict[str, object]]:
    """The embedded engine's report folder for :func:`bulk_export`, and its summary."""
    from allnav.screening.embedded import screen_embedded
    from allnav.screening.export import find_export
    from allnav.screening.patient import ScreenContext

    out = tmp_path_factory.mktemp("report-embedded")
    summary = screen_embedded(find_export(bulk_export[0]), out, ScreenContext(SCREEN_AS_OF), workers=2)
    return out, summary

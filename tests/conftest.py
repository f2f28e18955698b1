"""Shared fixtures: the real pathway, a fixed assessment date, the example patients."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from allnav.facts import Facts
from allnav.facts_reader import read_facts
from allnav.pathway import Pathway, load_pathway

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

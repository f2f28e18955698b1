"""``allnav odds`` for every example patient: reviewed golden text, every number with its
source, the JSON shape, and SVG files written by the CLI.

Regenerate the goldens with ``UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_odds_golden.py``
and review the diff like code.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from allnav.cli import app
from allnav.engine import assess
from allnav.odds import OddsReport, load_odds_config, odds_report
from allnav.pathway import Pathway
from allnav.render import DISCLAIMER
from allnav.render.odds_json import odds_to_dict
from allnav.render.odds_text import render_odds_text

from .conftest import AS_OF, EXAMPLES, example_facts, example_names

GOLDEN = Path(__file__).parent / "golden" / "odds"
runner = CliRunner()


def report(pathway: Pathway, name: str) -> OddsReport:
    return odds_report(pathway, load_odds_config(pathway.evidence),
                       assess(pathway, example_facts(name), AS_OF))


@pytest.mark.parametrize("name", example_names())
def test_golden_odds_text(pathway: Pathway, name: str) -> None:
    got = render_odds_text(report(pathway, name))
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no golden for {name}; run with UPDATE_GOLDEN=1 and review it"
    assert got == path.read_text(encoding="utf-8")


# Digits that are not figures from a study: dates, marker and gene names, the ids of
# evidence items themselves, and DOIs/URLs (which are sources).
_NOT_FIGURES = re.compile(
    r"\d{4}-\d{2}-\d{2}|\bCD(19|20|22)\b|\bKMT2A\b|\bBCR::ABL1\b|\bT315I\b|\bABL1\b"
    r"|\bev\.[a-z0-9.-]+|https?://\S+|doi:\S+|PMID \d+")


def _sources(pathway: Pathway) -> list[str]:
    return sorted({i.short for i in pathway.evidence} | {i.id for i in pathway.evidence},
                  key=len, reverse=True)


@pytest.mark.parametrize("name", example_names())
def test_every_number_in_the_text_names_its_source(pathway: Pathway, name: str) -> None:
    sources = _sources(pathway)
    text = render_odds_text(report(pathway, name))
    assert DISCLAIMER in text
    for line in text.splitlines():
        if not re.search(r"\d", _NOT_FIGURES.sub("", line)):
            continue
        assert any(s in line for s in sources) or "(your details)" in line, line


def _figures(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "estimate" in node or "events" in node:
            yield path, node
        for k, v in node.items():
            yield from _figures(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _figures(v, f"{path}[{i}]")


@pytest.mark.parametrize("name", ["first-relapse-cd19-positive", "t-all-relapse",
                                  "ph-positive-t315i", "unknown-markers"])
def test_every_number_in_the_json_names_its_source(pathway: Pathway, name: str) -> None:
    data = odds_to_dict(report(pathway, name))
    assert data["format"] == "allnav.odds/1" and data["disclaimer"] == DISCLAIMER
    figures = list(_figures(data))
    assert figures
    ids = {i.id for i in pathway.evidence}
    for path, fig in figures:
        assert fig.get("evidence_id") in ids, path
        assert fig.get("source_short"), path
    for option in data["options"]:
        for shown in (*option["benefits"], *option["harms"]):
            assert shown["source"]["citation"] and shown["source"]["last_reviewed"]
            assert all(s["source"] == shown["evidence_id"] for s in shown["sentences"])
            assert shown["cautions"] is not None
            if shown["icon_array"] is not None:
                assert shown["icon_array"]["evidence_id"] == shown["evidence_id"]
                assert sum(s["count"] for s in shown["icon_array"]["segments"]) == \
                    shown["icon_array"]["total"]


def test_cli_writes_one_svg_per_option_and_outcome(tmp_path: Path) -> None:
    patient = EXAMPLES / "first-relapse-cd19-positive.yaml"
    result = runner.invoke(app, ["odds", str(patient), "--svg", str(tmp_path / "out"),
                                 "--as-of", AS_OF.isoformat(), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = {s["icon_array"]["id"] for o in data["options"]
                for s in (*o["benefits"], *o["harms"]) if s["icon_array"]}
    expected |= {c["icon_array"]["id"] for c in data["context"] if c["icon_array"]}
    files = sorted((tmp_path / "out").glob("*.svg"))
    assert {f.stem for f in files} == expected
    sizes = set()
    for f in files:
        root = ET.fromstring(f.read_text(encoding="utf-8"))
        sizes.add((root.get("width"), root.get("height")))
    assert len(sizes) == 1   # every array the same size


def test_cli_text_is_the_rendered_report() -> None:
    patient = EXAMPLES / "first-relapse-cd19-positive.yaml"
    result = runner.invoke(app, ["odds", str(patient), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    golden = (GOLDEN / "first-relapse-cd19-positive.txt").read_text(encoding="utf-8")
    assert result.output == golden

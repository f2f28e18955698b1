"""The Spanish drafts in translations/es (issue 15) stay tied to the English they were made from.

Each draft entry names a knowledge file, a path into it by id (``rules[id=x].title``) and the
exact English it translates. When that English changes, the Spanish is stale and this test
names the entry, so a translation can never silently describe advice that is no longer given.
The Spanish reading-level measure's doctests run here too.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DRAFTS = ROOT / "translations" / "es"
KNOWLEDGE = ROOT / "src" / "allnav" / "knowledge"
_STEP = re.compile(r"([\w-]+)(?:\[([\w-]+)=([^\]]+)\])?")


def resolve(doc: Any, path: str) -> Any:
    """The value at ``path`` (steps split on dots outside brackets; ``name[key=value]``
    picks the list item whose ``key`` is ``value``)."""
    node = doc
    for step in re.findall(r"[^.\[]+(?:\[[^\]]*\])?", path):
        m = _STEP.fullmatch(step)
        assert m, f"bad path step {step!r} in {path!r}"
        name, key, value = m.groups()
        node = node[name]
        if key is not None:
            matches = [item for item in node if str(item.get(key)) == value]
            assert len(matches) == 1, f"{path}: {len(matches)} items with {key}={value}"
            node = matches[0]
    return node


def _entries() -> list[tuple[str, dict[str, str]]]:
    out = []
    for f in sorted(DRAFTS.glob("knowledge-*.yaml")):
        for entry in yaml.safe_load(f.read_text(encoding="utf-8")):
            out.append((f.name, entry))
    return out


ENTRIES = _entries()


def test_there_are_drafts_to_check() -> None:
    assert len(ENTRIES) >= 50


@pytest.mark.parametrize(("draft", "entry"), ENTRIES,
                         ids=[f"{d}:{e['path']}" for d, e in ENTRIES])
def test_each_spanish_text_was_made_from_the_english_now_in_the_knowledge(
        draft: str, entry: dict[str, str]) -> None:
    doc = yaml.safe_load((KNOWLEDGE / entry["file"]).read_text(encoding="utf-8"))
    english = resolve(doc, entry["path"])
    assert " ".join(str(english).split()) == " ".join(entry["en"].split()), (
        f"{draft}: {entry['path']} is stale: the English changed since it was translated")
    assert entry["es"].strip() and entry["es"] != entry["en"]
    # Every number and placeholder of the English is kept in the Spanish.
    for token in re.findall(r"\{\w+\}|\d+", entry["en"]):
        assert token in entry["es"].replace(".", ""), f"{entry['path']}: {token} lost"


def test_the_spanish_reading_level_measure_passes_its_doctests() -> None:
    spec = importlib.util.spec_from_file_location("readability_es", DRAFTS / "readability_es.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0

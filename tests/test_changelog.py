"""Knowledge changes change clinical behaviour, so every knowledge version is in the changelog."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "src" / "allnav" / "knowledge"


def _version_headings() -> dict[str, str]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return {m[1]: m[2] for m in re.finditer(r"^## (\S+)(.*)$", text, re.MULTILINE)}


def test_every_knowledge_version_has_a_changelog_heading_naming_its_file() -> None:
    headings = _version_headings()
    versioned = []
    for path in sorted(KNOWLEDGE.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        version = data.get("version") if isinstance(data, dict) else None
        if version is None:
            continue
        versioned.append(path.name)
        assert str(version) in headings, (
            f"{path.name} is at version {version} but CHANGELOG.md has no '## {version}' heading")
        assert path.name in headings[str(version)], (
            f"CHANGELOG.md's '## {version}' heading does not name {path.name}")
    # The pathway and the care rules are versioned; the check must not pass by finding nothing.
    assert {"pathway.yaml", "care.yaml"} <= set(versioned)


def test_the_changelog_keeps_an_unreleased_heading_first() -> None:
    assert next(iter(_version_headings())) == "Unreleased"

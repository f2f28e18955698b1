"""docs/odds.md documents every JSON key and caution kind that the code produces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from allnav.engine import assess
from allnav.evidence import load_evidence
from allnav.odds import load_odds_config, odds_report
from allnav.pathway import Pathway
from allnav.render.odds_json import evidence_to_dict, odds_to_dict

from .conftest import AS_OF, ROOT, example_facts, example_names

DOC = (ROOT / "docs" / "odds.md").read_text(encoding="utf-8")


def keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from keys(v)
    elif isinstance(node, list):
        for v in node:
            yield from keys(v)


def cautions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if set(node) == {"kind", "text"}:
            yield node["kind"]
        for v in node.values():
            yield from cautions(v)
    elif isinstance(node, list):
        for v in node:
            yield from cautions(v)


def test_every_evidence_json_key_is_documented() -> None:
    missing = {k for k in keys(evidence_to_dict(load_evidence())) if f"`{k}`" not in DOC}
    assert not missing, f"document these keys in docs/odds.md: {sorted(missing)}"


def test_every_odds_json_key_and_caution_kind_is_documented(pathway: Pathway) -> None:
    config = load_odds_config(pathway.evidence)
    seen_keys: set[str] = set()
    seen_kinds: set[str] = set()
    for name in example_names():
        data = odds_to_dict(odds_report(pathway, config, assess(pathway, example_facts(name), AS_OF)))
        seen_keys |= set(keys(data))
        seen_kinds |= set(cautions(data))
    missing = {k for k in seen_keys | seen_kinds if f"`{k}`" not in DOC}
    assert not missing, f"document these in docs/odds.md: {sorted(missing)}"

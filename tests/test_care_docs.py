"""docs/care.md says what the code does: every rule, JSON key and unit, and a real error."""

from __future__ import annotations

import datetime as dt

import pytest

from allnav.care import assess_care, load_care_rules
from allnav.care.report import care_to_dict
from allnav.care.rules import RULES
from allnav.facts import Facts, Symptoms
from allnav.facts_reader import read_facts
from allnav.problems import InputError
from allnav.units import QUANTITIES

from .conftest import ROOT

DOC = (ROOT / "docs" / "care.md").read_text(encoding="utf-8")


def test_every_rule_and_variant_is_documented() -> None:
    for rule_id in RULES:
        assert f"| `{rule_id}` |" in DOC, rule_id


def test_every_json_key_is_documented() -> None:
    rules = load_care_rules()
    facts = Facts(goals="comfort", symptoms=Symptoms(temperature_c=38.5, copd=False))
    data = care_to_dict(assess_care(rules, facts, dt.date(2026, 11, 29)), rules.evidence)
    keys = set(data) | set(data["alerts"][0]) | set(data["mascc"]) | set(
        data["mascc"]["items"][0]) | set(data["palliative"]) | set(data["alerts"][0]["evidence"][0])
    missing = sorted(k for k in keys if f"`{k}`" not in DOC)
    assert missing == []


def test_every_unit_is_documented() -> None:
    for q in QUANTITIES.values():
        assert f"`{q.field}`" in DOC
        for u in q.units:
            assert f"`{u.code}`" in DOC, u.code


def test_the_documented_error_is_the_real_one() -> None:
    with pytest.raises(InputError) as e:
        read_facts({"symptoms": {"anc_per_ul": 0.3}})
    assert f"  {e.value.problems[0]}\n" in DOC

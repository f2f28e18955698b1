"""care.yaml: loads, cites evidence that exists, fails loudly and precisely when edited wrongly,
and uses the same numbers as the pathway's symptom criteria."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from allnav import criteria as C
from allnav.care import CareRules, load_care_rules
from allnav.care.rules import (
    ALWAYS_EMERGENCY,
    RULES,
    THRESHOLD_FACTS,
    default_care_path,
    parse_care_rules,
    show_quantity,
)
from allnav.evidence import load_evidence
from allnav.pathway import Pathway
from allnav.schema import Checker

RAW: dict[str, Any] = yaml.safe_load(default_care_path().read_text(encoding="utf-8"))
EVIDENCE = load_evidence()


@pytest.fixture(scope="module")
def rules() -> CareRules:
    return load_care_rules()


def errors_after(edit: Callable[[dict[str, Any]], None]) -> list[str]:
    data = copy.deepcopy(RAW)
    edit(data)
    chk = Checker()
    parse_care_rules(data, EVIDENCE, chk)
    return [f"{p.path}: {p.msg}" for p in chk.errors]


def rule_node(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id)


def test_the_shipped_file_loads_without_problems(rules: CareRules) -> None:
    chk = Checker()
    parse_care_rules(copy.deepcopy(RAW), EVIDENCE, chk)
    assert chk.problems == []
    assert set(rules.rules) == set(RULES)
    assert set(rules.thresholds) == set(THRESHOLD_FACTS)


def test_every_rule_threshold_and_guidance_cites_existing_evidence(rules: CareRules) -> None:
    cited = [*(e for r in rules.rules.values() for e in r.evidence),
             *(e for t in rules.thresholds.values() for e in t.evidence),
             *rules.mascc.evidence, *rules.palliative.evidence, *rules.hospice.evidence]
    assert cited
    assert all(e in rules.evidence for e in cited)
    for rule in rules.rules.values():
        assert rule.evidence, rule.id


def test_the_sources_the_issue_names_are_cited(rules: CareRules) -> None:
    by_rule = {rid: set(r.evidence) for rid, r in rules.rules.items()}
    assert "ev.idsa-2011-febrile-neutropenia" in by_rule["febrile-neutropenia"]
    assert "ev.mascc-2000" in rules.mascc.evidence
    assert "ev.aabb-2023-rbc" in by_rule["red-cells"]
    assert "ev.aabb-2015-platelets" in by_rule["platelets"]
    assert "ev.who-pain-ladder" in by_rule["pain"]
    assert {"ev.el-jawahri-2016", "ev.el-jawahri-2021", "ev.asco-2017-palliative"} <= set(
        rules.palliative.evidence)
    assert {"ev.hospice-seer-medicare", "ev.odejide-2017-hospice"} <= set(rules.hospice.evidence)
    assert "ev.acs-2013-patient-page" in by_rule["nausea-appetite"]


def test_thresholds_are_the_evidence_sheet_numbers(rules: CareRules) -> None:
    got = {t.id: (t.op, t.value) for t in rules.thresholds.values()}
    assert got == {
        "fever_single": (">=", 38.3), "fever_sustained": (">=", 38.0),
        "neutropenia": ("<", 500),
        "red_cells": ("<", 7), "red_cells_symptomatic": ("<", 8), "platelets": ("<=", 10_000),
        "nsaid_platelets": ("<", 50_000),
        "pain_any": (">=", 1), "pain_moderate": (">=", 4), "pain_severe": (">=", 7),
    }


def test_mascc_points_are_klastersky_2000(rules: CareRules) -> None:
    m = rules.mascc
    assert dict(m.burden_of_illness) == {"none-or-mild": 5, "moderate": 3, "severe": 0}
    assert (m.no_hypotension, m.hypotension_below_mmhg, m.no_copd, m.no_prior_fungal_infection,
            m.no_dehydration_needing_iv, m.outpatient_at_fever_onset, m.age_below_years,
            m.age_points) == (5, 90, 4, 4, 3, 3, 60, 2)
    assert m.maximum == 26
    assert m.low_risk_at_least == 21


def test_texts_are_filled_with_the_threshold_values(rules: CareRules) -> None:
    assert rules.call_right_away[0].text == "Your temperature is 38.0 °C (100.4 °F) or higher."
    assert "(10,000/µL or less)" in rules.rules["platelets"].variants["at-or-below-threshold"].patient
    assert "{" not in " ".join(v.patient + v.clinician for r in rules.rules.values()
                               for v in r.variants.values())


@pytest.mark.parametrize(("celsius", "op", "shown"), [
    (38.0, ">=", "38.0 °C (100.4 °F)"),
    (38.3, ">=", "38.3 °C (101 °F)"),  # the first 0.1 °F reading that meets 38.3 °C
    (38.28, None, "38.28 °C (100.9 °F)"),  # never rounded up onto a threshold
])
def test_temperatures_show_in_both_scales(celsius: float, op: str | None, shown: str) -> None:
    assert show_quantity("symptoms.temperature_c", celsius, op=op) == shown


# --- the same numbers as the pathway --------------------------------------------------------

def compare_leaves(c: C.Criterion) -> list[C.Compare]:
    if isinstance(c, C.Compare):
        return [c]
    return [leaf for child in c.children() for leaf in compare_leaves(child)]


def test_care_thresholds_agree_with_the_pathway_criteria(rules: CareRules,
                                                         pathway: Pathway) -> None:
    """Each care threshold names the pathway criteria that use it; both files must say the same
    number with the same comparison, read from the loaded knowledge, not restated here."""
    checked = 0
    for t in rules.thresholds.values():
        for crit_id in t.pathway_criteria:
            assert crit_id in pathway.criteria, (t.id, crit_id)
            leaves = {(c.fact, c.op, float(c.value))
                      for c in compare_leaves(pathway.criteria[crit_id].test)}
            assert (t.fact, t.op, t.value) in leaves, (t.id, crit_id, leaves)
            checked += 1
    assert checked >= 8


def test_every_pathway_threshold_on_a_care_fact_is_a_care_threshold(rules: CareRules,
                                                                    pathway: Pathway) -> None:
    """The other direction: a number added or changed in pathway.yaml on one of these facts
    must also be in care.yaml, so the two cannot drift apart."""
    care = {(t.fact, t.op, t.value) for t in rules.thresholds.values()}
    facts = {t.fact for t in rules.thresholds.values()}
    for named in pathway.criteria.values():
        for leaf in compare_leaves(named.test):
            if leaf.fact in facts:
                assert (leaf.fact, leaf.op, float(leaf.value)) in care, (named.id, leaf)


# --- validation with path-addressed messages ----------------------------------------------

def test_unknown_evidence_id_is_named_with_its_path_and_a_suggestion() -> None:
    def edit(d: dict[str, Any]) -> None:
        rule_node(d, "platelets")["evidence"] = ["ev.aabb-2015-platelet"]
    (msg,) = errors_after(edit)
    i = next(i for i, r in enumerate(RAW["rules"]) if r["id"] == "platelets")
    assert msg == (f"rules[{i}].evidence[0]: unknown evidence id 'ev.aabb-2015-platelet' "
                   "(did you mean 'ev.aabb-2015-platelets'?)")


def test_febrile_neutropenia_cannot_be_downgraded_in_the_data() -> None:
    def edit(d: dict[str, Any]) -> None:
        rule_node(d, "febrile-neutropenia")["variants"]["not-ruled-out"]["level"] = "same-day"
    (msg,) = errors_after(edit)
    assert msg.endswith("variants.not-ruled-out.level: every variant of 'febrile-neutropenia' "
                        "must be 'emergency'")
    assert ALWAYS_EMERGENCY == ("febrile-neutropenia", "crs-icans", "neurologic-or-circulation",
                                "bleeding")


def test_a_missing_rule_fails_the_load() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["rules"] = [r for r in d["rules"] if r["id"] != "bleeding"]
    assert errors_after(edit) == ["rules: rule 'bleeding' is missing"]


def test_a_missing_variant_is_named() -> None:
    def edit(d: dict[str, Any]) -> None:
        del rule_node(d, "red-cells")["variants"]["breathless"]
    (msg,) = errors_after(edit)
    assert msg.endswith("variants.breathless: is required")


def test_an_unknown_placeholder_is_named() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["call_right_away"][0]["text"] = "Your temperature is {fever_sustaned} or higher."
    (msg,) = errors_after(edit)
    assert msg.startswith("call_right_away[0].text: unknown threshold '{fever_sustaned}' in text "
                          "(did you mean 'fever_sustained'?)")


def test_a_threshold_on_the_wrong_fact_is_refused() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["thresholds"][0]["fact"] = "symptoms.anc_per_ul"
    (msg,) = errors_after(edit)
    assert msg.startswith("thresholds[0].fact: threshold 'fever_single' is read as a threshold of "
                          "symptoms.temperature_c")


def test_an_impossible_threshold_value_is_refused() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["thresholds"][0]["value"] = 383
    (msg,) = errors_after(edit)
    assert msg.startswith("thresholds[0].value: 383 is outside the range of symptoms.temperature_c")


def test_mascc_points_must_add_up_to_the_published_maximum() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["mascc"]["burden_of_illness"]["moderate"] = 8
    (msg,) = errors_after(edit)
    assert msg.startswith("mascc: the points add up to 29; the published maximum")


def test_unknown_keys_and_levels_are_named() -> None:
    def edit(d: dict[str, Any]) -> None:
        rule_node(d, "pain")["variants"]["severe"]["level"] = "soon"
        d["palliative"]["evidense"] = []
    msgs = errors_after(edit)
    assert any(m.endswith("variants.severe.level: 'soon' is not a triage level; one of "
                          "emergency, same-day, next-visit") for m in msgs)
    assert any(m.startswith("palliative.evidense: unknown key 'evidense'") for m in msgs)

"""``knowledge/odds.yaml``: loads, is complete, and bad entries fail with their path."""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest
import yaml

from allnav.evidence import EvidenceRegistry, load_evidence
from allnav.odds.config import default_odds_path, load_odds_config, parse_odds_config
from allnav.pathway import OPTION_IDS, Pathway
from allnav.problems import format_loc
from allnav.schema import Checker

TRIAL_KINDS = ("randomized-trial", "single-arm-trial")


@functools.cache
def evidence() -> EvidenceRegistry:
    return load_evidence()


def raw() -> dict[str, Any]:
    data = yaml.safe_load(default_odds_path().read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def problems(data: object) -> list[tuple[str, str]]:
    chk = Checker()
    parse_odds_config(data, evidence(), chk)
    return [(format_loc(p.loc), p.msg) for p in chk.errors]


def test_the_real_file_loads_and_covers_the_vocabulary() -> None:
    config = load_odds_config(evidence())
    assert tuple(config.options) == OPTION_IDS
    assert problems(raw()) == []


def has_trial_evidence(pathway: Pathway, option_id: str) -> bool:
    """An option backed by a trial, or by any study that counted benefits or harms."""
    for ev in pathway.option(option_id).evidence:
        item = pathway.evidence[ev]
        if item.kind in TRIAL_KINDS or any(o.kind in ("benefit", "harm") for o in item.outcomes):
            return True
    return False


def test_every_option_with_trial_evidence_has_benefits_and_harms_or_says_why(
        pathway: Pathway) -> None:
    """IPDAS: benefits and harms in equal detail. The file, not only a patient's page,
    must give each such option a harm number or a statement that harms are not held."""
    config = load_odds_config(pathway.evidence)
    checked = 0
    for oid in OPTION_IDS:
        if not has_trial_evidence(pathway, oid):
            continue
        spec = config.options[oid]
        roles = {s.role for s in spec.shows}
        assert "benefit" in roles or spec.benefits_statement or spec.statement, oid
        assert "harm" in roles or spec.harms_statement or spec.statement, oid
        checked += 1
    assert checked >= 9


def test_unknown_evidence_id_is_rejected_with_its_path() -> None:
    data = raw()
    data["options"][1]["shows"][0]["evidence"] = "ev.tower-2071"
    errs = problems(data)
    assert ("options[1].shows[0].evidence",
            "unknown evidence id 'ev.tower-2071' (did you mean 'ev.tower-2017'?)") in errs


def test_unknown_outcome_id_is_rejected_with_its_path() -> None:
    data = raw()
    data["options"][1]["shows"][0]["outcome"] = "cr-crh"
    errs = problems(data)
    assert any(loc == "options[1].shows[0].outcome" and "ev.tower-2017 has no outcome 'cr-crh'"
               in msg for loc, msg in errs), errs


@pytest.mark.parametrize(("change", "where", "words"), [
    ({"role": "harm"}, "options[1].shows[0].role", "does not match the outcome"),
    ({"role": "cure"}, "options[1].shows[0].role", "is not one of benefit, harm"),
    ({"outcome": "os-hr"}, "options[1].shows[0].outcome", "cannot be shown on its own"),
    ({"when": {"ph_status": "pos"}}, "options[1].shows[0].when.ph_status", "did you mean"),
    ({"when": {"salvage_line": [4]}}, "options[1].shows[0].when.salvage_line", "1, 2 or 3"),
    ({"also": ["os-hr", "nope"]}, "options[1].shows[0].also[1]", "has no outcome 'nope'"),
    ({"colour": "blue"}, "options[1].shows[0].colour", "unknown key"),
])
def test_bad_show_entries_name_their_path(change: dict[str, object], where: str, words: str) -> None:
    data = raw()
    data["options"][1]["shows"][0].update(change)
    errs = problems(data)
    assert any(loc == where and words in msg for loc, msg in errs), errs


def test_control_needs_a_comparator_arm() -> None:
    data = raw()
    shows = data["options"][1]["shows"]
    alcantara = next(s for s in shows if s["evidence"] == "ev.alcantara-2017")
    alcantara["control"] = "chemotherapy"
    errs = problems(data)
    assert any(msg == "the outcome has no comparator arm" for _, msg in errs), errs


def test_a_missing_option_and_a_numberless_statement_are_errors() -> None:
    data = raw()
    data["options"] = [o for o in data["options"] if o["option"] != "hospice-care"]
    assert ("options", "option 'hospice-care' of the vocabulary is missing; add its numbers or "
            "a statement saying there are none") in problems(data)
    data = raw()
    spec = next(o for o in data["options"] if o["option"] == "low-intensity-palliative-therapy")
    spec["statement"] = {"text": "About 20 in 100 feel better."}
    assert any(loc.endswith("statement.evidence") and "must cite its evidence" in msg
               for loc, msg in problems(data))


def test_an_option_outside_the_vocabulary_is_rejected() -> None:
    data = copy.deepcopy(raw())
    data["options"].append({"option": "blinatumomabb", "statement": {"text": "x"}})
    assert any("did you mean 'blinatumomab'" in msg for _, msg in problems(data))

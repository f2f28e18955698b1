"""The knowledge files are valid, complete, and a typo fails with the exact path."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from allnav.evidence import default_evidence_path
from allnav.pathway import OPTION_IDS, Pathway, check_knowledge, default_pathway_path

PATHWAY = yaml.safe_load(default_pathway_path().read_text(encoding="utf-8"))
EVIDENCE = yaml.safe_load(default_evidence_path().read_text(encoding="utf-8"))


def problems(pathway: Any = None, evidence: Any = None) -> list[str]:
    found = check_knowledge(pathway if pathway is not None else PATHWAY,
                            evidence if evidence is not None else EVIDENCE)
    return [f"{p.path}: {p.msg}" for p in found if p.severity == "error"]


def test_shipped_knowledge_has_no_errors_or_warnings() -> None:
    found = check_knowledge(PATHWAY, EVIDENCE)
    assert [f"{p.severity} {p.path}: {p.msg}" for p in found] == []


def test_every_option_of_the_vocabulary_is_defined(pathway: Pathway) -> None:
    assert tuple(o.id for o in pathway.options) == OPTION_IDS


def test_required_option_ids_are_in_the_vocabulary() -> None:
    required = {
        "clinical-trial", "intensive-salvage-chemotherapy", "blinatumomab", "inotuzumab-ozogamicin",
        "car-t-cell-therapy", "tki-based-therapy", "nelarabine-based-therapy",
        "allogeneic-stem-cell-transplant", "cns-directed-therapy", "low-intensity-palliative-therapy",
        "palliative-care", "hospice-care", "goals-of-care-conversation",
        "febrile-neutropenia-emergency", "transfusion-support", "pain-management",
        "nausea-appetite-support", "infection-treatment",
    }
    assert required <= set(OPTION_IDS)


def test_every_evidence_item_has_source_and_review(pathway: Pathway) -> None:
    for item in pathway.evidence:
        assert item.url.startswith("http"), item.id
        assert item.checked_sources, item.id
        assert isinstance(item.last_reviewed, dt.date), item.id
        assert item.population.description, item.id


SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"


def test_every_situation_explains_itself(pathway: Pathway) -> None:
    for s in pathway.situations:
        assert s.explanation, s.id
        assert s.evidence, s.id


@pytest.mark.skipif(not SEED.is_dir(), reason="../shared/seed (the source page) is not present")
def test_situation_quotes_are_the_source_pages_own_words(pathway: Pathway) -> None:
    source = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in SEED.glob("*.txt"))
    quoted = [s for s in pathway.situations if s.source_text]
    assert len(quoted) >= 7
    for s in quoted:
        # An ellipsis marks a cut; each part must appear verbatim.
        for part in s.source_text.split("..."):
            assert " ".join(part.split()) in source, (s.id, part)


def test_source_page_branches_are_all_covered(pathway: Pathway) -> None:
    ids = {s.id for s in pathway.situations}
    assert {"sit.primary_refractory", "sit.relapse", "sit.cns_relapse", "sit.second_remission",
            "sit.keeps_coming_back", "sit.weighing_the_odds", "sit.palliative",
            "sit.symptom_relief"} <= ids


def _mutate(path: list[Any], value: Any, doc: Any = None) -> Any:
    doc = copy.deepcopy(PATHWAY if doc is None else doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def _index(section: str, node_id: str) -> int:
    return next(i for i, n in enumerate(PATHWAY[section]) if n["id"] == node_id)


def test_typo_in_fact_name_gives_path_and_suggestion() -> None:
    i = _index("criteria", "crit.cd19_positive")
    doc = _mutate(["criteria", i, "test", "fact"], "cd19_staus")
    assert f"criteria[{i}].test.fact: unknown fact 'cd19_staus' (did you mean 'cd19'?)" in problems(doc)


def test_typo_in_value_is_caught() -> None:
    i = _index("criteria", "crit.cd19_positive")
    doc = _mutate(["criteria", i, "test", "value"], "postive")
    msgs = problems(doc)
    assert any(m.startswith(f"criteria[{i}].test.value: 'postive' is not a value of cd19") and
               "did you mean 'positive'" in m for m in msgs), msgs


def test_nested_criterion_error_has_full_path() -> None:
    i = _index("criteria", "crit.fever")
    doc = _mutate(["criteria", i, "test", "of", 1, "of", 0, "op"], "=>")
    assert f"criteria[{i}].test.of[1].of[0].op: must be one of >=, >, <=, <" in problems(doc)


def test_unknown_criterion_reference() -> None:
    i = _index("options", "blinatumomab")
    doc = _mutate(["options", i, "requires", 1, "criterion"], "crit.cd19_postive")
    assert (f"options[{i}].requires[1].criterion: unknown criterion 'crit.cd19_postive' "
            "(did you mean 'crit.cd19_positive'?)") in problems(doc)


def test_unknown_evidence_id() -> None:
    i = _index("options", "blinatumomab")
    doc = _mutate(["options", i, "evidence"], ["ev.tower-2071"])
    msgs = problems(doc)
    assert any(m.startswith(f"options[{i}].evidence[0]: unknown evidence id 'ev.tower-2071'")
               for m in msgs), msgs


def test_option_without_evidence_is_rejected() -> None:
    i = _index("options", "palliative-care")
    doc = _mutate(["options", i, "evidence"], [])
    assert f"options[{i}].evidence: must cite at least one evidence id" in problems(doc)


def test_missing_vocabulary_option_is_rejected() -> None:
    doc = copy.deepcopy(PATHWAY)
    doc["options"] = [o for o in doc["options"] if o["id"] != "hospice-care"]
    assert "options: option 'hospice-care' of the vocabulary is missing" in problems(doc)


def test_unknown_criterion_kind_suggests() -> None:
    i = _index("criteria", "crit.b_lineage")
    doc = _mutate(["criteria", i, "test", "kind"], "equal")
    msgs = problems(doc)
    assert f"criteria[{i}].test.kind: unknown criterion kind 'equal' (did you mean 'equals'?)" in msgs


def test_self_reference_is_rejected() -> None:
    i = _index("criteria", "crit.b_lineage")
    doc = _mutate(["criteria", i, "test"], {"kind": "all", "of": ["crit.b_lineage", "crit.t_lineage"]})
    assert any("refers to itself" in m for m in problems(doc))


def test_evidence_without_review_date_is_rejected() -> None:
    ev = copy.deepcopy(EVIDENCE)
    del ev["evidence"][0]["last_reviewed"]
    msgs = problems(evidence=ev)
    assert "evidence_file.evidence[0].last_reviewed: is required" in msgs


def test_evidence_without_source_url_is_rejected() -> None:
    ev = copy.deepcopy(EVIDENCE)
    ev["evidence"][0]["url"] = "pubmed 123"
    assert "evidence_file.evidence[0].url: must be an http(s) URL a clinician can open" in problems(evidence=ev)


def test_evidence_events_above_total_is_rejected() -> None:
    ev = copy.deepcopy(EVIDENCE)
    item, outcome = next((i, j) for i, e in enumerate(ev["evidence"])
                         for j, o in enumerate(e.get("outcomes") or [])
                         if o.get("events") is not None)
    ev["evidence"][item]["outcomes"][outcome]["events"] = 10**6
    msgs = problems(evidence=ev)
    where = f"evidence_file.evidence[{item}].outcomes[{outcome}].events"
    assert f"{where}: needs a total, and must be between 0 and the total" in msgs


def test_unknown_key_in_option_suggests() -> None:
    i = _index("options", "blinatumomab")
    doc = copy.deepcopy(PATHWAY)
    doc["options"][i]["evidnce"] = doc["options"][i].pop("evidence")
    msgs = problems(doc)
    assert f"options[{i}].evidnce: unknown key 'evidnce' (did you mean 'evidence'?)" in msgs


@pytest.mark.parametrize("node_id", ["crit.fever", "crit.neutropenia", "crit.transfusion_threshold"])
def test_symptom_criteria_have_clinician_notes_or_titles(pathway: Pathway, node_id: str) -> None:
    assert pathway.criteria[node_id].title

"""topics.yaml: the topic pages, plain option words, values and questions, validated with paths."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from allnav.pathway import OPTION_IDS, Pathway
from allnav.schema import Checker
from allnav.topics import default_topics_path, load_topics, parse_topics

SOURCE_TOPICS = ("does-not-respond-or-comes-back", "palliative-treatment", "when-treatment-stops-working")


@pytest.fixture
def raw() -> Any:
    return yaml.safe_load(default_topics_path().read_text(encoding="utf-8"))


def test_the_file_loads_and_covers_the_source_page(pathway: Pathway) -> None:
    topics = load_topics(pathway.evidence)
    ids = {t.id for t in topics.topics}
    assert set(SOURCE_TOPICS) <= ids
    assert set(topics.option_words) == set(OPTION_IDS)
    for t in topics.topics:
        assert t.evidence and t.sections and t.last_reviewed <= topics.review_due()
        assert "ev.acs-2013-patient-page" in t.evidence  # every topic goes back to the source page
    assert topics.values and topics.questions


def test_no_text_gives_a_dose(raw: Any) -> None:
    text = yaml.safe_dump(raw)
    for unit in (" mg", "mg/", " mcg", "µg", " units/"):
        assert unit not in text


@pytest.mark.parametrize(("edit", "path", "words"), [
    (lambda d: d["topics"][0]["evidence"].append("ev.tower-2071"), "topics[0].evidence[6]",
     "did you mean 'ev.tower-2017'"),
    (lambda d: d["topics"][1].pop("last_reviewed"), "topics[1].last_reviewed", "is required"),
    (lambda d: d["option_words"].pop("hospice-care"), "option_words", "'hospice-care' has no plain words"),
    (lambda d: d["option_words"].update({"hospise-care": "x"}), "option_words.hospise-care",
     "did you mean 'hospice-care'"),
    (lambda d: d["topics"][2]["sections"][0].update({"paragraphs": []}),
     "topics[2].sections[0].paragraphs", "non-empty list"),
    (lambda d: d["values"].append(dict(d["values"][0])), "values[8].id", "duplicate value id"),
])
def test_mistakes_are_named_with_their_path(pathway: Pathway, raw: Any, edit: Any, path: str,
                                            words: str) -> None:
    data = copy.deepcopy(raw)
    edit(data)
    chk = Checker()
    assert parse_topics(data, pathway.evidence, chk) is None
    assert any(p.path == path and words in p.msg for p in chk.errors), [str(p) for p in chk.errors]

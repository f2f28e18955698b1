"""Honest odds for a patient: selection, matching, words, comparisons and equal detail."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allnav.engine import assess
from allnav.evidence import parse_evidence
from allnav.facts import Facts
from allnav.odds import OddsReport, OptionOdds, ShownOutcome, load_odds_config, odds_report
from allnav.odds.match import parse_age, read_situation
from allnav.odds.numbers import outcome_numbers
from allnav.odds.words import icons, proportion_words, segments
from allnav.pathway import Pathway
from allnav.schema import Checker

from .conftest import AS_OF, example_facts, example_names
from .test_odds_config import has_trial_evidence

B_RELAPSE: dict[str, object] = {
    "lineage": "B", "ph_status": "negative", "cd19": "positive", "cd22": "positive",
    "disease_status": "relapsed", "relapse_count": 1, "age_years": 34.0, "ecog": 1,
    "goals": "cure", "transplant_candidate": True}


def report(pathway: Pathway, facts: Facts) -> OddsReport:
    return odds_report(pathway, load_odds_config(pathway.evidence), assess(pathway, facts, AS_OF))


def option(r: OddsReport, oid: str) -> OptionOdds:
    return next(o for o in r.options if o.option_id == oid)


def shown(r: OddsReport) -> Iterator[ShownOutcome]:
    yield from r.context
    for o in r.options:
        yield from o.benefits
        yield from o.harms


@pytest.fixture(scope="module")
def reports(pathway: Pathway) -> list[OddsReport]:
    """Every example patient, nothing known, and three hand-made patients."""
    facts = [example_facts(n) for n in example_names()]
    facts += [Facts(), Facts(**B_RELAPSE),  # type: ignore[arg-type]
              Facts(**{**B_RELAPSE, "ph_status": "positive"}),  # type: ignore[arg-type]
              Facts(**{**B_RELAPSE, "age_years": 66.0, "relapse_count": 3})]  # type: ignore[arg-type]
    return [report(pathway, f) for f in facts]


@pytest.mark.parametrize(("facts", "line"), [
    ({"disease_status": "relapsed", "relapse_count": 1}, 1),
    ({"disease_status": "relapsed", "relapse_count": 2}, 2),
    ({"disease_status": "relapsed", "relapse_count": 1, "response_to_latest_treatment": "no-response"}, 2),
    ({"disease_status": "primary-refractory", "relapse_count": 0,
      "response_to_latest_treatment": "no-response",
      "prior_treatments": ("intensive-chemotherapy",)}, 1),
    ({"disease_status": "primary-refractory", "response_to_latest_treatment": "partial-remission",
      "prior_treatments": ("intensive-chemotherapy", "inotuzumab-ozogamicin")}, 2),
    ({"disease_status": "remission", "relapse_count": 1}, None),
    ({"disease_status": "relapsed"}, None),
    ({}, None),
])
def test_salvage_line_is_read_from_relapses_and_what_was_tried(facts: dict[str, object],
                                                                line: int | None) -> None:
    s = read_situation(Facts(**facts))  # type: ignore[arg-type]
    assert s.salvage_line == line
    assert s.line_explanation.endswith(".")


def test_first_relapse_sees_the_trial_numbers_with_their_control_arms(pathway: Pathway) -> None:
    r = report(pathway, example_facts("first-relapse-cd19-positive"))
    ino = option(r, "inotuzumab-ozogamicin").benefits[0]
    assert ino.numbers.ref == "ev.ino-vate-2016#cr-cri"
    texts = [s.text for s in ino.sentences]
    assert texts[0].startswith("In INO-VATE 2016, about 81 in 100 people given inotuzumab went "
                               "into remission")
    assert texts[1].startswith("In the same trial, about 29 in 100 people given standard "
                               "chemotherapy")
    assert texts[3] == ("Our best estimate is 81 in 100. The true number could be between 72 and "
                        "88 in 100.")
    assert "80.7% (95% CI 72.1-87.7, Clopper-Pearson)" in ino.clinician
    blin = option(r, "blinatumomab")
    assert [b.numbers.ref for b in blin.benefits] == ["ev.tower-2017#cr", "ev.tower-2017#median-os"]
    assert {s.source for b in blin.benefits for s in b.sentences} == {"ev.tower-2017"}


def test_differences_from_the_people_studied_are_said_plainly(pathway: Pathway) -> None:
    r = report(pathway, Facts(**{**B_RELAPSE, "age_years": 66.0, "relapse_count": 2}))  # type: ignore[arg-type]
    ino = option(r, "inotuzumab-ozogamicin").benefits[0]
    assert not any("salvage" in d for d in ino.differences)  # second salvage: INO-VATE fits
    tower = option(r, "blinatumomab").benefits[0]
    assert "The median age in TOWER was 37; you are 66." in tower.differences
    assert not any("salvage" in d for d in tower.differences)  # TOWER took any salvage line
    assert r.situation.line_explanation == ("This would be your second salvage treatment: the "
                                            "leukemia has come back twice.")
    # INO-VATE enrolled first or second salvage: in third salvage its numbers are not shown.
    third = report(pathway, Facts(**{**B_RELAPSE, "relapse_count": 3}))  # type: ignore[arg-type]
    ino3 = option(third, "inotuzumab-ozogamicin")
    assert ino3.benefits == () and ino3.harms == ()
    assert any("first or second salvage" in n.reason for n in ino3.not_shown)


def test_facts_that_rule_out_a_study_hide_its_number_and_say_why(pathway: Pathway) -> None:
    r = report(pathway, Facts(**{**B_RELAPSE, "ph_status": "positive"}))  # type: ignore[arg-type]
    blin = option(r, "blinatumomab")
    assert [b.numbers.ref for b in blin.benefits] == ["ev.alcantara-2017#cr-crh"]
    reasons = [n.reason for n in blin.not_shown]
    assert ("Not shown from TOWER: It counted people with Ph-negative ALL; yours is Ph-positive."
            in reasons)
    # TOWER's harms are not shown either where the card says TOWER does not apply (issue 12).
    assert not any(h.numbers.ref.startswith("ev.tower-2017") for h in blin.harms)
    assert any(n.evidence_id == "ev.tower-2017" and "harm" in n.roles for n in blin.not_shown)


def test_unknown_facts_keep_the_numbers_and_say_what_is_unknown(pathway: Pathway) -> None:
    r = report(pathway, example_facts("unknown-markers"))
    blin = option(r, "blinatumomab")
    refs = [b.numbers.ref for b in blin.benefits]
    assert "ev.tower-2017#cr" in refs and "ev.alcantara-2017#cr-crh" in refs
    assert all("Ph status" in b.unchecked for b in blin.benefits)


def test_the_best_match_in_a_slot_wins(pathway: Pathway) -> None:
    def chemo(facts: dict[str, object]) -> list[str]:
        r = report(pathway, Facts(**{**B_RELAPSE, **facts}))  # type: ignore[arg-type]
        return [b.numbers.ref for b in option(r, "intensive-salvage-chemotherapy").benefits]

    assert chemo({}) [0] == "ev.gokbuget-2012-relapse#cr-first-salvage"
    assert chemo({"relapse_count": 2})[0] == "ev.gokbuget-2016-salvage-lines#cr-salvage-2"
    after_sct = chemo({"prior_treatments": ("intensive-chemotherapy",
                                            "allogeneic-stem-cell-transplant")})
    assert after_sct[0] == "ev.gokbuget-2012-relapse#cr-after-sct"


def test_comparisons_are_only_with_the_same_trials_control_arm(reports: list[OddsReport]) -> None:
    for r in reports:
        for s in shown(r):
            if s.control is not None:
                assert s.source.kind == "randomized-trial", s.numbers.ref
                assert s.numbers.comparator is not None
                assert any(t.text.startswith("In the same trial") for t in s.sentences)
            else:
                assert any("no comparison group in this study" in t.text
                           or "treatment group only" in t.text for t in s.sentences), s.numbers.ref
                assert not any("In the same trial" in t.text for t in s.sentences)
            # One study per number: no sentence names another study's number.
            assert {t.source for t in s.sentences} == {s.source.evidence_id}


_VAGUE = re.compile(r"\b(rare|rarely|likely|unlikely|common|uncommon|frequent|infrequent|"
                    r"seldom|probably)\b", re.IGNORECASE)


def generated_texts(r: OddsReport) -> Iterator[str]:
    yield r.situation.line_explanation
    yield from (c.text for c in r.cautions)
    for s in shown(r):
        yield from (t.text for t in s.sentences)
        yield from s.differences
        yield from (c.text for c in s.cautions)
        if s.array is not None:
            yield s.array.description
            yield from (seg.label for seg in s.array.segments)
    for o in r.options:
        yield from (st_.text for st_ in o.statements)
        yield from (n.reason for n in o.not_shown)
        yield from (c.text for c in o.cautions)


def test_no_probability_word_without_a_number(reports: list[OddsReport]) -> None:
    for r in reports:
        for text in generated_texts(r):
            for sentence in re.split(r"(?<=[.;])\s+", text):
                if _VAGUE.search(sentence):
                    assert re.search(r"\d", sentence), sentence


def test_counts_in_words_match_the_icon_array(reports: list[OddsReport]) -> None:
    for r in reports:
        for s in shown(r):
            if s.array is None:
                continue
            seg = {g.key: g.count for g in s.array.segments}
            assert sum(seg.values()) == s.array.total
            first = re.search(r"about ([\d,]+) in (100|1,000)", s.sentences[0].text)
            assert first is not None, s.sentences[0].text
            x = int(first.group(1).replace(",", ""))
            assert x == seg.get("base", 0) + seg.get("extra", 0), s.numbers.ref
            if s.control is not None and "none of" not in s.sentences[1].text:
                second = re.search(r"about ([\d,]+) in", s.sentences[1].text)
                assert second is not None
                assert int(second.group(1).replace(",", "")) == seg["base"] + seg.get("fewer", 0)


def test_benefits_and_harms_in_equal_detail_for_every_patient(
        pathway: Pathway, reports: list[OddsReport]) -> None:
    """IPDAS: every suitable or possible option with trial evidence shows a benefit and a
    harm, or says in words that the registry holds none for this situation."""
    for r in reports:
        for o in r.options:
            if not has_trial_evidence(pathway, o.option_id):
                continue
            kinds = {s.kind for s in o.statements}
            assert o.benefits or kinds & {"benefits", "benefits-none-fit", "no-numbers"}, o.option_id
            assert o.harms or kinds & {"harms", "harms-none-fit", "no-numbers"}, o.option_id
            for s in (*o.benefits, *o.harms):
                assert s.sentences and s.clinician and s.source.url


def test_not_suitable_options_get_no_odds(pathway: Pathway) -> None:
    r = report(pathway, example_facts("comfort-goals"))
    ids = {o.option_id for o in r.options}
    assert "blinatumomab" not in ids and "palliative-care" in ids
    assert all(o.status != "not-suitable" for o in r.options)


def synthetic(events: int, total: int, comparator: tuple[int, int] | None = None
              ) -> tuple[object, object]:
    outcome: dict[str, object] = {
        "id": "x", "endpoint": "other", "kind": "harm", "label": "A harm", "measure": "proportion",
        "verification": "verified", "arm": "drug", "events": events, "total": total}
    if comparator:
        outcome["comparator"] = {"arm": "placebo", "events": comparator[0], "total": comparator[1]}
    data = {"schema_version": 1, "evidence": [{
        "id": "ev.synthetic", "kind": "randomized-trial", "title": "T", "short": "SYN",
        "citation": "C", "year": 2020, "url": "https://doi.org/10.0000/synthetic", "verification": "verified",
        "checked_sources": ["https://doi.org/10.0000/synthetic"], "last_reviewed": "2026-01-01",
        "population": {"description": "adults"}, "outcomes": [outcome]}]}
    chk = Checker()
    reg = parse_evidence(data, chk)
    assert not chk.errors, chk.errors
    item = reg["ev.synthetic"]
    return item, item.outcome("x")


def test_below_one_in_a_hundred_uses_a_thousand_icons() -> None:
    item, out = synthetic(2, 500, comparator=(1, 500))
    n = outcome_numbers(item, out)
    texts, (x, y, scale) = proportion_words(n, "the drug", "had it", "placebo", where="In SYN")
    assert scale == 1000 and (x, y) == (4, 2)
    assert texts[0] == "In SYN, fewer than 1 in 100 (about 4 in 1,000) people given the drug had it."
    assert texts[3].startswith("Our best estimate is fewer than 1 in 100 (about 4 in 1,000). "
                               "The true number could be between 0 and 14 in 1,000.")
    segs = segments(x, y, scale, "the drug", "had it", "placebo")
    assert [(s.key, s.count) for s in segs] == [("base", 2), ("extra", 2), ("rest", 996)]


def test_none_in_the_control_arm_is_said_as_none() -> None:
    item, out = synthetic(5, 164, comparator=(0, 143))
    n = outcome_numbers(item, out)
    texts, _ = proportion_words(n, "the drug", "had it", "placebo")
    assert texts[1] == "In the same trial, none of the 143 people given placebo had it."


@given(st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_array_segments_always_add_up(result: float, control: float) -> None:
    scale = 1000 if result < 0.01 or 0 < control < 0.01 else 100
    x, y = icons(result, scale), icons(control, scale)
    segs = segments(x, y, scale, "a", "b", "c")
    assert sum(s.count for s in segs) == scale
    assert all(s.count >= 0 for s in segs)
    single = segments(x, None, scale, "a", "b", None)
    assert [s.count for s in single] == [x, scale - x]


def test_study_ages_are_read_without_taking_an_iqr_for_a_range() -> None:
    assert parse_age("median 40 years (IQR 28-52)").low is None
    r = parse_age("median 33 years (range 15-55)")
    assert (r.median, r.low, r.high) == (33, 15, 55)
    u = parse_age("under 66 years")
    assert (u.high, u.high_exclusive) == (66, True)
    assert parse_age("18 and older (US); 26 and older (EU)").low == 18
    assert parse_age("at least 3 years at screening and no older than 21 at diagnosis").high == 21


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    n = len(groups) - (1 if word.lower().endswith("e") and len(groups) > 1
                       and not word.lower().endswith("le") else 0)
    return max(1, n)


def test_patient_words_stay_near_a_grade_6_to_8_reading_level(reports: list[OddsReport]) -> None:
    """A crude Flesch-Kincaid grade over the patient-facing sentences (drug names make single
    sentences harder; the average is what drifts when jargon creeps in)."""
    words = syllables = sentences = 0
    seen: set[str] = set()
    for r in reports:
        for o in r.options:
            for s in (*o.benefits, *o.harms):
                for t in (*(x.text for x in s.sentences), *s.differences):
                    seen.add(t)
    for text in seen:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            ws = re.findall(r"[A-Za-z'-]+", sentence)
            if ws:
                words += len(ws)
                syllables += sum(_syllables(w) for w in ws)
                sentences += 1
    grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59
    assert grade <= 8.5, grade

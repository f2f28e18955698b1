"""Safety invariants over random facts (hypothesis). Each one is a promise to clinicians."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allnav.engine import assess
from allnav.facts import FIELDS, Facts, FieldSpec
from allnav.facts_reader import read_facts
from allnav.pathway import OPTION_IDS, Pathway, load_pathway

from .conftest import AS_OF

PATHWAY: Pathway = load_pathway()
CD19_DIRECTED = ("blinatumomab", "car-t-cell-therapy")


def value_of(spec: FieldSpec) -> st.SearchStrategy[Any]:
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "choice-list":
        return st.lists(st.sampled_from(spec.choices), unique=True, max_size=4)
    if spec.kind == "text-list":
        return st.lists(st.sampled_from(["T315I", "E255K", "F317L", "Y253H"]), unique=True, max_size=2)
    if spec.kind == "boolean":
        return st.booleans()
    if spec.kind == "integer":
        assert spec.minimum is not None and spec.maximum is not None
        return st.integers(int(spec.minimum), int(spec.maximum))
    if spec.name == "symptoms.anc_per_ul":
        # Cell counts are whole cells per µL (a fraction means another unit; see units.py).
        return st.one_of(st.sampled_from([0, 100, 499, 500, 999, 1000]), st.integers(0, 100_000))
    if spec.name == "symptoms.platelets_per_ul":
        return st.one_of(st.sampled_from([0, 8000, 10_000, 10_001, 49_000, 50_000]),
                         st.integers(1000, 2_000_000))
    if spec.kind == "number":
        assert spec.minimum is not None and spec.maximum is not None
        # Thresholds sit on round numbers; make them likely.
        edges = st.sampled_from([500, 499, 999, 1000, 38.0, 38.2, 38.3, 7.0, 6.9, 10000, 10001,
                                 17, 18, 25, 26, 55, 60, 12, 24])
        edges = edges.filter(lambda v: spec.minimum <= v <= spec.maximum)  # type: ignore[arg-type]
        return st.one_of(edges, st.floats(spec.minimum, spec.maximum, allow_nan=False))
    return st.just(None)


@st.composite
def facts_dicts(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    symptoms: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        if spec.kind == "date" or not draw(st.booleans()):
            continue
        value = draw(st.one_of(st.none(), st.just("unknown"), value_of(spec)))
        if name.startswith("symptoms."):
            symptoms[name[9:]] = value
        else:
            out[name] = value
    if symptoms:
        out["symptoms"] = symptoms
    return out


def facts_strategy() -> st.SearchStrategy[Facts]:
    return facts_dicts().map(lambda d: read_facts(d)[0])


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(facts_strategy())
def test_cd19_directed_never_suitable_without_cd19_b_cells(facts: Facts) -> None:
    a = assess(PATHWAY, facts, AS_OF)
    if facts.cd19 == "negative" or facts.lineage == "T":
        for oid in CD19_DIRECTED:
            assert a.option(oid).status == "not-suitable", oid


@SETTINGS
@given(facts_strategy())
def test_lineage_and_ph_specific_drugs(facts: Facts) -> None:
    a = assess(PATHWAY, facts, AS_OF)
    if facts.ph_status == "negative":
        assert a.option("tki-based-therapy").status == "not-suitable"
    if facts.lineage == "B":
        assert a.option("nelarabine-based-therapy").status == "not-suitable"
    if facts.cd22 == "negative" or facts.lineage == "T":
        assert a.option("inotuzumab-ozogamicin").status == "not-suitable"


@SETTINGS
@given(facts_strategy(), st.sampled_from(sorted(n for n in FIELDS if n != "as_of")))
def test_an_unknown_fact_alone_never_makes_an_option_not_suitable(facts: Facts, name: str) -> None:
    """Forgetting one fact can turn a verdict into "possible", never into "not suitable"."""
    if name.startswith("symptoms."):
        forgotten = dataclasses.replace(
            facts, symptoms=dataclasses.replace(facts.symptoms, **{name[9:]: None}))
    else:
        forgotten = dataclasses.replace(facts, **{name: None})  # type: ignore[arg-type]
    known = {o.id: o.status for o in assess(PATHWAY, facts, AS_OF).options}
    for o in assess(PATHWAY, forgotten, AS_OF).options:
        if o.status == "not-suitable":
            assert known[o.id] == "not-suitable", (o.id, name)


@SETTINGS
@given(facts_strategy())
def test_not_suitable_always_rests_on_a_known_fact(facts: Facts) -> None:
    a = assess(PATHWAY, facts, AS_OF)
    for o in a.options:
        if o.status == "not-suitable":
            failing = [r for r in o.reasons if r.outcome is False]
            assert failing, o.id
            assert all(any(v is not None for _, v in a.reason_facts(r)) for r in failing), o.id


@SETTINGS
@given(facts_strategy(), st.floats(38.3, 44.0), st.floats(0, 499.99))
def test_fever_with_neutropenia_is_always_urgent(facts: Facts, temp: float, anc: float) -> None:
    febrile = dataclasses.replace(
        facts, symptoms=dataclasses.replace(facts.symptoms, temperature_c=temp, anc_per_ul=anc))
    fn = assess(PATHWAY, febrile, AS_OF).option("febrile-neutropenia-emergency")
    assert fn.urgent and fn.status == "suitable"
    assert fn.urgent_text


@SETTINGS
@given(facts_strategy())
def test_outputs_are_complete_traceable_and_in_vocabulary(facts: Facts) -> None:
    a = assess(PATHWAY, facts, AS_OF)
    assert tuple(o.id for o in a.options) == OPTION_IDS
    for o in a.options:
        if o.status in ("suitable", "possible"):
            assert o.evidence and all(e in PATHWAY.evidence for e in o.evidence), o.id
        if o.status == "possible":
            # Possible rests on a missing fact or on a stated judgement call, never on nothing.
            judged = [r for r in o.reasons if r.outcome is False and r.judgement]
            assert o.missing_facts or judged, o.id
            assert all(m in FIELDS for m in o.missing_facts)
        if o.urgent:
            assert o.status != "not-suitable" and o.urgent_text, o.id
        for r in o.reasons:
            assert r.criterion in PATHWAY.criteria and r.text
    assert all(m.fact in FIELDS for m in a.missing_facts)


@SETTINGS
@given(facts_dicts())
def test_valid_input_always_reads(data: dict[str, Any]) -> None:
    facts, warnings = read_facts(data)
    assert all(w.severity == "warning" for w in warnings)
    assert isinstance(facts, Facts)


@SETTINGS
@given(facts_strategy())
def test_generated_evaluation_agrees_with_the_criteria_definitions(facts: Facts) -> None:
    """The engine runs generated code; each criterion class's ``evaluate`` is the definition."""
    named = PATHWAY.evaluate_criteria(facts)
    for crit in PATHWAY.criteria.values():
        assert named[crit.id] is crit.test.evaluate(facts), crit.id
        if named[crit.id] is None:
            assert tuple(dict.fromkeys(crit.missing(facts))) == tuple(crit.test.missing(facts)), crit.id

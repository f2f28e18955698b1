"""Criterion kinds: Kleene three-valued logic and the facts each one needs."""

from __future__ import annotations

import itertools

import pytest

from allnav import criteria as C
from allnav.facts import Facts, Symptoms

T, F, U = True, False, None


class Fixed(C.Criterion):
    """A criterion with a fixed answer, to drive the composites through every case."""

    kind = "fixed"

    def __init__(self, value: C.Tri, fact: str = "cd19") -> None:
        self.value = value
        self.fact = fact

    def evaluate(self, facts: Facts) -> C.Tri:
        return self.value

    def facts_used(self) -> tuple[str, ...]:
        return (self.fact,)


KLEENE_AND = {(T, T): T, (T, F): F, (T, U): U, (F, F): F, (F, U): F, (U, U): U}
KLEENE_OR = {(T, T): T, (T, F): T, (T, U): T, (F, F): F, (F, U): U, (U, U): U}


@pytest.mark.parametrize(("a", "b"), list(itertools.product([T, F, U], repeat=2)))
def test_all_and_any_follow_kleene(a: C.Tri, b: C.Tri) -> None:
    key = (a, b) if (a, b) in KLEENE_AND else (b, a)
    facts = Facts()
    assert C.All(of=(Fixed(a), Fixed(b))).evaluate(facts) is KLEENE_AND[key]
    assert C.Any(of=(Fixed(a), Fixed(b))).evaluate(facts) is KLEENE_OR[key]


@pytest.mark.parametrize(("a", "expected"), [(T, F), (F, T), (U, U)])
def test_not_keeps_unknown(a: C.Tri, expected: C.Tri) -> None:
    assert C.Not(of=Fixed(a)).evaluate(Facts()) is expected


@pytest.mark.parametrize(("a", "expected"), [(T, T), (F, F), (U, T)])
def test_not_ruled_out_treats_unknown_as_possible(a: C.Tri, expected: C.Tri) -> None:
    assert C.NotRuledOut(of=Fixed(a)).evaluate(Facts()) is expected


def test_fact_tests_are_unknown_when_the_fact_is() -> None:
    empty = Facts()
    for crit in (
        C.Equals(fact="cd19", value="positive"),
        C.OneOf(fact="disease_status", values=("relapsed",)),
        C.Compare(fact="symptoms.anc_per_ul", op="<", value=500),
        C.Includes(fact="relapse_sites", value="cns"),
        C.IncludesAny(fact="prior_treatments", values=("blinatumomab",)),
        C.IsTrue(fact="donor_available"),
    ):
        assert crit.evaluate(empty) is None, crit
        assert crit.missing(empty) == list(crit.facts_used())


def test_compare_thresholds_are_exact() -> None:
    fever = C.Compare(fact="symptoms.temperature_c", op=">=", value=38.3)
    assert fever.evaluate(Facts(symptoms=Symptoms(temperature_c=38.3))) is True
    assert fever.evaluate(Facts(symptoms=Symptoms(temperature_c=38.2))) is False
    neutropenia = C.Compare(fact="symptoms.anc_per_ul", op="<", value=500)
    assert neutropenia.evaluate(Facts(symptoms=Symptoms(anc_per_ul=499))) is True
    assert neutropenia.evaluate(Facts(symptoms=Symptoms(anc_per_ul=500))) is False


def test_present_list_is_complete() -> None:
    cns = C.Includes(fact="relapse_sites", value="cns")
    assert cns.evaluate(Facts(relapse_sites=("bone-marrow",))) is False
    assert cns.evaluate(Facts(relapse_sites=())) is False
    assert cns.evaluate(Facts(relapse_sites=("cns",))) is True


def test_missing_lists_only_facts_that_keep_the_answer_open() -> None:
    b_cd19 = C.All(of=(C.Equals(fact="lineage", value="B"), C.Equals(fact="cd19", value="positive")))
    assert b_cd19.missing(Facts(lineage="B")) == ["cd19"]
    # Already false: nothing more to learn from cd19.
    assert b_cd19.evaluate(Facts(lineage="T")) is False
    either = C.Any(of=(C.Equals(fact="lineage", value="B"), C.Equals(fact="cd19", value="positive")))
    assert either.missing(Facts(lineage="T")) == ["cd19"]


def test_registry_is_closed_and_documented() -> None:
    assert set(C.KINDS) == {"equals", "one-of", "compare", "days-since", "includes",
                            "includes-any", "is-true", "all", "any", "not", "not-ruled-out", "ref"}
    for kind, cls in C.KINDS.items():
        assert cls.kind == kind
        assert cls.__doc__ and len(cls.__doc__.strip()) > 20, kind

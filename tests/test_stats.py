"""Exact binomial intervals against published ones, and rounding that always adds up."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allnav.evidence import ArmResult, load_evidence
from allnav.stats import (
    beta_cdf,
    clopper_pearson,
    clopper_pearson_bracket,
    counts_matching_percent,
    decimals,
    largest_remainder,
)

# (events, total, published low %, published high %) as printed in the papers and labels.
PUBLISHED = [
    pytest.param(88, 109, 72.1, 87.7, id="INO-VATE CR/CRi inotuzumab"),
    pytest.param(32, 109, 21.0, 38.8, id="INO-VATE CR/CRi chemotherapy"),
    pytest.param(39, 55, 57, 82, id="ZUMA-3 CR/CRi"),
    pytest.param(28, 54, 38, 66, id="brexu-cel FDA CR"),
    pytest.param(27, 65, 29, 54, id="obe-cel FDA CR"),
    pytest.param(22, 104, 13.8, 30.3, id="revumenib CR+CRh"),
]


def published_precision_matches(computed: float, published: float) -> bool:
    """Whether a computed bound (fraction) rounds to the published percent at its precision."""
    places = decimals(published)
    return abs(computed * 100 - published) <= 0.5 * 10 ** -places + 1e-9  # type: ignore[no-any-return]


@pytest.mark.parametrize(("events", "total", "low", "high"), PUBLISHED)
def test_clopper_pearson_reproduces_published_intervals(events: int, total: int, low: float,
                                                        high: float) -> None:
    lo, hi = clopper_pearson(events, total)
    assert published_precision_matches(lo, low), (lo, low)
    assert published_precision_matches(hi, high), (hi, high)


def _published_arms() -> list[tuple[str, ArmResult]]:
    registry = load_evidence()
    arms: list[tuple[str, ArmResult]] = []
    for item in registry:
        for o in item.outcomes:
            for arm in (o.result, o.comparator):
                if arm is not None and arm.published_ci95 is not None:
                    arms.append((f"{item.id}#{o.id}:{arm.arm}", arm))
    return arms


def test_every_published_interval_in_the_registry_is_reproduced() -> None:
    """Every proportion with a published 95% CI and a count: the exact interval computed
    from the count matches what was printed, to the printed precision. A mismatch means a
    wrong count or interval in evidence.yaml."""
    arms = _published_arms()
    checked = 0
    for name, arm in arms:
        if arm.events is None or arm.total is None:
            continue
        lo, hi = clopper_pearson(arm.events, arm.total)
        published = arm.published_ci95
        assert published is not None
        assert published_precision_matches(lo, published[0]), (name, lo, published)
        assert published_precision_matches(hi, published[1]), (name, hi, published)
        checked += 1
    # 12 since issue 12 removed intervals read only on a manufacturer's page (PACE) or in a
    # source that could not be cited as primary (CALGB 19801, MDACC CR2/CR3).
    assert checked >= 12, "the registry should hold at least 12 published intervals with counts"


def test_published_intervals_without_counts_are_only_the_known_ones() -> None:
    """A published interval without a count cannot be checked; there must be few, and each
    is kept as published rather than recomputed."""
    uncounted = {name.split(":")[0] for name, arm in _published_arms() if arm.events is None}
    assert uncounted == {"ev.gokbuget-2016-salvage-lines#cr-salvage-1-since-2005"}


@given(st.integers(min_value=1, max_value=60), st.data())
def test_clopper_pearson_meets_its_definition(total: int, data: st.DataObject) -> None:
    """At the lower bound P(X >= k) is 2.5%, at the upper bound P(X <= k) is 2.5%."""
    k = data.draw(st.integers(min_value=0, max_value=total))
    lo, hi = clopper_pearson(k, total)

    def pmf(i: int, p: float) -> float:
        return math.comb(total, i) * p ** i * (1 - p) ** (total - i)

    if k > 0:
        assert math.isclose(sum(pmf(i, lo) for i in range(k, total + 1)), 0.025, abs_tol=1e-9)
    else:
        assert lo == 0.0
    if k < total:
        assert math.isclose(sum(pmf(i, hi) for i in range(k + 1)), 0.025, abs_tol=1e-9)
    else:
        assert hi == 1.0
    assert lo <= k / total <= hi


@given(st.integers(min_value=2, max_value=400), st.data())
def test_interval_widens_as_events_grow_apart_and_bracket_covers(total: int,
                                                                 data: st.DataObject) -> None:
    a = data.draw(st.integers(min_value=0, max_value=total - 1))
    b = data.draw(st.integers(min_value=a, max_value=total))
    lo_a, hi_a = clopper_pearson(a, total)
    lo_b, hi_b = clopper_pearson(b, total)
    assert lo_a <= lo_b and hi_a <= hi_b
    lo, hi = clopper_pearson_bracket(a, b, total)
    assert lo <= lo_a and hi >= hi_b


def test_beta_cdf_matches_closed_forms() -> None:
    for x in (0.01, 0.3, 0.5, 0.77, 0.99):
        assert math.isclose(beta_cdf(x, 1, 1), x, rel_tol=1e-12)
        assert math.isclose(beta_cdf(x, 3, 1), x ** 3, rel_tol=1e-10)
        assert math.isclose(beta_cdf(x, 1, 4), 1 - (1 - x) ** 4, rel_tol=1e-10)


def test_large_totals_are_fast_enough_to_compute() -> None:
    lo, hi = clopper_pearson(4207, 21033)
    assert 0.194 < lo < 0.2 < hi < 0.206


def test_bad_counts_are_refused() -> None:
    for events, total in ((5, 4), (-1, 10), (0, 0)):
        with pytest.raises(ValueError, match="events"):
            clopper_pearson(events, total)


def test_counts_matching_a_published_percent() -> None:
    assert counts_matching_percent(34, 271) == (91, 93)      # TOWER CR: 91, 92 or 93
    assert counts_matching_percent(2.4, 127) == (3, 3)       # FELIX grade 3+ CRS
    assert counts_matching_percent(42, 224) == (93, 95)
    assert counts_matching_percent(22.8, 164) is None        # a Kaplan-Meier figure, not a count
    assert decimals(34.0) == 0 and decimals(22.8) == 1 and decimals(13.75) == 2


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=8)
       .filter(lambda xs: math.fsum(xs) > 1e-9),
       st.sampled_from([100, 1000]))
def test_largest_remainder_adds_up_and_stays_within_one_icon(shares: list[float], total: int) -> None:
    counts = largest_remainder(shares, total)
    assert sum(counts) == total
    weight = math.fsum(shares)
    for share, count in zip(shares, counts, strict=True):
        assert count >= 0
        assert abs(count - share / weight * total) < 1 + 1e-9


def test_largest_remainder_is_deterministic_on_ties() -> None:
    assert largest_remainder([0.5, 0.5], 1) == (1, 0)
    assert largest_remainder([1, 1, 1], 100) == (34, 33, 33)
    with pytest.raises(ValueError, match="positive"):
        largest_remainder([0, 0], 100)

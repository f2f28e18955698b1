"""Every number in the registry as a figure: estimate, interval, method, cautions."""

from __future__ import annotations

import functools

from allnav.evidence import EvidenceRegistry, load_evidence
from allnav.odds.numbers import is_time_to_event, note_interval, outcome_numbers


@functools.cache
def registry() -> EvidenceRegistry:
    return load_evidence()


def test_kaplan_meier_figures_never_get_a_computed_interval() -> None:
    """Censored survival data: only a published interval may be shown, never Clopper-Pearson."""
    seen = 0
    for item in registry():
        for o in item.outcomes:
            if o.measure != "proportion" or not is_time_to_event(o):
                continue
            n = outcome_numbers(item, o)
            assert n.time_to_event
            for arm in (n.result, n.comparator):
                if arm is not None and arm.interval is not None:
                    assert arm.interval.method in ("published", "published-in-note"), n.ref
            assert any(c.kind == "time-to-event" for c in n.cautions), n.ref
            seen += 1
    assert seen >= 25


def test_survival_endpoints_are_time_to_event() -> None:
    for item in registry():
        for o in item.outcomes:
            if o.endpoint.startswith(("os-at-", "efs-at-", "dfs-at-")):
                assert is_time_to_event(o), f"{item.id}#{o.id}"
    ev = registry()
    assert is_time_to_event(ev["ev.blast-2018"].outcome("rfs-18m"))           # by its label
    assert is_time_to_event(ev["ev.t-all-hct-2017"].outcome("relapse"))        # cumulative incidence
    assert not is_time_to_event(ev["ev.ino-vate-2016"].outcome("cr-cri"))
    assert not is_time_to_event(ev["ev.cns-relapse-after-hct"].outcome("cns-relapse"))


def test_every_published_interval_in_a_kaplan_meier_note_is_read() -> None:
    for item in registry():
        for o in item.outcomes:
            if o.note and "published 95% CI" in o.note and is_time_to_event(o):
                n = outcome_numbers(item, o)
                assert n.result.interval is not None, n.ref
                assert n.result.interval.method == "published-in-note"
    fielding = outcome_numbers(registry()["ev.fielding-2007"],
                               registry()["ev.fielding-2007"].outcome("os-5y"))
    assert fielding.result.interval is not None
    assert (fielding.result.interval.low, fielding.result.interval.high) == (0.04, 0.09)
    assert note_interval("Kaplan-Meier estimate; no CI in the abstract.") is None


def test_counts_get_an_exact_interval_and_keep_the_published_one_beside_it() -> None:
    item = registry()["ev.ino-vate-2016"]
    n = outcome_numbers(item, item.outcome("cr-cri"))
    assert n.result.interval is not None and n.result.interval.method == "clopper-pearson"
    assert round(n.result.interval.low * 100, 1) == 72.1  # type: ignore[operator]
    assert round(n.result.interval.high * 100, 1) == 87.7  # type: ignore[operator]
    assert n.result.published_ci95 == (0.721, 0.877)
    assert n.comparator is not None and n.comparator.events == 32


def test_a_percent_of_a_known_total_gets_an_interval_over_every_matching_count() -> None:
    item = registry()["ev.tower-2017"]
    n = outcome_numbers(item, item.outcome("cr"))
    iv = n.result.interval
    assert iv is not None and iv.method == "clopper-pearson-implied"
    assert "91 to 93 of 271" in iv.basis
    assert n.result.events is None and n.result.total == 271


def test_a_percent_without_a_total_has_no_interval_and_says_why() -> None:
    item = registry()["ev.gokbuget-2016-salvage-lines"]
    n = outcome_numbers(item, item.outcome("cr-salvage-2"))
    assert n.result.interval is None and n.result.total is None
    assert any(c.kind == "no-denominator" for c in n.cautions)


def test_cautions_travel_with_the_numbers() -> None:
    ev = registry()
    recalled = outcome_numbers(ev["ev.zuma3-2021"], ev["ev.zuma3-2021"].outcome("crs-g3"))
    assert any(c.kind == "unverified" and "Not yet verified against the primary paper" in c.text
               for c in recalled.cautions)
    partial = outcome_numbers(ev["ev.obecel-fda-2024"], ev["ev.obecel-fda-2024"].outcome("cr-3m"))
    assert any(c.kind == "partly-verified" for c in partial.cautions)
    small = outcome_numbers(ev["ev.alcantara-2017"], ev["ev.alcantara-2017"].outcome("cr-crh"))
    assert any(c.kind == "small-numbers" and "45" in c.text for c in small.cautions)
    assert any(c.kind == "single-arm" for c in small.cautions)
    big = outcome_numbers(ev["ev.ino-vate-2016"], ev["ev.ino-vate-2016"].outcome("cr-cri"))
    assert not any(c.kind == "small-numbers" for c in big.cautions)
    assert any(c.kind == "randomized" for c in big.cautions)


def test_medians_and_hazard_ratios_keep_their_published_interval() -> None:
    ev = registry()
    zuma = outcome_numbers(ev["ev.zuma3-2021"], ev["ev.zuma3-2021"].outcome("median-os"))
    assert zuma.result.estimate == 18.2
    assert zuma.result.interval is not None
    assert (zuma.result.interval.low, zuma.result.interval.high) == (15.9, None)
    hr = outcome_numbers(ev["ev.ino-vate-2019-final"],
                         ev["ev.ino-vate-2019-final"].outcome("os-hr"))
    assert hr.result.interval is not None and hr.result.interval.level == 0.975

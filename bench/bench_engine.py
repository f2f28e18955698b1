"""Engine benchmark: pathway load time and assessments per second on the example mix.

Reports absolute figures and ratios against baselines measured in the same run, since the
machine is noisy: parsing the same patient's JSON with ``json.loads`` (the least any
service must do per request), and reading it into validated Facts.

Goals (issue 2): loading the pathway < 100 ms; one assessment < 50 µs on one core
(> 20,000 assessments per second on the example mix).

Run: ``make bench`` (or ``.venv/bin/python bench/bench_engine.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

import yaml

from allnav import pathway as pathway_module
from allnav.engine import assess
from allnav.facts import FIELDS, Facts, Symptoms
from allnav.facts_reader import read_facts
from allnav.pathway import load_pathway

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 29)


def best_per_call(fn: object, calls: int, repeats: int = 7) -> float:
    """CPU seconds per call (this process only, so other load on the machine does not count),
    the median of ``repeats`` runs of ``calls`` calls."""
    assert callable(fn)
    times = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(calls):
            fn()
        times.append((time.process_time() - start) / calls)
    return statistics.median(times)


def random_patient(rng: random.Random) -> Facts:
    """A plausible random patient: any field may be unknown."""
    def maybe(value: object) -> object:
        return value if rng.random() < 0.7 else None

    def pick(spec_name: str) -> object:
        return maybe(rng.choice(FIELDS[spec_name].choices))

    symptoms = Symptoms(
        temperature_c=maybe(round(rng.uniform(36.0, 40.0), 1)),  # type: ignore[arg-type]
        anc_per_ul=maybe(rng.randrange(0, 5000, 10)),  # type: ignore[arg-type]
        hemoglobin_g_dl=maybe(round(rng.uniform(5.0, 14.0), 1)),  # type: ignore[arg-type]
        platelets_per_ul=maybe(rng.randrange(1000, 400_000, 1000)),  # type: ignore[arg-type]
        pain_score=maybe(rng.randint(0, 10)),  # type: ignore[arg-type]
        bleeding=maybe(rng.random() < 0.1),  # type: ignore[arg-type]
        nausea=maybe(rng.random() < 0.3),  # type: ignore[arg-type]
    )
    return Facts(
        age_years=maybe(float(rng.randint(18, 85))),  # type: ignore[arg-type]
        lineage=pick("lineage"), ph_status=pick("ph_status"), cd19=pick("cd19"),  # type: ignore[arg-type]
        cd22=pick("cd22"), disease_status=pick("disease_status"),  # type: ignore[arg-type]
        relapse_count=maybe(rng.randint(0, 4)), ecog=maybe(rng.randint(0, 4)),  # type: ignore[arg-type]
        relapse_sites=maybe(tuple(rng.sample(FIELDS["relapse_sites"].choices, rng.randint(0, 2)))),  # type: ignore[arg-type]
        prior_treatments=maybe(tuple(rng.sample(FIELDS["prior_treatments"].choices, rng.randint(0, 3)))),  # type: ignore[arg-type]
        transplant_candidate=maybe(rng.random() < 0.5),  # type: ignore[arg-type]
        donor_available=maybe(rng.random() < 0.6), goals=pick("goals"),  # type: ignore[arg-type]
        symptoms=symptoms,
    )


def main() -> int:
    docs = [yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / "examples" / "patients").glob("*.yaml"))]
    texts = [json.dumps(d) for d in docs]
    facts = [read_facts(d, default_as_of=AS_OF)[0] for d in docs]

    def load_fresh() -> None:
        pathway_module._CACHE.clear()
        load_pathway()

    load_s = best_per_call(load_fresh, 3, repeats=5)
    pathway = load_pathway()

    def assess_mix() -> None:
        for f in facts:
            assess(pathway, f, AS_OF)

    def parse_mix() -> None:
        for t in texts:
            json.loads(t)

    def read_mix() -> None:
        for d in docs:
            read_facts(d, default_as_of=AS_OF)

    # Distinct random patients, each assessed once: the engine memoises results by
    # criterion-outcome patterns, so this shows the cost when patterns are new too.
    rng = random.Random(2026)
    distinct = [random_patient(rng) for _ in range(3000)]

    def assess_distinct() -> None:
        for f in distinct:
            assess(pathway, f, AS_OF)

    cold_s = best_per_call(assess_distinct, 1, repeats=1) / len(distinct)
    warm_distinct_s = best_per_call(assess_distinct, 1, repeats=3) / len(distinct)
    n = len(facts)
    assess_s = best_per_call(assess_mix, 200) / n
    parse_s = best_per_call(parse_mix, 200) / n
    read_s = best_per_call(read_mix, 200) / n
    print(f"example mix: {n} patients, {len(pathway.options)} options, {len(pathway.criteria)} criteria")
    print(f"load pathway + evidence:   {load_s * 1e3:8.1f} ms   (goal < 100 ms)")
    print(f"assess one patient:        {assess_s * 1e6:8.1f} µs   = {1 / assess_s:,.0f} per second "
          "(goal < 50 µs, > 20,000/s)")
    print(f"3,000 distinct random patients, first pass:  {cold_s * 1e6:8.1f} µs per assessment")
    print(f"3,000 distinct random patients, again:       {warm_distinct_s * 1e6:8.1f} µs per assessment")
    print(f"baseline json.loads:       {parse_s * 1e6:8.1f} µs   assess / json.loads = {assess_s / parse_s:.1f}x")
    print(f"read + validate facts:     {read_s * 1e6:8.1f} µs   assess / read facts = {assess_s / read_s:.2f}x")
    ok = load_s < 0.100 and assess_s < 50e-6
    print("goals met" if ok else "GOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

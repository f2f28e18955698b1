"""Benchmark the trial finder on a generated corpus of ClinicalTrials.gov-shaped records.

    .venv/bin/python bench/bench_trials.py                 # 100,000 studies
    .venv/bin/python bench/bench_trials.py --studies 20000 --repeat 10

It generates records in the API v2 shape (2% of them ALL studies, with real-style
eligibility text; the rest other conditions), imports them into a fresh store,
then times a match (indexed SQL filters + judging the candidates, with a place
and a distance limit) against baselines measured in the same run on the same
machine:

* full scan: the same match without the indexed filters, every study loaded
  from the store and judged (what a store without indexes would do);
* json.loads of every raw record (the least any "keep the JSON, parse at match
  time" design pays before it judges anything);
* parse at match time: json.loads + parse_study of every record, timed on a
  sample and scaled to the corpus (said so in the output).

Figures are printed as a table and as one JSON line (for docs/trials.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from allnav.facts import Facts
from allnav.trials.ctgov import parse_study
from allnav.trials.files import iter_records
from allnav.trials.geo import Place, place_names, resolve_place
from allnav.trials.match import MatchResult, match_trials
from allnav.trials.store import TrialStore, import_studies

CITIES = [
    ("Houston", "Texas", "United States", 29.76328, -95.36327),
    ("Dallas", "Texas", "United States", 32.78306, -96.80667),
    ("San Antonio", "Texas", "United States", 29.42412, -98.49363),
    ("New York", "New York", "United States", 40.71427, -74.00597),
    ("Boston", "Massachusetts", "United States", 42.35843, -71.05977),
    ("Chicago", "Illinois", "United States", 41.85003, -87.65005),
    ("Seattle", "Washington", "United States", 47.60621, -122.33207),
    ("Los Angeles", "California", "United States", 34.05223, -118.24368),
    ("Philadelphia", "Pennsylvania", "United States", 39.95233, -75.16379),
    ("Atlanta", "Georgia", "United States", 33.749, -84.38798),
    ("Rochester", "Minnesota", "United States", 44.02163, -92.4699),
    ("Nashville", "Tennessee", "United States", 36.16589, -86.78444),
    ("New Orleans", "Louisiana", "United States", 29.95465, -90.07507),
    ("Oklahoma City", "Oklahoma", "United States", 35.46756, -97.51643),
    ("Toronto", "Ontario", "Canada", 43.70011, -79.4163),
    ("Paris", None, "France", 48.85341, 2.3488),
    ("Milano", "Lombardia", "Italy", 45.46427, 9.18951),
    ("Frankfurt am Main", "Hesse", "Germany", 50.11552, 8.68417),
    ("Madrid", None, "Spain", 40.4165, -3.70256),
    ("London", None, "United Kingdom", 51.50853, -0.12574),
    ("Tokyo", None, "Japan", 35.6895, 139.69171),
    ("Sydney", "New South Wales", "Australia", -33.86785, 151.20732),
]
STATUSES = (["RECRUITING"] * 20 + ["NOT_YET_RECRUITING"] * 5 + ["COMPLETED"] * 45 +
            ["ACTIVE_NOT_RECRUITING"] * 10 + ["TERMINATED"] * 10 + ["UNKNOWN"] * 10)
ALL_INCLUSION = [
    "Age \\>= 18 years.", "Relapsed or refractory B-cell precursor ALL.",
    "Relapsed or refractory T-ALL or T-LBL after at least 1 prior line of therapy.",
    "CD19-positive disease by flow cytometry.", "CD22 expression on \\>= 20% of blasts.",
    "Philadelphia chromosome-negative B-ALL.", "Ph-positive ALL (BCR::ABL1 fusion confirmed).",
    "Failure of, or intolerance to, at least one prior TKI, or presence of the T315I mutation.",
    "Second or greater relapse, or any relapse after allogeneic HSCT, or primary refractory.",
    "ECOG performance status 0-2.", "Karnofsky performance status \\>= 60%.",
    "Documented KMT2A rearrangement.", "Must have received prior CD19-directed CAR T-cell therapy.",
    "Adequate organ function: bilirubin \\<= 1.5 x ULN and creatinine clearance \\>= 30 mL/min.",
    "Patients with Ph+ ALL must have failed or be intolerant to at least 1 prior TKI.",
]
ALL_EXCLUSION = [
    "Active CNS disease (CNS-3).", "Prior CAR-T cell therapy.", "Prior treatment with inotuzumab.",
    "Allogeneic HSCT within 90 days prior to enrollment.", "Prior treatment with ponatinib.",
    "Prior treatment with a menin inhibitor.", "Active uncontrolled infection.",
    "Burkitt leukemia or mixed phenotype acute leukemia.", "Pregnant or breastfeeding women.",
]
OTHER = ["Breast Cancer", "Non-small Cell Lung Cancer", "Type 2 Diabetes", "Acute Myeloid Leukemia",
         "Chronic Lymphocytic Leukemia", "Diffuse Large B-Cell Lymphoma", "Prostate Cancer",
         "Multiple Myeloma", "Heart Failure", "Asthma", "Melanoma", "Colorectal Cancer"]
OTHER_TEXT = ("Inclusion Criteria:\n\n* Age \\>= 18 years.\n* Histologically confirmed {c}.\n"
              "* ECOG performance status 0-1.\n* Adequate bone marrow and organ function.\n\n"
              "Exclusion Criteria:\n\n* Pregnancy.\n* Uncontrolled intercurrent illness.\n"
              "* Prior therapy with the study drug.")


def record(i: int, rng: random.Random, all_share: float) -> dict[str, object]:
    """One generated study in the API v2 shape."""
    is_all = rng.random() < all_share
    if is_all:
        text = ("Inclusion Criteria:\n\n" + "\n".join(f"* {s}" for s in rng.sample(ALL_INCLUSION, 6))
                + "\n\nExclusion Criteria:\n\n"
                + "\n".join(f"* {s}" for s in rng.sample(ALL_EXCLUSION, 4)))
        conditions = ["Acute Lymphoblastic Leukemia"]
        meshes = [{"id": "D000054198", "term": "Precursor Cell Lymphoblastic Leukemia-Lymphoma"}]
    else:
        cond = rng.choice(OTHER)
        text, conditions, meshes = OTHER_TEXT.format(c=cond), [cond], []
    sites = []
    for city, state, country, lat, lon in rng.sample(CITIES, rng.randint(1, 12)):
        site: dict[str, object] = {"facility": f"{city} Cancer Center", "city": city,
                                   "country": country, "geoPoint": {"lat": lat, "lon": lon}}
        if state:
            site["state"] = state
        sites.append(site)
    elig: dict[str, object] = {"eligibilityCriteria": text, "sex": rng.choice(["ALL"] * 18 + ["FEMALE", "MALE"]),
                               "minimumAge": rng.choice(["18 Years"] * 8 + ["1 Year", "12 Years"])}
    if rng.random() < 0.3:
        elig["maximumAge"] = rng.choice(["65 Years", "75 Years", "39 Years", "17 Years"])
    return {"protocolSection": {
        "identificationModule": {"nctId": f"NCT8{i:07d}", "briefTitle": f"Generated study {i}"},
        "statusModule": {"overallStatus": rng.choice(STATUSES),
                         "lastUpdatePostDateStruct": {"date": "2026-01-01"}},
        "conditionsModule": {"conditions": conditions},
        "designModule": {"phases": [rng.choice(["PHASE1", "PHASE2", "PHASE3"])]},
        "eligibilityModule": elig,
        "contactsLocationsModule": {"locations": sites}},
        "derivedSection": {"conditionBrowseModule": {"meshes": meshes}}}


CPU: list[float] = []  # CPU seconds of the last timed() call, for a machine shared with others


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall-clock seconds over ``repeat`` runs, and the last result."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU[:] = [statistics.median(cpu)]
    return statistics.median(times), result


PATIENTS = {
    "B-ALL first relapse": Facts(age_years=45, sex="female", lineage="B", ph_status="negative",
                                 cd19="positive", cd22="positive", disease_status="relapsed",
                                 relapse_count=1, relapse_sites=("bone-marrow",),
                                 prior_treatments=("intensive-chemotherapy",), ecog=1),
    "Ph+ with T315I": Facts(age_years=62, sex="male", lineage="B", ph_status="positive",
                            abl1_mutations=("T315I",), disease_status="relapsed", relapse_count=1,
                            prior_treatments=("intensive-chemotherapy", "tki"), ecog=1),
    "little known": Facts(age_years=50),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--studies", type=int, default=100_000)
    ap.add_argument("--all-share", type=float, default=0.02)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--sample", type=int, default=2_000, help="records for the parse baseline")
    args = ap.parse_args()
    rng = random.Random(20261129)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "studies.ndjson"
        with src.open("w", encoding="utf-8") as fh:
            for i in range(args.studies):
                fh.write(json.dumps(record(i, rng, args.all_share)) + "\n")
        store = Path(tmp) / "trials.sqlite"
        t = time.perf_counter()
        report = import_studies(store, iter_records([src]))
        import_s = time.perf_counter() - t
        lines = src.read_text(encoding="utf-8").splitlines()
        rows: list[tuple[str, float, float, float, int]] = []
        with TrialStore(store) as ts:
            houston = resolve_place("Houston, TX", ts.sites_named(place_names("Houston, TX")))
            box = houston.bounding_box(500.0)
            scenarios = [(f"{n}, near Houston", f, houston, 500.0, box) for n, f in PATIENTS.items()]
            scenarios += [(f"{n}, anywhere", f, None, None, None) for n, f in PATIENTS.items()]  # type: ignore[misc]
            Box = tuple[float, float, float, float] | None
            for name, facts, place, km, bb in scenarios:
                def match(facts: Facts = facts, place: Place | None = place,
                          km: float | None = km, bb: Box = bb) -> MatchResult:
                    return match_trials(ts.candidates(facts.age_years, facts.sex, box=bb),
                                        facts, place, km)

                def scan(facts: Facts = facts, place: Place | None = place,
                         km: float | None = km) -> MatchResult:
                    # No indexed filter: every study in the store is loaded and judged.
                    return match_trials(ts._studies("1 = 1", []), facts, place, km)

                fast, result = timed(match, args.repeat)
                fast_cpu = CPU[0]
                slow, slow_result = timed(scan, 1)
                assert isinstance(result, MatchResult)
                assert isinstance(slow_result, MatchResult)
                # The indexed path must find exactly what the full scan finds.
                assert [m.study.nct_id for m in result.trials] == [
                    m.study.nct_id for m in slow_result.trials]
                rows.append((name, fast, fast_cpu, slow, len(result.trials)))
        loads, _ = timed(lambda: [json.loads(line) for line in lines], 1)
        sample = lines[: args.sample]
        per, _ = timed(lambda: [parse_study(json.loads(line)) for line in sample], 1)
        parse_all = per * len(lines) / len(sample)
    print(f"corpus: {args.studies:,} studies ({report.all_studies:,} ALL); import {import_s:.1f} s "
          f"({import_s / args.studies * 1e3:.2f} ms/study); python {sys.version.split()[0]}")
    print(f"json.loads of all {len(lines):,} raw records: {loads * 1e3:,.0f} ms")
    print(f"{'patient, place':<36}{'match ms':>10}{'cpu ms':>8}{'full scan ms':>14}{'ratio':>8}"
          f"{'loads ratio':>13}{'shown':>7}")
    for name, fast, cpu, slow, shown in rows:
        print(f"{name:<36}{fast * 1e3:>10.1f}{cpu * 1e3:>8.1f}{slow * 1e3:>14.0f}"
              f"{slow / fast:>7.0f}x{loads / fast:>12.0f}x{shown:>7}")
    print(f"parse at match time (json.loads + parse_study, {args.sample:,}-record sample scaled "
          f"to {len(lines):,}): {parse_all:.1f} s, {parse_all / rows[0][1]:,.0f}x the match")
    print(f"load: {os.getloadavg()[0]:.1f} (1-minute load average; wall time grows with it, "
          f"CPU time much less)")
    print(json.dumps({"studies": args.studies, "all_studies": report.all_studies,
                      "import_s": round(import_s, 1),
                      "match_ms": {r[0]: round(r[1] * 1e3, 1) for r in rows},
                      "match_cpu_ms": {r[0]: round(r[2] * 1e3, 1) for r in rows},
                      "full_scan_ms": {r[0]: round(r[3] * 1e3) for r in rows},
                      "json_loads_all_ms": round(loads * 1e3),
                      "parse_at_match_s": round(parse_all, 1)}))


if __name__ == "__main__":
    main()

"""Benchmark importing ClinicalTrials.gov records into the trial store, per record.

    .venv/bin/python bench/bench_trials_import.py                  # 3,000 records
    .venv/bin/python bench/bench_trials_import.py --records 10000

The records are shaped like a full ``allnav trials update`` for ALL: every one an
ALL study, statuses as in ``bench_trials.py`` (25% open to new patients), 1-12
sites each, and each eligibility text one of the 19 *real* development texts
(``tests/data/trials/real-dev``) with a line of its own appended, so that no two
records share a text and nothing is read only once for many records. They are
written to a temporary folder outside the repository.

Measured in the same run, on the same records:

* baseline: the import as it was before issue 13: every ALL study's text read
  at import with the sentence reader (``recognise_sentences``), one study at a
  time;
* now, first import: texts kept, each read when its study is first judged (the
  reading then kept beside the store);
* the first match after it, which reads the texts of the studies it judges (every
  open study that passes the filters for one patient), timed apart so that the
  cost moved out of the import is shown, not hidden;
* now, update: the same records imported again into that store (texts already
  read are copied, not read again), which is what ``allnav trials update`` does.

Per-record cost is what the 150,000-record goal is judged by (a 150,000-record run
takes half an hour at the baseline); ``--records`` sets the sample.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

from allnav.facts import Facts
from allnav.trials import store as store_module
from allnav.trials.files import iter_records
from allnav.trials.match import match_trials
from allnav.trials.recognise import recognise_sentences
from allnav.trials.store import _LATER, TrialStore, import_studies
from bench_trials import record

REAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "trials" / "real-dev"


def corpus(n: int, path: Path) -> None:
    texts = [json.loads(p.read_text(encoding="utf-8"))["protocolSection"]["eligibilityModule"]
             ["eligibilityCriteria"] for p in sorted(REAL.glob("NCT*.json"))]
    rng = random.Random(20261207)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            r = record(i, rng, 1.0)
            elig = r["protocolSection"]["eligibilityModule"]  # type: ignore[index]
            elig["eligibilityCriteria"] = (rng.choice(texts).rstrip() +
                                           f"\n* Site-specific consent form version {i}.")
            fh.write(json.dumps(r) + "\n")


def timed_import(path: Path, src: Path, **kw: object) -> float:
    t = time.perf_counter()
    import_studies(path, iter_records([src]), **kw)  # type: ignore[arg-type]
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=3_000)
    args = ap.parse_args()
    n = args.records
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "records.ndjson"
        corpus(n, src)
        # The import before issue 13: every ALL text read at import by the sentence reader.
        with mock.patch.object(store_module, "recognise", recognise_sentences):
            base = timed_import(Path(tmp) / "base.sqlite", src, read_all=True)
        first = timed_import(Path(tmp) / "now.sqlite", src)
        facts = Facts(age_years=44, sex="female", lineage="B", ph_status="negative",
                      cd19="positive", disease_status="relapsed", relapse_count=1, ecog=1)
        t = time.perf_counter()
        with TrialStore(Path(tmp) / "now.sqlite") as ts:
            studies = ts.candidates(facts.age_years, facts.sex)
            match_trials(studies, facts)
        first_match = time.perf_counter() - t
        t = time.perf_counter()
        with TrialStore(Path(tmp) / "now.sqlite") as ts:  # a new process would find them kept
            _LATER.clear()
            match_trials(ts.candidates(facts.age_years, facts.sex), facts)
        second_match = time.perf_counter() - t
        update = timed_import(Path(tmp) / "now.sqlite", src)
        with TrialStore(Path(tmp) / "now.sqlite") as ts:
            info = ts.info()
            assert info["studies"] == n
            assert info["all_studies"] == n
            # What was kept to read later reads the same as reading it at import.
            closed = [s for s in ts.candidates(all_statuses=True) if s.status not in
                      ("RECRUITING", "NOT_YET_RECRUITING")][:20]
        eager = Path(tmp) / "eager.sqlite"
        timed_import(eager, src, read_all=True)
        with TrialStore(eager) as ts:
            want = {s.nct_id: [c.key for c in s.criteria] for s in ts.get([c.nct_id for c in closed])}
        assert {s.nct_id: [c.key for c in s.criteria] for s in closed} == want
    per = {k: v / n * 1e3 for k, v in (("baseline", base), ("first", first), ("update", update))}
    print(f"{n:,} ALL records, each a real eligibility text with a line of its own; python "
          f"{sys.version.split()[0]}")
    print(f"{'import':<40}{'s':>8}{'ms/record':>11}{'150,000 records':>17}{'ratio':>8}")
    for key, label in (("baseline", "baseline (every text read, old reader)"),
                       ("first", "now, first import"), ("update", "now, update (same records)")):
        total = per[key] * 150_000 / 1e3 / 60
        print(f"{label:<40}{per[key] * n / 1e3:>8.1f}{per[key]:>11.2f}{total:>14.1f} min"
              f"{per['baseline'] / per[key]:>7.1f}x")
    print(f"first match after the import: {first_match:.1f} s for {len(studies):,} open studies "
          f"judged ({first_match / max(len(studies), 1) * 1e3:.1f} ms each, their texts read and "
          f"kept); the next match, readings from the file: {second_match:.2f} s")
    print(json.dumps({"records": n, "first_match_s": round(first_match, 2),
                      "second_match_s": round(second_match, 2), "judged": len(studies),
                      "ms_per_record": {k: round(v, 3) for k, v in per.items()},
                      "ratio_first": round(per["baseline"] / per["first"], 1),
                      "ratio_update": round(per["baseline"] / per["update"], 1)}))


if __name__ == "__main__":
    main()

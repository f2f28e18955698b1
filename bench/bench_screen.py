"""Population screening benchmark: patients per second per core, embedded and Spark local.

For each size, a synthetic gzip export (3 % of patients with ALL and about 200 resources
each, the others about 10) is written to a temporary folder outside the repository and
removed afterwards. Measured in the same run, on the same files:

- ``baseline``: reading the same NDJSON with no work: DuckDB counting the lines of every
  file (the embedded engine's own reader), and Python gunzipping and splitting the lines;
- ``embedded``: ``screen_embedded`` end to end (grouping, every patient, the report files);
- ``spark``: ``screen_spark`` on ``local[2]``, with the session already started (its start-up,
  about 5 s on a quiet machine, is reported apart).

Each engine's time is also given as a ratio to the baselines. For the embedded engine the CPU
time of all its processes is measured too: the wall time on a machine shared with other work
overstates what the same run takes on the same cores alone, and CPU time does not. The machine's load average is
printed at the start of every phase: the cores are shared, so a loaded machine shows as a
load above the core count and the figures are then upper bounds on the time.

Goal (issue 16): the embedded engine screens 1,000,000 patients in under 10 minutes on 2
cores; Spark's cost per patient grows linearly with the data.

Run: ``make bench`` (10,000 patients), or
``.venv/bin/python bench/bench_screen.py --sizes 10000 100000 --spark-sizes 10000 100000``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from allnav.screening.embedded import screen_embedded
from allnav.screening.export import find_export
from allnav.screening.patient import ScreenContext
from allnav.screening.synth import write_bulk_export

AS_OF = dt.date(2026, 12, 1)
CORES = os.cpu_count() or 1


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the embedded engine's pool)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {CORES} cores"


def _baseline_duckdb(files: list[Path]) -> tuple[float, int]:
    names = ", ".join(f"'{f}'" for f in files)
    start = time.perf_counter()
    n = duckdb.connect().execute(f"SELECT count(*) FROM read_csv([{names}], columns={{'line': 'VARCHAR'}}, "
                   "header=false, delim=E'\\x1e', quote='', escape='', auto_detect=false, strict_mode=false)"
                                   ).fetchone()
    return time.perf_counter() - start, int(n[0]) if n else 0


def _baseline_python(files: list[Path]) -> float:
    start = time.perf_counter()
    for f in files:
        with gzip.open(f, "rb") as fh:
            for _ in fh:
                pass
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    ap.add_argument("--spark-sizes", type=int, nargs="*", default=[])
    ap.add_argument("--workers", type=int, default=CORES)
    args = ap.parse_args()
    spark = None
    if args.spark_sizes:
        from allnav.screening.spark import spark_session

        print(f"spark start ({_load()})", flush=True)
        t = time.perf_counter()
        spark = spark_session(f"local[{CORES}]", "allnav-bench")
        spark.sparkContext.setLogLevel("ERROR")
        print(f"  SparkSession started in {time.perf_counter() - t:.1f} s", flush=True)
    root = Path(tempfile.mkdtemp(prefix="allnav-bench-screen-"))
    try:
        for size in sorted(set(args.sizes) | set(args.spark_sizes)):
            export_dir = root / f"export-{size}"
            print(f"\n{size:,} patients ({_load()})", flush=True)
            t = time.perf_counter()
            synth = write_bulk_export(export_dir, size, seed=1, as_of=AS_OF)
            lines = sum(synth.lines.values())
            mb = sum(f.stat().st_size for f in synth.files) / 1e6
            print(f"  export: {lines:,} resources, {mb:.0f} MB gzip, written in "
                  f"{time.perf_counter() - t:.1f} s", flush=True)
            export = find_export(export_dir)
            base_db, counted = _baseline_duckdb(list(export.files))
            assert counted == lines, (counted, lines)
            base_py = _baseline_python(list(export.files))
            print(f"  baseline (read with no work): DuckDB {base_db:.2f} s, Python gunzip+lines "
                  f"{base_py:.2f} s", flush=True)
            ctx = ScreenContext(AS_OF)
            if size in args.sizes:
                print(f"  embedded ({_load()})", flush=True)
                t, cpu = time.perf_counter(), _cpu()
                s = screen_embedded(export, root / f"report-{size}", ctx, workers=args.workers)
                wall, cpu = time.perf_counter() - t, _cpu() - cpu
                assert s["patients"]["in_export"] == size
                print(f"  embedded: {wall:.1f} s, {size / wall:,.0f} patients/s, "
                      f"{size / wall / args.workers:,.0f} patients/s/core; "
                      f"{wall / base_db:.1f}x DuckDB baseline, {wall / base_py:.1f}x Python baseline; "
                      f"{s['patients']['with_all']:,} with ALL", flush=True)
                print(f"  embedded CPU: {cpu:.1f} s in all processes, {size / cpu:,.0f} patients per "
                      f"CPU-second; {cpu / base_db:.1f}x the DuckDB baseline's wall time", flush=True)
                peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                peak_worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                print(f"  peak memory: main process {peak_self:.0f} MB, largest worker {peak_worker:.0f} MB "
                      f"(the export is {mb:.0f} MB gzip)", flush=True)
                print(f"  extrapolated to 1,000,000 patients (linear): {wall * 1e6 / size / 60:.1f} min "
                      f"at this load; {cpu * 1e6 / size / args.workers / 60:.1f} min if the {args.workers} "
                      "cores were ours alone", flush=True)
            if spark is not None and size in args.spark_sizes:
                from allnav.screening.spark import screen_spark

                print(f"  spark ({_load()})", flush=True)
                t = time.perf_counter()
                s = screen_spark(export, root / f"report-spark-{size}", ctx, spark=spark)
                wall = time.perf_counter() - t
                assert s["patients"]["in_export"] == size
                print(f"  spark local[{CORES}]: {wall:.1f} s, {size / wall:,.0f} patients/s, "
                      f"{size / wall / CORES:,.0f} patients/s/core, {wall / size * 1e3:.2f} ms/patient; "
                      f"{wall / base_db:.1f}x DuckDB baseline", flush=True)
            shutil.rmtree(export_dir, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if spark is not None:
            spark.stop()


if __name__ == "__main__":
    main()

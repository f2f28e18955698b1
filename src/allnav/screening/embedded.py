"""The embedded engine: DuckDB groups the export by patient, a process pool screens them.

Why DuckDB (docs/screening.md has the measurements): it reads plain and gzip NDJSON in
parallel, pulls the few JSON fields that name a line's patient in C++, and spills to disk,
so grouping a million patients needs neither a server nor the export in memory.

The run, with memory bounded at every step:

1. one pass over the files: each line's patient id (:data:`~allnav.screening.lines.PATIENT_SQL`)
   and a bucket (a hash of the id), written to Parquet partitioned by bucket in a temporary
   folder; malformed and unattributed lines are counted, not kept;
2. per bucket (a few thousand patients), in a pool of processes: the worker groups the bucket's
   lines by patient with its own DuckDB, fetches them in chunks, screens each patient with
   :func:`~allnav.screening.patient.screen_patient` and writes the records, sorted by patient,
   to a file (the lines never cross a process boundary: sending them cost more than the work);
3. the buckets' files merged in patient order into the report (:class:`ReportWriter`).
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import IO, Any

import duckdb

from allnav.screening.export import Export
from allnav.screening.lines import PATIENT_SQL, malformed_lines
from allnav.screening.patient import ScreenContext, screen_patient
from allnav.screening.report import MAX_LISTED_ERRORS, LineIssue, ReportWriter, RunInfo

__all__ = ["screen_embedded"]

#: Patients fetched from DuckDB at a time in a worker (bounds the worker's memory).
CHUNK_PATIENTS = 200
#: Bytes of export (as stored) per bucket; gzip NDJSON is about a tenth of its text.
BUCKET_BYTES = 32 * 1024 * 1024
_MEMORY_LIMIT = os.environ.get("ALLNAV_SCREEN_MEMORY", "2GB")
_WORKER_MEMORY = "1GB"

_context: ScreenContext | None = None


def _init_worker(ctx: ScreenContext) -> None:
    global _context
    _context = ctx


def _screen_bucket(parquet_glob: str, records: str) -> int:
    """In a worker: group one bucket's lines by patient (its own single-threaded DuckDB),
    screen each patient, and write the records, sorted by patient, to ``records``.
    Returns the number of patients. The lines never cross a process boundary."""
    ctx = _context
    assert ctx is not None, "the worker was not initialised"
    con = duckdb.connect(config={"threads": 1, "memory_limit": _WORKER_MEMORY})
    n = 0
    try:
        cur = con.execute(f"SELECT pid, list(line) FROM read_parquet('{parquet_glob}') "
                          "WHERE ok GROUP BY pid ORDER BY pid")
        with open(records, "wb") as f:
            while chunk := cur.fetchmany(CHUNK_PATIENTS):
                for pid, lines in chunk:
                    f.write(pid.encode("utf-8") + b"\t" + screen_patient(pid, lines, ctx) + b"\n")
                n += len(chunk)
    finally:
        con.close()
    return n


def _read_sql(files: list[str]) -> str:
    names = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    # One column per line: 0x1e cannot occur raw in valid JSON (control characters must be
    # escaped), and no quoting, so every line arrives as it is. Not strict: a file may mix
    # CRLF and LF line ends, and a broken line holding 0x1e must be read (and found invalid)
    # rather than stop the run.
    return (f"read_csv([{names}], columns={{'line': 'VARCHAR'}}, header=false, delim=E'\\x1e', "
            "quote='', escape='', auto_detect=false, strict_mode=false, filename=true)")


def _classify(con: duckdb.DuckDBPyConnection, export: Export, staging: Path, buckets: int) -> None:
    src = _read_sql([str(f) for f in export.files])
    con.execute(f"""
        CREATE TEMP VIEW lines AS
        SELECT filename, line, ok,
               CASE WHEN ok THEN f[1] END AS rtype, CASE WHEN ok THEN f[2] END AS rid,
               CASE WHEN ok THEN f[3] END AS subj, CASE WHEN ok THEN f[4] END AS pat
        FROM (SELECT filename, line, ok,
                     CASE WHEN ok THEN json_extract_string(line, ['$.resourceType', '$.id',
                          '$.subject.reference', '$.patient.reference']) END AS f
              FROM (SELECT filename, line,
                           CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT'
                                ELSE false END AS ok
                    FROM {src} WHERE line IS NOT NULL AND trim(line) <> ''))""")
    con.execute(f"""
        COPY (SELECT filename, ok, rtype, pid, line,
                     CASE WHEN pid IS NULL THEN -1 ELSE hash(pid) % {buckets} END AS bucket
              FROM (SELECT filename, ok AND rtype IS NOT NULL AS ok, rtype,
                           {PATIENT_SQL} AS pid,
                           line FROM lines))
        TO '{staging}' (FORMAT parquet, PARTITION_BY (bucket), COMPRESSION zstd)""")


def _bucket_glob(staging: Path, bucket: int) -> str:
    return str(staging / f"bucket={bucket}" / "*.parquet")


def _counts(con: duckdb.DuckDBPyConnection, staging: Path, info: RunInfo) -> list[str]:
    """Counts of lines, malformed and unattributed lines; the files with malformed lines."""
    info.lines_read = con.execute(f"SELECT count(*) FROM read_parquet('{staging}/*/*.parquet')").fetchone()[0]  # type: ignore[index]
    if not (staging / "bucket=-1").is_dir():
        return []
    rows = con.execute(f"""SELECT filename, ok, rtype, count(*) FROM read_parquet('{_bucket_glob(staging, -1)}')
                           GROUP BY ALL ORDER BY ALL""").fetchall()
    bad_files: list[str] = []
    for filename, ok, rtype, n in rows:
        if ok:
            info.unattributed[rtype] = info.unattributed.get(rtype, 0) + n
        else:
            info.malformed += n
            bad_files.append(filename)
    return sorted(set(bad_files))


def _merged(paths: list[Path]) -> Iterator[bytes]:
    files: list[IO[bytes]] = [p.open("rb") for p in paths]
    try:
        for line in heapq.merge(*files, key=lambda b: b.split(b"\t", 1)[0]):
            yield line.split(b"\t", 1)[1].rstrip(b"\n")
    finally:
        for f in files:
            f.close()


def screen_embedded(export: Export, out: Path, ctx: ScreenContext, *, workers: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Screen every patient of ``export`` into the report folder ``out``; returns the summary.

    ``workers`` defaults to the machine's cores. ``progress(done, total)`` is called as
    buckets of patients finish."""
    started = time.perf_counter()
    n_workers = workers or os.cpu_count() or 1
    # Several buckets per worker, so that the workers finish together.
    # At most 256: the merge keeps one file per bucket open.
    buckets = max(4 * n_workers, min(256, export.size // BUCKET_BYTES + 1))
    info = RunInfo("embedded (DuckDB + process pool)", ctx.as_of, [f.name for f in export.files],
                   trials=len(ctx.studies), workers=n_workers)
    tmp = Path(tempfile.mkdtemp(prefix="allnav-screen-"))
    try:
        con = duckdb.connect(config={"memory_limit": _MEMORY_LIMIT, "temp_directory": str(tmp / "spill"),
                                     "threads": n_workers, "preserve_insertion_order": False})
        staging = tmp / "staging"
        _classify(con, export, staging, buckets)
        for name in _counts(con, staging, info):
            for n, why in malformed_lines(Path(name)):
                if len(info.malformed_listed) < MAX_LISTED_ERRORS:
                    info.malformed_listed.append(LineIssue(Path(name).name, n, why))
        present = sorted(int(p.name.split("=", 1)[1]) for p in staging.glob("bucket=*")
                         if p.name != "bucket=-1")
        con.close()  # before the workers start: each bucket is grouped in its worker
        outputs = [tmp / f"records-{b}.tsv" for b in present]
        # fork (quick, and no main-module guard needed in callers' scripts): safe here because
        # this process's DuckDB is closed, so no engine thread is copied mid-flight.
        pool_context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(n_workers, mp_context=pool_context, initializer=_init_worker,
                                 initargs=(ctx,)) as pool:
            futures = [pool.submit(_screen_bucket, _bucket_glob(staging, b), str(path))
                       for b, path in zip(present, outputs, strict=True)]
            for done, future in enumerate(as_completed(futures), start=1):
                future.result()
                if progress is not None:
                    progress(done, len(futures))
        writer = ReportWriter(out)
        for record in _merged(outputs):
            writer.add(record)
        info.seconds = time.perf_counter() - started
        return writer.close(info)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

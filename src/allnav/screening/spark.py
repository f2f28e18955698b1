"""The Spark engine: Apache Spark (PySpark) groups the export by patient, on a laptop
(``local[*]``) or a cluster (``--master spark://host:7077``).

Spark reads the same files (plain or gzip) as text, takes each line's patient id with the
same SQL as the embedded engine (:data:`~allnav.screening.lines.PATIENT_SQL`), shuffles the
lines so that each patient's are together and sorted (``repartition`` + ``sortWithinPartitions``),
and runs :func:`~allnav.screening.patient.screen_patient` per patient in ``mapInPandas``. The
records come back to the driver sorted by patient (``toLocalIterator``, one partition at a
time) and go to the same :class:`~allnav.screening.report.ReportWriter`, so the report files
are those of the embedded engine.

Every executor needs Python with allnav installed (``pip install allnav[spark]``);
docs/screening.md shows ``spark-submit`` to a cluster.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from allnav.screening.export import Export
from allnav.screening.lines import PATIENT_SQL, malformed_lines
from allnav.screening.patient import ScreenContext, screen_patient
from allnav.screening.report import MAX_LISTED_ERRORS, LineIssue, ReportWriter, RunInfo

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["screen_spark", "spark_session"]

#: Bytes of export (as stored) per Spark partition of grouped patients.
PARTITION_BYTES = 64 * 1024 * 1024


def spark_session(master: str = "local[*]", app_name: str = "allnav-screen") -> SparkSession:
    """A SparkSession whose Python workers run this interpreter (unless PYSPARK_PYTHON is set)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return (SparkSession.builder.master(master).appName(app_name)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate())


def _screen_partition(ctx: ScreenContext) -> Any:
    """The function ``mapInPandas`` runs on each partition: rows sorted by patient, a
    patient's lines possibly split across batches (carried over to the next)."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        current: str | None = None
        lines: list[str] = []
        pids: list[str] = []
        records: list[bytes] = []
        for batch in batches:
            for pid, line in zip(batch["pid"].tolist(), batch["line"].tolist(), strict=True):
                if pid != current:
                    if current is not None:
                        pids.append(current)
                        records.append(screen_patient(current, lines, ctx))
                    current, lines = pid, []
                lines.append(line)
            if pids:
                yield pd.DataFrame({"pid": pids, "record": records})
                pids, records = [], []
        if current is not None:
            yield pd.DataFrame({"pid": [current], "record": [screen_patient(current, lines, ctx)]})

    return run


def _lines(spark: SparkSession, export: Export) -> DataFrame:
    from pyspark.sql import functions as F

    raw = (spark.read.text([str(f) for f in export.files])
           .select(F.input_file_name().alias("filename"), F.col("value").alias("line"))
           .where(F.trim("line") != ""))
    fields = raw.select(
        "filename", "line",
        F.get_json_object("line", "$.resourceType").alias("rtype"),
        F.get_json_object("line", "$.id").alias("rid"),
        F.get_json_object("line", "$.subject.reference").alias("subj"),
        F.get_json_object("line", "$.patient.reference").alias("pat"))
    return fields.select("filename", "line", "rtype", F.expr(PATIENT_SQL).alias("pid"))


def _counts(df: DataFrame, info: RunInfo) -> list[str]:
    from pyspark.sql import functions as F

    # One pass: lines per file and type, split by whether they name a patient.
    rows = df.groupBy("filename", "rtype", F.col("pid").isNull().alias("orphan")).count().collect()
    info.lines_read = sum(r["count"] for r in rows)
    bad: set[str] = set()
    for r in rows:
        if not r["orphan"]:
            continue
        if r["rtype"] is None:
            info.malformed += r["count"]
            bad.add(r["filename"])
        else:
            info.unattributed[r["rtype"]] = info.unattributed.get(r["rtype"], 0) + r["count"]
    return sorted(bad)


def _local_path(uri: str) -> Path:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme in ("file", "") else Path(uri)


def screen_spark(export: Export, out: Path, ctx: ScreenContext, *, master: str = "local[*]",
                 spark: SparkSession | None = None) -> dict[str, Any]:
    """Screen every patient of ``export`` on Spark into ``out``; returns the summary.

    ``spark`` is an existing session to use (tests share one); otherwise one is started on
    ``master`` and stopped at the end."""
    from pyspark import StorageLevel

    started = time.perf_counter()
    own = spark is None
    session = spark or spark_session(master)
    try:
        info = RunInfo(f"spark ({session.sparkContext.master})", ctx.as_of,
                       [f.name for f in export.files], trials=len(ctx.studies),
                       workers=session.sparkContext.defaultParallelism)
        # Read and parsed once: the counts, the range partitioner's sample and the screening
        # all use it (kept in memory, spilled to the executors' disks beyond).
        df = _lines(session, export).persist(StorageLevel.MEMORY_AND_DISK)
        for uri in _counts(df, info):
            path = _local_path(uri)
            for n, why in malformed_lines(path):
                if len(info.malformed_listed) < MAX_LISTED_ERRORS:
                    info.malformed_listed.append(LineIssue(path.name, n, why))
        partitions = max(session.sparkContext.defaultParallelism, export.size // PARTITION_BYTES + 1)
        # Ranges of patient ids, each partition sorted: the records come out in patient order
        # with no sort after the screening (which would run it twice, to sample and to sort).
        grouped = (df.where(df.pid.isNotNull()).select("pid", "line")
                   .repartitionByRange(partitions, "pid").sortWithinPartitions("pid", "line"))
        records = grouped.mapInPandas(_screen_partition(ctx), "pid string, record binary")
        # Screen every partition in parallel onto the executors' disks first: toLocalIterator
        # alone runs one partition at a time. The driver then reads them back in order.
        records = records.persist(StorageLevel.DISK_ONLY)
        try:
            records.count()
            writer = ReportWriter(out)
            for row in records.toLocalIterator():
                writer.add(bytes(row["record"]))
        finally:
            records.unpersist()
            df.unpersist()
        info.seconds = time.perf_counter() - started
        return writer.close(info)
    finally:
        if own:
            session.stop()

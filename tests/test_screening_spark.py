"""The Spark engine (PySpark, local[2]) gives the embedded engine's report, file for file.

One SparkSession for the whole test session (about 5 s to start); the export is the small
shared one, so Spark's share of the suite stays well under two minutes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from allnav.screening.export import find_export
from allnav.screening.patient import ScreenContext
from tests.conftest import SCREEN_AS_OF

pyspark = pytest.importorskip("pyspark", reason="the 'spark' extra is installed by make setup")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from allnav.screening.spark import spark_session

    session = spark_session("local[2]", "allnav-tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_report(spark: Any, bulk_export: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory,
                 ) -> tuple[Path, dict[str, Any]]:
    from allnav.screening.spark import screen_spark

    out = tmp_path_factory.mktemp("report-spark")
    summary = screen_spark(find_export(bulk_export[0]), out, ScreenContext(SCREEN_AS_OF), spark=spark)
    return out, summary


def test_both_engines_write_the_same_assessments_and_worklists(
        spark_report: tuple[Path, Any], embedded_report: tuple[Path, Any]) -> None:
    spark_dir, _ = spark_report
    embedded_dir, _ = embedded_report
    for name in ("assessments.ndjson", "worklists.csv"):
        ours = sorted((embedded_dir / name).read_text(encoding="utf-8").splitlines())
        theirs = sorted((spark_dir / name).read_text(encoding="utf-8").splitlines())
        assert ours == theirs, name
        assert len(ours) > 50
    # Sorted by patient by both, so the files are equal as they stand.
    assert (embedded_dir / "assessments.ndjson").read_bytes() == (spark_dir / "assessments.ndjson").read_bytes()


def test_both_engines_count_the_same(spark_report: tuple[Path, Any], embedded_report: tuple[Path, Any]) -> None:
    _, spark_summary = spark_report
    _, embedded_summary = embedded_report
    differ = {"engine", "workers", "seconds"}
    assert spark_summary["engine"].startswith("spark (local[2])")
    assert {k: v for k, v in spark_summary.items() if k not in differ} == \
        {k: v for k, v in embedded_summary.items() if k not in differ}
    assert spark_summary["export"]["malformed_lines"] == 4
    assert json.dumps(spark_summary["export"]["malformed_listed"][0]) == \
        '{"file": "Extra.000.ndjson", "line": 1, "reason": "not valid JSON"}'

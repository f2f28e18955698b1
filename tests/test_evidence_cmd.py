"""``allnav evidence``: every item with its numbers, population, source and review date."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from typer.testing import CliRunner

from allnav.cli import app
from allnav.evidence import load_evidence
from allnav.odds.numbers import is_time_to_event

runner = CliRunner()


def evidence_json() -> dict[str, Any]:
    result = runner.invoke(app, ["evidence", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, dict)
    return data


def test_json_lists_every_item_with_source_population_and_review() -> None:
    data = evidence_json()
    assert data["format"] == "allnav.evidence/1"
    assert data["count"] == len(load_evidence()) == len(data["items"])
    for item in data["items"]:
        for key in ("id", "kind", "verification", "population", "source", "last_reviewed",
                    "outcomes", "comparator_kind"):
            assert key in item, (item["id"], key)
        assert item["source"]["citation"] and item["source"]["url"].startswith("http")
        assert {"pmid", "doi"} <= set(item["source"])


def test_every_proportion_exposes_events_total_estimate_and_ci95() -> None:
    registry = load_evidence()
    for item in evidence_json()["items"]:
        for o in item["outcomes"]:
            assert o["evidence_id"] == item["id"]
            assert {"endpoint", "verification", "comparator", "result"} <= set(o)
            if o["measure"] != "proportion":
                continue
            source = registry[item["id"]].outcome(o["outcome_id"])
            for fig, arm in ((o["result"], source.result), (o["comparator"], source.comparator)):
                if arm is None:
                    assert fig is None
                    continue
                assert {"events", "total", "estimate", "ci95"} <= set(fig)
                assert fig["evidence_id"] == item["id"]   # every figure names its source
                assert 0 <= fig["estimate"] <= 1
                if fig["ci95"] is not None:
                    low, high = fig["ci95"]
                    assert 0 <= low <= fig["estimate"] <= high <= 1, o["ref"]
                if arm.events is not None and not is_time_to_event(source):
                    assert fig["interval"]["method"] == "clopper-pearson", o["ref"]
                if is_time_to_event(source) and fig["ci95"] is not None:
                    # Kaplan-Meier: only the interval that was published.
                    assert fig["interval"]["method"].startswith("published"), o["ref"]


def test_ino_vate_interval_is_computed_to_match_the_paper() -> None:
    item = next(i for i in evidence_json()["items"] if i["id"] == "ev.ino-vate-2016")
    cr = next(o for o in item["outcomes"] if o["outcome_id"] == "cr-cri")
    assert (cr["result"]["events"], cr["result"]["total"]) == (88, 109)
    assert [round(x * 100, 1) for x in cr["result"]["ci95"]] == [72.1, 87.7]
    assert [round(x * 100, 1) for x in cr["comparator"]["ci95"]] == [21.0, 38.8]
    assert item["comparator_kind"] == "control-arm"


def test_text_shows_what_for_whom_numbers_source_and_review() -> None:
    result = runner.invoke(app, ["evidence", "--id", "ev.zuma3-2021"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("ev.zuma3-2021  ZUMA-3 (brexu-cel) 2021  (single-arm trial, 2021)")
    assert "For whom: Adults (18 or older)" in out
    assert "39/55 = 70.9% (95% CI 57.1-82.4, Clopper-Pearson)" in out
    assert "[RECALLED]" in out and "Not yet verified against the primary paper" in out
    assert "reviewed 2026-11-29" in out and "PMID 34097852" in out
    full = runner.invoke(app, ["evidence"])
    assert full.exit_code == 0 and full.output.count("\nev.") == len(load_evidence())


def test_an_unknown_id_is_a_clear_input_error() -> None:
    proc = subprocess.run([sys.executable, "-c", "from allnav.cli import main; main()",
                           "evidence", "--id", "ev.tower"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2
    assert "unknown evidence id 'ev.tower' (did you mean 'ev.tower-2017'?)" in proc.stderr
    assert "Traceback" not in proc.stderr

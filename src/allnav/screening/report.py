"""The report files of a screen, written from the patients' records in patient order.

``assessments.ndjson`` (one line per patient with ALL), ``worklists.csv`` (patient, list,
reason) and ``summary.json`` (counts; no patient ids). Both engines hand their records to
:class:`ReportWriter` sorted by patient id, so the files are the same whichever engine ran.
``report.html`` is drawn from the summary and the worklists (:mod:`allnav.screening.html`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from allnav.screening.patient import WORKLISTS

__all__ = ["FORMAT", "LineIssue", "ReportWriter", "RunInfo"]

FORMAT = "allnav.screening/1"
#: How many malformed lines are listed one by one (all are counted).
MAX_LISTED_ERRORS = 1000
#: Worklist rows kept for report.html per list (worklists.csv has them all).
HTML_ROWS_PER_LIST = 200


@dataclass(frozen=True, slots=True)
class LineIssue:
    """A line that could not be screened: its file, line number and why (never its text)."""

    file: str
    line: int
    reason: str


@dataclass
class RunInfo:
    """What the engine tells the report about the run besides the patients' records."""

    engine: str
    as_of: dt.date
    files: list[str]
    lines_read: int = 0
    malformed: int = 0
    malformed_listed: list[LineIssue] = field(default_factory=list)
    unattributed: dict[str, int] = field(default_factory=dict)
    trials: int = 0
    workers: int = 1
    seconds: float = 0.0


class ReportWriter:
    """Writes the report files; call :meth:`add` per record in patient order, then :meth:`close`."""

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.out = out
        self._rows = (out / "assessments.ndjson").open("wb")
        self._lists_file = (out / "worklists.csv").open("w", encoding="utf-8", newline="")
        self._lists = csv.writer(self._lists_file)
        self._lists.writerow(["patient", "list", "reason"])
        self.kinds: Counter[str] = Counter()
        self.unreadable: Counter[str] = Counter()
        self.options: dict[str, Counter[str]] = {}
        self.missing: Counter[str] = Counter()
        self.alerts: Counter[str] = Counter()
        self.list_rows: Counter[str] = Counter()
        self.list_patients: Counter[str] = Counter()
        self.trial_patients: Counter[str] = Counter()
        self.html_rows: dict[str, list[tuple[str, str]]] = {name: [] for name in WORKLISTS}
        self._last: str | None = None

    def add(self, record: bytes) -> None:
        """One patient's record from :func:`allnav.screening.patient.screen_patient`."""
        rec = orjson.loads(record)
        patient: str = rec["patient"]
        if self._last is not None and patient <= self._last:
            raise ValueError("records must come in increasing patient order, each once")
        self._last = patient
        self.kinds[rec["kind"]] += 1
        if rec["kind"] == "unreadable":
            self.unreadable.update(rec["problems"])
            return
        if rec["kind"] != "all":
            return
        row = rec["row"]
        self._rows.write(orjson.dumps(row) + b"\n")
        for o in row["options"]:
            counts = self.options.setdefault(o["id"], Counter())
            counts[o["status"]] += 1
            if o["urgent"]:
                counts["urgent"] += 1
        self.missing.update(row["missing_facts"])
        self.alerts.update(f"{a['rule']} ({a['level']})" for a in row["care_alerts"])
        seen: set[str] = set()
        for name, reason in rec["worklist"]:
            self._lists.writerow([patient, name, reason])
            self.list_rows[name] += 1
            if name not in seen:
                seen.add(name)
                self.list_patients[name] += 1
            if name == "trial":
                self.trial_patients[reason.split(":", 1)[0]] += 1
            if len(self.html_rows[name]) < HTML_ROWS_PER_LIST:
                self.html_rows[name].append((patient, reason))

    def close(self, info: RunInfo) -> dict[str, Any]:
        """Close the files, write ``summary.json`` and ``report.html``; returns the summary."""
        self._rows.close()
        self._lists_file.close()
        summary = self.summary(info)
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
        from allnav.screening.html import render_report  # jinja2 only when the report is drawn

        (self.out / "report.html").write_text(render_report(summary, self.html_rows), encoding="utf-8")
        return summary

    def summary(self, info: RunInfo) -> dict[str, Any]:
        """Counts of the run, with no patient id in them."""
        return {
            "format": FORMAT,
            "as_of": info.as_of.isoformat(),
            "engine": info.engine,
            "workers": info.workers,
            "seconds": round(info.seconds, 2),
            "export": {"files": info.files, "lines_read": info.lines_read,
                       "malformed_lines": info.malformed,
                       "malformed_listed": [{"file": e.file, "line": e.line, "reason": e.reason}
                                            for e in info.malformed_listed],
                       "unattributed_resources": dict(sorted(info.unattributed.items()))},
            "patients": {"in_export": sum(self.kinds.values()), "with_all": self.kinds["all"],
                         "other_disease_skipped": self.kinds["other-disease"],
                         "unreadable": self.kinds["unreadable"],
                         "unreadable_problems": dict(sorted(self.unreadable.items()))},
            "options": {k: {s: v[s] for s in ("suitable", "possible", "not-suitable", "urgent")}
                        for k, v in self.options.items()},
            "missing_facts": dict(self.missing.most_common()),
            "care_alerts": dict(self.alerts.most_common()),
            "worklists": {name: {"meaning": meaning, "rows": self.list_rows[name],
                                 "patients": self.list_patients[name]}
                          for name, meaning in WORKLISTS.items()},
            "trials": {"open_in_store": info.trials,
                       "candidates_by_trial": dict(sorted(self.trial_patients.items()))},
        }


def write_report(out: Path, records: Iterable[bytes], info: RunInfo) -> dict[str, Any]:
    """All report files from records in patient order (for engines that have them at once)."""
    writer = ReportWriter(out)
    for rec in records:
        writer.add(rec)
    return writer.close(info)

"""Texts are read once, when first needed, and the reading is kept beside the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from allnav.trials import store as store_module
from allnav.trials.readings import cache_path
from allnav.trials.store import TrialStore, import_studies

REAL = Path(__file__).resolve().parent / "data" / "trials" / "real-dev"


def _records() -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for p in sorted(REAL.glob("NCT*.json")):
        rec = json.loads(p.read_text(encoding="utf-8"))
        rec["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
        out.append((p.name, rec))
    return out


def _criteria(store: Path) -> dict[str, list[str]]:
    store_module._LATER.clear()  # as a new process would start
    with TrialStore(store) as ts:
        return {s.nct_id: [f"{c.key}#{c.doubt}" for c in s.criteria] for s in ts.candidates()}


def test_import_keeps_texts_and_the_first_match_reads_them_once(tmp_path: Path) -> None:
    now, eager = tmp_path / "now.sqlite", tmp_path / "eager.sqlite"
    import_studies(now, _records())
    import_studies(eager, _records(), read_all=True)
    with sqlite3.connect(now) as db:
        assert db.execute("SELECT count(*) FROM texts").fetchone()[0] == 19
        assert db.execute("SELECT count(*) FROM criteria").fetchone()[0] == 0
    assert not cache_path(now).exists() or _kept(now) == 0
    first = _criteria(now)
    assert first == _criteria(eager)  # read later, read the same
    assert sum(map(len, first.values())) > 50
    assert _kept(now) == 19  # each text read once and kept
    assert _criteria(now) == first  # from the readings file


def test_an_update_skips_unchanged_records_and_copies_readings(tmp_path: Path) -> None:
    store = tmp_path / "t.sqlite"
    import_studies(store, _records())
    want = _criteria(store)
    report = import_studies(store, _records())  # an update: the same studies again
    assert report.unchanged == 19 and report.written == 0
    assert _criteria(store) == want
    changed = []
    for name, rec in _records():
        assert isinstance(rec, dict)
        rec["protocolSection"]["identificationModule"]["briefTitle"] = "Retitled"
        changed.append((name, rec))
    report = import_studies(store, changed)  # new versions, same eligibility texts
    assert report.written == 19 and report.unchanged == 0
    with sqlite3.connect(store) as db:
        read = db.execute("SELECT count(*) FROM studies WHERE is_read = 1").fetchone()[0]
    assert read == 19  # the readings were copied at import, not read again
    assert _criteria(store) == want
    with TrialStore(store) as ts:
        assert {s.title for s in ts.candidates()} == {"Retitled"}


def test_a_readings_file_that_cannot_be_used_changes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "t.sqlite"
    import_studies(store, _records())
    want = _criteria(tmp_path / "t.sqlite")
    other = tmp_path / "b.sqlite"
    cache_path(other).mkdir()  # cannot be opened as a file
    import_studies(other, _records())
    assert _criteria(other) == want
    damaged = tmp_path / "c.sqlite"
    cache_path(damaged).write_bytes(b"not sqlite" * 1000)
    import_studies(damaged, _records())
    assert _criteria(damaged) == want


def _kept(store: Path) -> int:
    with sqlite3.connect(cache_path(store)) as db:
        return int(db.execute("SELECT count(*) FROM readings").fetchone()[0])

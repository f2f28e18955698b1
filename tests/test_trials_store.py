"""The snapshot store: import, duplicates, malformed records, crash safety, filters."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from allnav.problems import InputError
from allnav.trials.files import iter_records
from allnav.trials.store import TrialStore, default_store_path, import_studies

DATA = Path(__file__).resolve().parent / "data" / "trials"
STUDIES = DATA / "studies"


def _record(nct: str) -> dict[str, object]:
    data = json.loads((STUDIES / f"{nct}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _with_date(record: dict[str, object], date: str, title: str) -> dict[str, object]:
    out = copy.deepcopy(record)
    ps = out["protocolSection"]
    assert isinstance(ps, dict)
    ps["statusModule"]["lastUpdatePostDateStruct"]["date"] = date
    ps["identificationModule"]["briefTitle"] = title
    return out


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "home" / "trials.sqlite"
    import_studies(path, iter_records([STUDIES]))
    return path


def test_default_location_follows_allnav_home(tmp_path: Path) -> None:
    assert default_store_path({"ALLNAV_HOME": str(tmp_path)}) == tmp_path / "trials.sqlite"
    assert default_store_path({}).parts[-4:] == (".local", "share", "allnav", "trials.sqlite")


def test_import_and_read_back(store: Path) -> None:
    with TrialStore(store) as ts:
        assert ts.info()["studies"] == 19 and ts.info()["all_studies"] == 19
        (study,) = ts.get(["NCT90000003"])
    assert study.title.startswith("Autologous CD19 CAR-T")
    assert study.acronym == "FX19-ALL"
    assert study.min_age is not None and study.min_age.text == "18 Years"
    assert [s.city for s in study.sites] == ["Philadelphia", "Duarte", "Seattle", "Houston"]
    keys = [c.key for c in study.criteria]
    assert "prior_car_t=none" in keys and "cd19=positive" in keys
    assert study.unrecognised == 4


def test_candidates_use_the_indexed_filters(store: Path) -> None:
    with TrialStore(store) as ts:
        open_ = {s.nct_id for s in ts.candidates()}
        adult_man = {s.nct_id for s in ts.candidates(45, "male")}
        child = {s.nct_id for s in ts.candidates(10, "female")}
        everything = {s.nct_id for s in ts.candidates(all_statuses=True)}
    assert "NCT90000013" not in open_ and "NCT90000014" not in open_  # closed
    assert "NCT90000006" in open_  # not yet recruiting is offered, apart
    assert "NCT90000016" not in adult_man  # women only, 18-40
    assert "NCT90000004" not in adult_man  # 18-39
    assert child == {"NCT90000011", "NCT90000018"}  # paediatric study, and one with no limits
    assert everything == {p.stem for p in STUDIES.glob("*.json")}


def test_duplicates_keep_the_latest_update_and_are_reported(tmp_path: Path) -> None:
    base = _record("NCT90000002")
    records = [("old.json", _with_date(base, "2025-01-01", "Old title")),
               ("new.json", _with_date(base, "2026-10-01", "New title")),
               ("older.json", _with_date(base, "2024-06-01", "Oldest title"))]
    path = tmp_path / "t.sqlite"
    report = import_studies(path, records)
    assert report.duplicates == (
        "NCT90000002 appears 3 times (2025-01-01 (old.json); 2026-10-01 (new.json); "
        "2024-06-01 (older.json)); kept the version last updated 2026-10-01",)
    with TrialStore(path) as ts:
        assert ts.get(["NCT90000002"])[0].title == "New title"
    # A later import of an older version does not overwrite the newer one in the store.
    again = import_studies(path, [("stale.json", _with_date(base, "2020-01-01", "Stale"))])
    assert (again.written, again.kept_newer) == (0, 1)
    with TrialStore(path) as ts:
        assert ts.get(["NCT90000002"])[0].title == "New title"


def test_malformed_records_are_skipped_and_reported(tmp_path: Path) -> None:
    records = [("a.json", {"protocolSection": {}}), ("b.json", ["not", "a", "study"]),
               ("c.json", _record("NCT90000018")),
               ("d.json", {"protocolSection": {"identificationModule": {"nctId": "NCT90000097"},
                                               "eligibilityModule": {"minimumAge": "eighteen"}}})]
    report = import_studies(tmp_path / "t.sqlite", records)
    assert report.written == 2
    assert [p.path for p in report.skipped] == [
        "a.json.protocolSection.identificationModule.nctId", "b.json"]
    assert [p.path for p in report.warnings] == ["d.json.protocolSection.eligibilityModule.minimumAge"]


def _crashing(after: int) -> Iterator[tuple[str, object]]:
    for i, rec in enumerate(iter_records([STUDIES])):
        if i == after:
            raise RuntimeError("simulated crash in the middle of an import")
        yield rec


def test_a_failure_mid_import_leaves_the_old_snapshot_answering(store: Path) -> None:
    before = store.read_bytes()
    with pytest.raises(RuntimeError, match="simulated crash"):
        import_studies(store, _crashing(5), replace=True)
    assert store.read_bytes() == before
    assert list(store.parent.glob("*.tmp")) == []  # the half-built snapshot is gone
    with TrialStore(store) as ts:
        assert len(ts.candidates()) == 17


def test_a_broken_file_mid_import_is_an_input_error_and_changes_nothing(store: Path,
                                                                        tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(_record("NCT90000001")), encoding="utf-8")
    (folder / "b.json").write_text('{"protocolSection": ', encoding="utf-8")  # cut short
    before = store.read_bytes()
    with pytest.raises(InputError, match=r"b\.json is not valid JSON .*nothing was imported"):
        import_studies(store, iter_records([folder]), replace=True)
    assert store.read_bytes() == before


_KILL_SCRIPT = """
import os, signal, sys
from pathlib import Path
from allnav.trials.files import iter_records
from allnav.trials.store import import_studies

def records():
    for i, rec in enumerate(iter_records([Path(sys.argv[2])])):
        if i == 7:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: a real crash
        yield rec

import_studies(Path(sys.argv[1]), records(), replace=True)
"""


def test_a_killed_import_leaves_the_old_snapshot_answering(store: Path) -> None:
    before = store.read_bytes()
    proc = subprocess.run([sys.executable, "-c", _KILL_SCRIPT, str(store), str(STUDIES)],
                          capture_output=True, check=False, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert store.read_bytes() == before
    leftovers = list(store.parent.glob(f".{store.name}.*.tmp"))
    assert len(leftovers) == 1  # the dead import's temporary file
    with TrialStore(store) as ts:
        assert len(ts.candidates()) == 17
    # The next import removes what the dead one left, and works.
    import_studies(store, iter_records([STUDIES / "NCT90000001.json"]))
    assert list(store.parent.glob(f".{store.name}.*.tmp")) == []


def test_a_reader_keeps_its_snapshot_while_a_new_one_replaces_it(store: Path) -> None:
    with TrialStore(store) as ts:
        import_studies(store, iter_records([STUDIES / "NCT90000001.json"]), replace=True)
        assert len(ts.candidates(all_statuses=True)) == 19  # the old inode, still whole
    with TrialStore(store) as ts:
        assert ts.ids() == ["NCT90000001"]


def test_missing_or_foreign_store_is_a_clear_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no trial store at"):
        TrialStore(tmp_path / "none.sqlite")
    other = tmp_path / "other.sqlite"
    other.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(InputError, match="not an ALL Navigator trial store"):
        TrialStore(other)


def test_files_reader_takes_arrays_pages_and_ndjson(tmp_path: Path) -> None:
    a, b = _record("NCT90000001"), _record("NCT90000002")
    (tmp_path / "arr.json").write_text(json.dumps([a, b]), encoding="utf-8")
    (tmp_path / "page.json").write_text(json.dumps({"studies": [a], "nextPageToken": "t"}),
                                        encoding="utf-8")
    (tmp_path / "lines.ndjson").write_text(json.dumps(b) + "\n\n", encoding="utf-8")
    got = [src for src, _ in iter_records([tmp_path])]
    assert got == ["arr.json[0]", "arr.json[1]", "lines.ndjson:1", "page.json"]
    with pytest.raises(InputError, match="no such file or folder"):
        list(iter_records([tmp_path / "missing"]))


def test_store_file_is_readable_by_others(store: Path) -> None:
    assert os.stat(store).st_mode & 0o777 == 0o644

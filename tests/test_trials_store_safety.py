"""Store safety (issue 13): imports at the same time lose nothing, record text cannot carry
terminal escapes, and a damaged, full or unwritable store is a clear error, never a traceback."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from allnav.problems import InputError
from allnav.trials.ctgov import parse_study
from allnav.trials.files import iter_records
from allnav.trials.store import TrialStore, import_studies
from allnav.trials.store_safety import import_lock

ELIG = ("Inclusion Criteria:\n\n* Relapsed or refractory B-ALL.\n* ECOG 0-2.\n\n"
        "Exclusion Criteria:\n\n* Prior CAR-T cell therapy.")


def _record(n: int, title: str = "Study", text: str = ELIG) -> dict[str, object]:
    return {"protocolSection": {
        "identificationModule": {"nctId": f"NCT{n:08d}", "briefTitle": f"{title} {n}"},
        "statusModule": {"overallStatus": "RECRUITING",
                         "lastUpdatePostDateStruct": {"date": "2026-01-01"}},
        "conditionsModule": {"conditions": ["Acute Lymphoblastic Leukemia"]},
        "eligibilityModule": {"eligibilityCriteria": text},
        "contactsLocationsModule": {"locations": [
            {"facility": "Center", "city": "Houston", "country": "United States",
             "geoPoint": {"lat": 29.76, "lon": -95.36}}]}}}


def _ndjson(path: Path, numbers: range) -> Path:
    path.write_text("".join(json.dumps(_record(n)) + "\n" for n in numbers), encoding="utf-8")
    return path


def _cli(*args: str, preexec: Callable[[], object] | None = None) -> subprocess.CompletedProcess[str]:
    env = None
    if preexec is not None:
        # A child whose files may not grow (the full-disk test) cannot write coverage's data
        # file either, and that failure would be the error it reports: such a child runs
        # unmeasured.
        env = {k: v for k, v in os.environ.items()
               if k not in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")}
    return subprocess.run([sys.executable, "-m", "allnav", "trials", *args], capture_output=True,
                          text=True, check=False, timeout=300, env=env,
                          preexec_fn=preexec)


def test_two_imports_at_the_same_time_keep_both_sets(tmp_path: Path) -> None:
    store = tmp_path / "trials.sqlite"
    a = _ndjson(tmp_path / "a.ndjson", range(1, 401))
    b = _ndjson(tmp_path / "b.ndjson", range(1001, 1401))
    procs = [subprocess.Popen([sys.executable, "-m", "allnav", "trials", "import", str(f),
                               "--store", str(store)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for f in (a, b)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with TrialStore(store) as ts:
        ids = set(ts.ids())
    assert len(ids) == 800  # neither import's studies were lost
    assert "NCT00000001" in ids and "NCT00001001" in ids


def test_a_second_import_waits_for_the_first_then_gives_up_clearly(tmp_path: Path) -> None:
    store = tmp_path / "trials.sqlite"
    import_studies(store, [("a.json", _record(1))])
    with import_lock(store), pytest.raises(InputError) as e:
        import_studies(store, [("b.json", _record(2))], lock_wait_s=0.3)
    msg = e.value.problems[0].msg
    assert "another import" in msg and str(os.getpid()) in msg and "nothing was imported" in msg
    with TrialStore(store) as ts:
        assert ts.ids() == ["NCT00000001"]  # the waiting import changed nothing
    import_studies(store, [("b.json", _record(2))], lock_wait_s=0.3)  # lock released
    with TrialStore(store) as ts:
        assert ts.ids() == ["NCT00000001", "NCT00000002"]


def test_a_killed_import_does_not_leave_the_lock_held(tmp_path: Path) -> None:
    store = tmp_path / "trials.sqlite"
    big = _ndjson(tmp_path / "big.ndjson", range(1, 3001))
    p = subprocess.Popen([sys.executable, "-m", "allnav", "trials", "import", str(big),
                          "--store", str(store)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=1.5)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
    import_studies(store, [("c.json", _record(5000))], lock_wait_s=1.0)
    with TrialStore(store) as ts:
        assert "NCT00005000" in ts.ids()


def test_escape_codes_and_control_characters_are_removed_at_parse_time(tmp_path: Path) -> None:
    nasty = "\x1b[2J\x1b[31mRed\x1b[0m \x1b]8;;https://example.invalid\x07link\x1b]8;;\x07\x07\x9b1m"
    rec = _record(7, title=nasty, text=ELIG.replace("ECOG 0-2.", f"ECOG 0-2.{nasty}\u202e"))
    ps = rec["protocolSection"]
    assert isinstance(ps, dict)
    ps["contactsLocationsModule"]["locations"][0]["facility"] = f"Center\x1b[8m{nasty}"
    study, _ = parse_study(rec)
    assert study is not None
    shown = [study.title, study.sites[0].facility or "", *(c.sentence for c in study.criteria)]
    for text in shown:
        assert not any(ch in text for ch in "\x1b\x07\x9b\u202e"), repr(text)
    assert study.title == "Red link 7"
    store = tmp_path / "t.sqlite"
    import_studies(store, [("x.json", rec)])
    with TrialStore(store) as ts:
        (s,) = ts.get(["NCT00000007"])
    assert "\x1b" not in s.title and "\x1b" not in (s.sites[0].facility or "")


def test_a_damaged_store_is_a_clear_error_with_exit_2(tmp_path: Path) -> None:
    store = tmp_path / "trials.sqlite"
    store.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    patient = tmp_path / "p.json"
    patient.write_text('{"age_years": 40}')
    for args in (("match", str(patient)), ("import", str(_ndjson(tmp_path / "a.ndjson",
                                                                range(1, 3))))):
        out = _cli(*args, "--store", str(store))
        assert out.returncode == 2, out.stderr
        assert "damaged" in out.stderr or "not an ALL Navigator trial store" in out.stderr
        assert "Traceback" not in out.stderr


def _small_files() -> None:  # runs in the child: files may not grow past 64 KiB
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_full_disk_is_a_clear_error_and_keeps_the_old_store(tmp_path: Path) -> None:
    store = tmp_path / "trials.sqlite"
    import_studies(store, [("a.json", _record(1))])
    before = store.read_bytes()
    big = _ndjson(tmp_path / "big.ndjson", range(10, 2010))
    out = _cli("import", str(big), "--store", str(store), preexec=_small_files)
    assert out.returncode == 2, out.stderr
    assert "full" in out.stderr and "Traceback" not in out.stderr
    assert store.read_bytes() == before
    assert not list(tmp_path.glob(".trials.sqlite.*.tmp"))


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "trials.sqlite"
    if os.geteuid() != 0:  # a real read-only folder (root writes anywhere, so it is faked below)
        tmp_path.chmod(0o555)
        try:
            with pytest.raises(InputError) as e:
                import_studies(store, iter_records([]))
        finally:
            tmp_path.chmod(0o755)
        assert "cannot write" in e.value.problems[0].msg
    def refuse(*_a: object, **_k: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")
    import_studies(store, [("a.json", _record(1))])
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(InputError) as e:
        import_studies(store, [("b.json", _record(2))])
    assert "cannot write" in e.value.problems[0].msg and "not changed" in e.value.problems[0].msg

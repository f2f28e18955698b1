"""The local trial snapshot: one SQLite file, replaced whole on every import.

Crash safety: an import builds the new snapshot in a temporary file in the
same directory (starting from a copy of the current one unless ``replace``),
fsyncs it, then ``os.replace``-s it over the old file and fsyncs the directory.
Until that rename the old snapshot is untouched and answers queries; a crash
leaves at worst a stray temporary file, removed by the next import.

Speed: the hard filters (ALL flag, status, age bounds in years, sex) are
indexed columns, and eligibility criteria are stored already recognised, one
row per criterion, so a match runs SQL and builds small objects: it parses no
JSON and no text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import sqlite3
import tempfile
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from allnav.problems import InputError, Problem
from allnav.trials.ctgov import parse_study
from allnav.trials.model import OPEN_STATUSES, AgeLimit, Site, Study, TrialCriterion, TrialRequirement
from allnav.trials.reader import READER_VERSION
from allnav.trials.readings import ReadingCache
from allnav.trials.recognise import recognise
from allnav.trials.store_safety import LOCK_WAIT_S, import_lock, store_errors

SCHEMA_VERSION = "2"
_SEP = "\x1f"  # joins short lists (phases, conditions) in one column
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE studies (
    nct_id TEXT PRIMARY KEY, is_all INTEGER NOT NULL, status TEXT NOT NULL,
    min_age REAL, max_age REAL, min_age_text TEXT, max_age_text TEXT, sex TEXT NOT NULL,
    last_update TEXT, title TEXT NOT NULL, official_title TEXT, acronym TEXT, phases TEXT,
    conditions TEXT, mesh_terms TEXT, sponsor TEXT, interventions TEXT,
    unrecognised INTEGER NOT NULL DEFAULT 0, text_hash TEXT, is_read INTEGER NOT NULL DEFAULT 1,
    record_hash TEXT
) WITHOUT ROWID;
CREATE INDEX studies_match ON studies (is_all, status, min_age, max_age, sex);
CREATE INDEX studies_text ON studies (text_hash);
CREATE TABLE criteria (nct_id TEXT NOT NULL, ord INTEGER NOT NULL, section TEXT NOT NULL,
    sentence TEXT NOT NULL, any_of TEXT NOT NULL, when_key TEXT, doubt TEXT,
    PRIMARY KEY (nct_id, ord)) WITHOUT ROWID;
CREATE TABLE texts (nct_id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sites (nct_id TEXT NOT NULL, ord INTEGER NOT NULL, facility TEXT, city TEXT,
    state TEXT, country TEXT, status TEXT, lat REAL, lon REAL, PRIMARY KEY (nct_id, ord))
    WITHOUT ROWID;
CREATE INDEX sites_city ON sites (city COLLATE NOCASE);
CREATE INDEX sites_state ON sites (state COLLATE NOCASE);
CREATE INDEX sites_country ON sites (country COLLATE NOCASE);
"""
_STUDY_COLS = ("nct_id, is_all, status, min_age, max_age, min_age_text, max_age_text, sex, "
               "last_update, title, official_title, acronym, phases, conditions, mesh_terms, "
               "sponsor, interventions, unrecognised, text_hash, is_read, record_hash")


def default_store_path(env: Mapping[str, str]) -> Path:
    """``$ALLNAV_HOME/trials.sqlite``; ALLNAV_HOME defaults to ``~/.local/share/allnav``."""
    home = env.get("ALLNAV_HOME") or str(Path("~/.local/share/allnav").expanduser())
    return Path(home) / "trials.sqlite"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did. Carries NCT ids and counts only, never patient data."""

    read: int
    written: int
    kept_newer: int
    total: int
    all_studies: int
    duplicates: tuple[str, ...]
    skipped: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    #: Records identical to the version already in the store (not parsed or written again).
    unchanged: int = 0


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _clean_stale(path: Path) -> None:
    """Remove temporary files left by imports whose process has died."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        m = re.search(r"\.(\d+)\.tmp$", tmp.name)
        if not m:
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except PermissionError:
            pass  # alive, another user's


def _join(items: Iterable[str]) -> str:
    return _SEP.join(items)


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(_SEP)) if text else ()


def _write(conn: sqlite3.Connection, s: Study, text_hash: str | None, is_read: bool,
           present: bool = True, record_hash: str | None = None) -> None:
    if present:  # a new version replaces every row of the old one
        for table in ("studies", "criteria", "sites", "texts"):
            conn.execute(f"DELETE FROM {table} WHERE nct_id = ?", (s.nct_id,))
    conn.execute(
        f"INSERT INTO studies ({_STUDY_COLS}) VALUES ({', '.join('?' * 21)})",
        (s.nct_id, int(s.is_all), s.status, s.min_age.years if s.min_age else None,
         s.max_age.years if s.max_age else None, s.min_age.text if s.min_age else None,
         s.max_age.text if s.max_age else None, s.sex, s.last_update, s.title, s.official_title,
         s.acronym, _join(s.phases), _join(s.conditions), _join(s.mesh_terms), s.sponsor,
         _join(s.interventions), s.unrecognised, text_hash, int(is_read), record_hash))
    if s.criteria:
        conn.executemany(
            "INSERT INTO criteria VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(s.nct_id, i, c.section, c.sentence, "|".join(r.key for r in c.any_of),
              c.when.key if c.when else None, c.doubt) for i, c in enumerate(s.criteria)])
    if not is_read and s.text:
        conn.execute("INSERT INTO texts VALUES (?, ?)", (s.nct_id, s.text))
    if s.sites:
        conn.executemany(
            "INSERT INTO sites VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(s.nct_id, i, x.facility, x.city, x.state, x.country, x.status, x.lat, x.lon)
             for i, x in enumerate(s.sites)])


def import_studies(path: Path, records: Iterable[tuple[str, object]], *, replace: bool = False,
                   imported_at: str | None = None, read_all: bool = False,
                   lock_wait_s: float = LOCK_WAIT_S) -> ImportReport:
    """Parse ``(source, record)`` pairs into a new snapshot at ``path``, atomically.

    Unless ``replace``, the new snapshot starts from the current one. Of several
    versions of one NCT id the one with the latest lastUpdatePostDate is kept
    (the later one on a tie) and the duplicate is reported. Any exception (a file
    that is not JSON, a full disk, a kill) leaves the current snapshot as it was.
    One import runs at a time (:func:`~allnav.trials.store_safety.import_lock`).

    Eligibility texts are not read at import (unless ``read_all``): each ALL study's
    text is kept and read when the study is first judged, and that reading is kept
    beside the store (:mod:`allnav.trials.readings`). A text read before (in the current
    snapshot, in this import, or in the readings file) is copied, not read again.
    """
    with store_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with import_lock(path, lock_wait_s):
            return _import(path, records, replace, imported_at, read_all)


def _import(path: Path, records: Iterable[tuple[str, object]], replace: bool,
            imported_at: str | None, read_all: bool) -> ImportReport:
    _clean_stale(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".{os.getpid()}.tmp",
                                dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        conn = sqlite3.connect(tmp)
        # Durability comes from fsync + rename, not from a journal inside the temporary file.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        reuse = False
        if path.exists() and not replace:
            with contextlib.closing(_connect_ro(path)) as src:
                _check(src, path)
                src.backup(conn)
            row = conn.execute("SELECT value FROM meta WHERE key = 'reader'").fetchone()
            reuse = row is not None and row[0] == READER_VERSION
        else:
            conn.executescript(_SCHEMA)
            conn.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('reader', ?)", (READER_VERSION,))
        cache = ReadingCache(path)
        try:
            report = _load(conn, records, reuse, read_all, cache)
        finally:
            cache.close()
        if imported_at:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('imported_at', ?)", (imported_at,))
        conn.commit()
        total, n_all = conn.execute("SELECT count(*), coalesce(sum(is_all), 0) FROM studies"
                                    ).fetchone()
        conn.close()
        os.chmod(tmp, 0o644)  # public trial data; mkstemp's 0600 would hide it from other users
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(path.parent, directory=True)
    except BaseException:
        with contextlib.suppress(Exception):
            conn.close()
        tmp.unlink(missing_ok=True)
        raise
    return ImportReport(report[0], report[1], report[2], total, n_all, report[3], report[4],
                        report[5], report[6])


def _record_hash(raw: object) -> str | None:
    try:
        canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).hexdigest()


def _nct_of(raw: object) -> str | None:
    ps = raw.get("protocolSection") if isinstance(raw, dict) else None
    ident = ps.get("identificationModule") if isinstance(ps, dict) else None
    nct = ident.get("nctId") if isinstance(ident, dict) else None
    return nct.strip() if isinstance(nct, str) else None


def _text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _stored_reading(conn: sqlite3.Connection, text_hash: str
                    ) -> tuple[tuple[TrialCriterion, ...], int] | None:
    """The criteria already read from the same text in this snapshot, if any."""
    row = conn.execute("SELECT nct_id, unrecognised FROM studies WHERE text_hash = ? AND "
                       "is_read = 1 LIMIT 1", (text_hash,)).fetchone()
    if row is None:
        return None
    crit = tuple(_criterion(*r) for r in conn.execute(
        "SELECT section, sentence, any_of, when_key, doubt FROM criteria WHERE nct_id = ? "
        "ORDER BY ord", (row[0],)))
    return crit, row[1]


def _criterion(section: str, sentence: str, any_of: str, when: str | None,
               doubt: str | None) -> TrialCriterion:
    return TrialCriterion(section,  # type: ignore[arg-type]  # written from a EligibilitySection
                     sentence, tuple(TrialRequirement.from_key(k) for k in any_of.split("|")),
                     TrialRequirement.from_key(when) if when else None, doubt)


def _load(conn: sqlite3.Connection, records: Iterable[tuple[str, object]], reuse: bool,
          read_all: bool, cache: ReadingCache
          ) -> tuple[int, int, int, tuple[str, ...], tuple[Problem, ...], tuple[Problem, ...], int]:
    read = written = kept = unchanged = 0
    this_import: set[str] = set()
    seen: dict[str, list[str]] = {}
    skipped: list[Problem] = []
    warnings: list[Problem] = []
    readings: dict[str, tuple[tuple[TrialCriterion, ...], int]] = {}
    made: dict[str, tuple[tuple[TrialCriterion, ...], int]] = {}
    for source, raw in records:
        read += 1
        fingerprint = _record_hash(raw)
        nct = _nct_of(raw)
        if nct is not None and nct not in this_import:
            # An update brings most studies back unchanged: the same record, byte for byte
            # once its keys are sorted, is neither parsed nor written again.
            old = conn.execute("SELECT record_hash, last_update FROM studies WHERE nct_id = ?",
                               (nct,)).fetchone()
            if old is not None and old[0] == fingerprint:
                unchanged += 1
                seen.setdefault(nct, []).append(f"{old[1] or 'no date'} ({source})")
                continue
        study, problems = parse_study(raw, source, all_only=True, read_criteria=False)
        if study is None:
            skipped += problems
            continue
        warnings += problems
        date = study.last_update or ""
        seen.setdefault(study.nct_id, []).append(f"{date or 'no date'} ({source})")
        row = conn.execute("SELECT last_update FROM studies WHERE nct_id = ?",
                           (study.nct_id,)).fetchone()
        if row is not None and (row[0] or "") > date:
            kept += 1
            continue
        text_hash = _text_hash(study.text) if study.is_all and study.text else None
        is_read = text_hash is None
        if text_hash is not None:
            got = readings.get(text_hash) or (_stored_reading(conn, text_hash) if reuse else
                                               None) or cache.get_many([text_hash]).get(text_hash)
            if got is None and read_all:
                got = recognise(study.text)
                made[text_hash] = got
            if got is not None:
                readings[text_hash] = got
                study = dataclasses.replace(study, criteria=got[0], unrecognised=got[1])
                is_read = True
        _write(conn, study, text_hash, is_read, present=row is not None,
               record_hash=fingerprint)
        this_import.add(study.nct_id)
        written += 1
    cache.put_many(made)
    dups = []
    for nct, versions in seen.items():
        if len(versions) > 1:
            last = conn.execute("SELECT last_update FROM studies WHERE nct_id = ?",
                                (nct,)).fetchone()[0]
            dups.append(f"{nct} appears {len(versions)} times ({'; '.join(versions)}); kept the "
                        f"version last updated {last or 'with no date'}")
    return read, written, kept, tuple(dups), tuple(skipped), tuple(warnings), unchanged


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True)


def _check(conn: sqlite3.Connection, path: Path) -> None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.DatabaseError:
        row = None
    if row is None or row[0] != SCHEMA_VERSION:
        raise InputError([Problem("store", ("--store",), f"{path} is not an ALL Navigator trial "
                                  "store of this version; import again with --replace")])


class TrialStore:
    """A read-only view of one snapshot."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InputError([Problem("store", ("--store",), f"no trial store at {path}; run "
                                      "'allnav trials import FILES' or 'allnav trials update' "
                                      "first")])
        self.path = path
        with store_errors(path):
            self._conn = _connect_ro(path)
            _check(self._conn, path)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> TrialStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def info(self) -> dict[str, object]:
        """Counts and the import time, for the output header."""
        with store_errors(self.path):
            total, n_all = self._conn.execute(
                "SELECT count(*), coalesce(sum(is_all), 0) FROM studies").fetchone()
            at = self._conn.execute("SELECT value FROM meta WHERE key = 'imported_at'").fetchone()
        return {"path": str(self.path), "studies": total, "all_studies": n_all,
                "imported_at": at[0] if at else None}

    def candidates(self, age: float | None = None, sex: str | None = None, *,
                   all_statuses: bool = False, include_closed: bool = False,
                   box: tuple[float, float, float, float] | None = None) -> list[Study]:
        """ALL studies that pass the indexed hard filters for this age and sex (a filter
        whose fact is unknown is not applied); open studies only unless ``all_statuses``
        (every ALL study, no filter: to show why studies are ruled out) or
        ``include_closed`` (the filters, whatever the status).

        ``box`` (south, north, west, east) keeps studies with a site inside it, or with a
        site whose position is unknown, or with no sites: a superset of those within the
        distance, which the matcher then measures exactly."""
        where = ["studies.is_all = 1"]
        args: list[object] = []
        if not all_statuses:
            if not include_closed:
                where.append(f"studies.status IN ({', '.join('?' * len(OPEN_STATUSES))})")
                args += OPEN_STATUSES
            if age is not None:
                where.append("(studies.min_age IS NULL OR studies.min_age <= ?) AND "
                             "(studies.max_age IS NULL OR studies.max_age > ?)")
                args += [age, age]
            if sex is not None:
                where.append("studies.sex IN ('ALL', ?)")
                args.append(sex.upper())
            if box is not None:
                where.append(
                    "(EXISTS (SELECT 1 FROM sites x WHERE x.nct_id = studies.nct_id AND (x.lat IS "
                    "NULL OR (x.lat BETWEEN ? AND ? AND x.lon BETWEEN ? AND ?))) OR NOT EXISTS "
                    "(SELECT 1 FROM sites x WHERE x.nct_id = studies.nct_id))")
                args += list(box)
        return self._studies(" AND ".join(where), args)

    def get(self, nct_ids: Iterable[str]) -> list[Study]:
        """The studies with these NCT ids that the store holds."""
        ids = sorted(set(nct_ids))
        return self._studies(f"studies.nct_id IN ({', '.join('?' * len(ids))})", ids) if ids else []

    def sites_named(self, names: Iterable[str]) -> list[Site]:
        """Sites whose city, state or country is one of ``names`` (any case)."""
        ns = sorted({n.casefold() for n in names})
        if not ns:
            return []
        q = ", ".join("?" * len(ns))
        with store_errors(self.path):
            return self._sites(q, ns)

    def _sites(self, q: str, ns: list[str]) -> list[Site]:
        rows = self._conn.execute(
            f"SELECT DISTINCT facility, city, state, country, status, lat, lon FROM sites WHERE "
            f"city COLLATE NOCASE IN ({q}) OR state COLLATE NOCASE IN ({q}) OR "
            f"country COLLATE NOCASE IN ({q})", ns * 3)
        return [Site(*r) for r in rows]

    def site_places(self, limit: int = 2_000) -> list[tuple[str, str | None, str | None]]:
        """(city, state, country) of every site with a position of an open ALL study, most
        studies first: the places a person can pick without a geocoding service."""
        with store_errors(self.path):
            rows = self._conn.execute(
                f"SELECT s.city, s.state, s.country, count(DISTINCT s.nct_id) AS n FROM sites s "
                f"JOIN studies USING (nct_id) WHERE studies.is_all = 1 AND studies.status IN "
                f"({', '.join('?' * len(OPEN_STATUSES))}) AND s.city IS NOT NULL AND s.lat IS "
                f"NOT NULL GROUP BY s.city COLLATE NOCASE, s.state COLLATE NOCASE, s.country "
                f"COLLATE NOCASE ORDER BY n DESC, s.city LIMIT ?", (*OPEN_STATUSES, limit))
            return [(r[0], r[1], r[2]) for r in rows]

    def ids(self) -> list[str]:
        """Every NCT id in the store, sorted."""
        return [r[0] for r in self._conn.execute("SELECT nct_id FROM studies ORDER BY nct_id")]

    def _studies(self, where: str, args: Sequence[object]) -> list[Study]:
        with store_errors(self.path):
            return self._load_studies(where, args)

    def _load_studies(self, where: str, args: Sequence[object]) -> list[Study]:
        crit: dict[str, list[TrialCriterion]] = {}
        made: dict[tuple[str, str, str, str | None, str | None], TrialCriterion] = {}  # shared
        for nct, section, sentence, any_of, when, doubt in self._conn.execute(
                f"SELECT c.nct_id, c.section, c.sentence, c.any_of, c.when_key, c.doubt FROM "
                f"criteria c JOIN studies USING (nct_id) WHERE {where} ORDER BY c.nct_id, c.ord",
                args):
            key = (section, sentence, any_of, when, doubt)
            c = made.get(key)
            if c is None:
                c = made[key] = _criterion(section, sentence, any_of, when, doubt)
            crit.setdefault(nct, []).append(c)
        sites: dict[str, list[Site]] = {}
        places: dict[tuple[object, ...], Site] = {}  # big centres recur across studies
        for row in self._conn.execute(
                f"SELECT s.nct_id, s.facility, s.city, s.state, s.country, s.status, s.lat, s.lon "
                f"FROM sites s JOIN studies USING (nct_id) WHERE {where} ORDER BY s.nct_id, s.ord",
                args):
            site = places.get(row[1:])
            if site is None:
                site = places[row[1:]] = Site(*row[1:])
            sites.setdefault(row[0], []).append(site)
        rows = list(self._conn.execute(f"SELECT {_STUDY_COLS} FROM studies WHERE {where}", args))
        later = self._read_later([(r[0], r[18]) for r in rows if not r[19] and r[18]])
        out = []
        for r in rows:
            criteria, unrecognised = tuple(crit.get(r[0], ())), r[17]
            if not r[19] and r[18]:
                criteria, unrecognised = later[r[18]]
            out.append(Study(
                nct_id=r[0], is_all=bool(r[1]), status=r[2],
                min_age=AgeLimit(r[3], r[5]) if r[3] is not None else None,
                max_age=AgeLimit(r[4], r[6]) if r[4] is not None else None, sex=r[7],
                last_update=r[8], title=r[9], official_title=r[10], acronym=r[11],
                phases=_split(r[12]), conditions=_split(r[13]), mesh_terms=_split(r[14]),
                sponsor=r[15], interventions=_split(r[16]), unrecognised=unrecognised,
                criteria=criteria, sites=tuple(sites.get(r[0], ()))))
        return out

    def _read_later(self, pending: list[tuple[str, str]]
                    ) -> dict[str, tuple[tuple[TrialCriterion, ...], int]]:
        """The readings of texts not read at import: from this process, from the readings
        file beside the store, or read now (and kept in both)."""
        out = {h: _LATER[h] for _, h in pending if h in _LATER}
        missing = {h: nct for nct, h in pending if h not in out}
        if not missing:
            return out
        cache = ReadingCache(self.path)
        try:
            out.update(cache.get_many(missing))
            made: dict[str, tuple[tuple[TrialCriterion, ...], int]] = {}
            todo = [nct for h, nct in missing.items() if h not in out]
            for i in range(0, len(todo), 500):
                part = todo[i:i + 500]
                for h, body in self._conn.execute(
                        f"SELECT s.text_hash, t.body FROM texts t JOIN studies s USING "
                        f"(nct_id) WHERE t.nct_id IN ({', '.join('?' * len(part))})", part):
                    if h not in out:
                        out[h] = made[h] = recognise(body)
            for h in missing:
                out.setdefault(h, ((), 0))
            cache.put_many(made)
        finally:
            cache.close()
        if len(_LATER) > 20_000:
            _LATER.clear()
        _LATER.update(out)
        return out


#: Texts read in this process, by text hash (a long-running web app asks for the same
#: studies again and again).
_LATER: dict[str, tuple[tuple[TrialCriterion, ...], int]] = {}

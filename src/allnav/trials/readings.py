"""Readings of eligibility texts kept beside the trial store, so that each text is read once.

Reading a real eligibility text into criteria costs about 10 ms, and an ``update`` of
ClinicalTrials.gov brings back tens of thousands of texts, most of them unchanged. The
store therefore does not read texts at import: it keeps them, and a study's text is read
when the study is first judged. The reading is then kept here, in
``trials.sqlite.readings`` (SQLite, keyed by the text's BLAKE2 hash and the reader's
version), for every later match, command or web request, and for the next import, which
copies it instead of reading again.

This file is only a cache: when it cannot be opened or written (a read-only folder, a
damaged file) the texts are read again and nothing else changes. An edge module: it
touches the disk.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from allnav.trials.model import TrialCriterion, TrialRequirement
from allnav.trials.reader import READER_VERSION

Reading = tuple[tuple[TrialCriterion, ...], int]
_SCHEMA = ("CREATE TABLE IF NOT EXISTS readings (text_hash TEXT NOT NULL, reader TEXT NOT NULL, "
           "unrecognised INTEGER NOT NULL, criteria TEXT NOT NULL, PRIMARY KEY (text_hash, "
           "reader)) WITHOUT ROWID")


def cache_path(store: Path) -> Path:
    """The readings file of a store."""
    return store.with_name(f"{store.name}.readings")


def _dump(reading: Reading) -> str:
    return json.dumps([[c.section, c.sentence, "|".join(r.key for r in c.any_of),
                        c.when.key if c.when else None, c.doubt] for c in reading[0]],
                      ensure_ascii=False)


def _load(criteria: str) -> tuple[TrialCriterion, ...]:
    return tuple(TrialCriterion(section, sentence, tuple(TrialRequirement.from_key(k) for k in
                                                     any_of.split("|")),
                           TrialRequirement.from_key(when) if when else None, doubt)
                 for section, sentence, any_of, when, doubt in json.loads(criteria))


class ReadingCache:
    """Readings by text hash; every failure turns the cache off, never the caller."""

    def __init__(self, store: Path) -> None:
        self.path = cache_path(store)
        self._conn: sqlite3.Connection | None = None
        self._off = False

    def _db(self) -> sqlite3.Connection | None:
        if self._conn is None and not self._off:
            try:
                conn = sqlite3.connect(self.path, timeout=5.0)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(_SCHEMA)
                self._conn = conn
            except (sqlite3.Error, OSError):
                self._off = True
        return self._conn

    def get_many(self, hashes: Iterable[str]) -> dict[str, Reading]:
        """The readings already kept for these texts."""
        db = self._db()
        wanted = sorted(set(hashes))
        if db is None or not wanted:
            return {}
        out: dict[str, Reading] = {}
        try:
            for i in range(0, len(wanted), 500):
                part = wanted[i:i + 500]
                for h, unrec, crit in db.execute(
                        f"SELECT text_hash, unrecognised, criteria FROM readings WHERE reader = ? "
                        f"AND text_hash IN ({', '.join('?' * len(part))})", [READER_VERSION, *part]):
                    out[h] = (_load(crit), unrec)
        except (sqlite3.Error, ValueError, TypeError):
            self._off = True
            return {}
        return out

    def put_many(self, readings: dict[str, Reading]) -> None:
        """Keep these readings (best effort)."""
        db = self._db()
        if db is None or not readings:
            return
        try:
            with db:
                db.executemany("INSERT OR IGNORE INTO readings VALUES (?, ?, ?, ?)",
                               [(h, READER_VERSION, r[1], _dump(r)) for h, r in readings.items()])
        except sqlite3.Error:
            self._off = True

    def close(self) -> None:
        """Close the file."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

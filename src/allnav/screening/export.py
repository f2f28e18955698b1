"""A FHIR Bulk Data export on disk: which NDJSON files it has, and the date it was taken.

An export is a folder of ``*.ndjson`` / ``*.ndjson.gz`` files (one or more per resource type),
or the ``manifest.json`` of the export's status response, whose ``output[].url`` name the
files (a relative URL, a ``file:`` URL or a bare file name is read from beside the manifest;
an ``http(s)`` URL cannot be read here and is an error naming the entry).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from allnav.problems import InputError, Problem

__all__ = ["Export", "find_export"]

_SUFFIXES = (".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz")


@dataclass(frozen=True, slots=True)
class Export:
    """The files of an export, in a stable order, and its ``transactionTime`` as a date."""

    files: tuple[Path, ...]
    transaction_date: dt.date | None

    @property
    def size(self) -> int:
        """Bytes on disk (compressed files count as they are stored)."""
        return sum(f.stat().st_size for f in self.files)


def _bad(loc: tuple[str | int, ...], msg: str) -> InputError:
    return InputError([Problem("export", loc, msg)])


def _from_manifest(path: Path) -> Export:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _bad(("manifest",), f"{path.name} could not be read as JSON ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("output"), list):
        raise _bad(("manifest", "output"), f"{path.name} has no 'output' list (a Bulk Data "
                   "status response lists the files in 'output')")
    files: list[Path] = []
    for i, entry in enumerate(data["output"]):
        url = entry.get("url") if isinstance(entry, dict) else None
        if not isinstance(url, str) or not url:
            raise _bad(("manifest", "output", i, "url"), "must be the file's URL or name")
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https"):
            raise _bad(("manifest", "output", i, "url"), "is a web address; download the "
                       "export's files first and give the folder (or a manifest with file names)")
        name = unquote(parsed.path) if parsed.scheme == "file" else url
        target = (path.parent / name) if not Path(name).is_absolute() else Path(name)
        if not target.is_file():
            raise _bad(("manifest", "output", i, "url"), f"file not found: {target.name}")
        files.append(target)
    return Export(tuple(files), _date(data.get("transactionTime")))


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def find_export(path: Path) -> Export:
    """The export at ``path`` (a folder, or a ``manifest.json``). A folder with a
    ``manifest.json`` is read through it; without one, every NDJSON file in it is read."""
    if path.is_file():
        return _from_manifest(path)
    if not path.is_dir():
        raise _bad(("export",), f"not found: {path} (give the export's folder or its manifest.json)")
    if (path / "manifest.json").is_file():
        return _from_manifest(path / "manifest.json")
    files = sorted(f for f in path.iterdir() if f.is_file() and f.name.endswith(_SUFFIXES))
    if not files:
        raise _bad(("export",), f"{path} holds no NDJSON files (*.ndjson or *.ndjson.gz)")
    return Export(tuple(files), None)

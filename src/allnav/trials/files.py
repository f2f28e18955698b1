"""Read study records from files: JSON files, folders of them, JSON arrays, API pages
(``{"studies": [...]}``) and NDJSON. An edge module: it reads the disk.

Records are yielded one at a time, so an import that meets a broken file
stops there and the snapshot being built is thrown away whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from allnav.problems import InputError, Problem
from allnav.trials.ctgov import study_records


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.suffix in (".json", ".ndjson")
                              and f.is_file())
        elif p.is_file():
            yield p
        else:
            raise InputError([Problem("file", (str(p),), f"no such file or folder: {p}")])


def _fail(path: Path, msg: str) -> InputError:
    return InputError([Problem("file", (str(path),), f"{path} {msg}; nothing was imported")])


def iter_records(paths: Iterable[Path]) -> Iterator[tuple[str, object]]:
    """``(source, record)`` for every study record in ``paths``; the source names the file
    (and the position in it) for messages."""
    for path in _files(list(paths)):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise _fail(path, f"could not be read ({e.__class__.__name__})") from None
        if path.suffix == ".ndjson":
            for n, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    try:
                        yield f"{path.name}:{n}", json.loads(line)
                    except json.JSONDecodeError as e:
                        raise _fail(path, f"line {n} is not JSON ({e.msg})") from None
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise _fail(path, f"is not valid JSON (line {e.lineno} column {e.colno}: {e.msg})"
                        ) from None
        records = study_records(data)
        for i, record in enumerate(records):
            yield (f"{path.name}[{i}]" if len(records) > 1 else path.name), record

"""docs/security.md names a test for every attack; each named test exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"


def _named_tests() -> list[tuple[Path, str]]:
    text = DOC.read_text(encoding="utf-8")
    out: list[tuple[Path, str]] = []
    for row in (line for line in text.splitlines() if line.startswith("| ")):
        current: Path | None = None
        for file, name in re.findall(r"`(?:tests/(?:security/)?)?([\w/]*\.py)?::(\w+)`", row):
            if file:
                current = ROOT / "tests" / file if "/" in file else \
                    (ROOT / "tests" / "security" / file if (ROOT / "tests" / "security" / file).exists()
                     else ROOT / "tests" / file)
            assert current is not None, f"no file before ::{name} in: {row[:80]}"
            out.append((current, name))
    return out


def test_every_test_the_security_doc_names_exists() -> None:
    named = _named_tests()
    assert len(named) >= 40
    for path, name in named:
        assert path.exists(), path
        assert re.search(rf"^def {name}\(", path.read_text(encoding="utf-8"), re.M), f"{path.name}::{name}"


def test_every_security_test_is_in_the_doc() -> None:
    named = {(p.name, n) for p, n in _named_tests()}
    for path in (ROOT / "tests" / "security").glob("test_*.py"):
        if path.name == Path(__file__).name:
            continue
        for name in re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), re.M):
            assert (path.name, name) in named, f"docs/security.md does not list {path.name}::{name}"

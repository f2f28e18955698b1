"""The documentation says what the code does: every fact, command and JSON key is documented."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from allnav.facts import FIELDS

from .conftest import ROOT

DOCS = ROOT / "docs"


def facts_table() -> str:
    rows = ["| field | values | meaning |", "|---|---|---|"]
    for s in FIELDS.values():
        if s.kind in ("choice", "choice-list"):
            values = ("list of " if s.kind == "choice-list" else "") + ", ".join(f"`{c}`" for c in s.choices)
        elif s.kind in ("number", "integer"):
            assert s.minimum is not None
            assert s.maximum is not None
            what = "whole number" if s.kind == "integer" else "number"
            values = f"{what} {s.minimum:g} to {s.maximum:g}" + (f" {s.unit}" if s.unit else "")
        elif s.kind == "boolean":
            values = "`true`, `false`"
        elif s.kind == "date":
            values = "date `YYYY-MM-DD`"
        else:
            values = "list of protein changes, e.g. `[T315I]`"
        extra = (f" `{'`, `'.join(s.unknown_values)}` is kept for display but reasons as unknown."
                 if s.unknown_values else "")
        rows.append(f"| `{s.name}` | {values} | {s.description}{extra} |")
    return "\n".join(rows)


def test_every_fact_is_documented() -> None:
    """docs/facts.md carries the field table generated from the code (UPDATE_DOCS=1 rewrites it)."""
    path = DOCS / "facts.md"
    text = path.read_text(encoding="utf-8")
    block = f"<!-- fields:start -->\n{facts_table()}\n<!-- fields:end -->"
    current = re.search(r"<!-- fields:start -->.*?<!-- fields:end -->", text, re.S)
    assert current is not None
    if os.environ.get("UPDATE_DOCS"):
        path.write_text(text.replace(current.group(0), block), encoding="utf-8")
        text = path.read_text(encoding="utf-8")
    assert block in text, "docs/facts.md is out of date: run UPDATE_DOCS=1 pytest tests/test_docs.py"


def _run(*args: str, stdin: str | None = None, home: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120"}
    if home:
        env["ALLNAV_HOME"] = home  # the trial store goes here, not into the user's home
    return subprocess.run([sys.executable, "-m", "allnav", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, check=False, env=env)


def test_readme_commands_run_as_documented(tmp_path: Path) -> None:
    """Every `.venv/bin/allnav ...` line in the README runs, in order, and exits 0."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = re.findall(r"^\.venv/bin/allnav ([^#\n]+?)\s*(?:#.*)?$", readme, re.M)
    assert lines, "README lists no commands"
    ran = 0
    for line in lines:
        args = shlex.split(line)
        # Placeholder files, a long-running server and file output are exercised elsewhere.
        if any(a in ("patient.json", "patient.yaml", "bundle.json", "serve", "--svg") for a in args):
            continue
        result = _run(*args, home=str(tmp_path))
        assert result.returncode == 0, (line, result.stderr[-500:])
        ran += 1
    assert ran >= 10


def test_documented_bad_input_message_is_real() -> None:
    result = _run("assess", "-", stdin='{"cd19_staus": "positive"}')
    assert result.returncode == 2
    assert "cd19_staus: unknown field 'cd19_staus' (did you mean 'cd19'?)" in result.stderr
    assert "cd19_staus: unknown field 'cd19_staus' (did you mean 'cd19'?)" in (DOCS / "facts.md").read_text()


def test_assessment_json_keys_are_documented() -> None:
    doc = (DOCS / "assessment-json.md").read_text(encoding="utf-8")
    result = _run("assess", "examples/patients/first-relapse-cd19-positive.yaml", "--format", "json")
    data = json.loads(result.stdout)
    keys = set(data) | set(data["options"][0]) | set(data["options"][0]["reasons"][0]) | set(
        data["options"][0]["evidence"][0]) | set(data["missing_facts"][0] if data["missing_facts"] else {})
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert missing == []

"""Input nested 1,500 deep gets one clear answer naming the limit (issue 17, item 4).

Before: a 500 with a 195 KiB traceback in the log from the web form, a RecursionError
traceback with exit 1 from the CLI and from the config file.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from allnav.nesting import MAX_NESTING
from allnav.web.app import create_app
from allnav.web.settings import ConfigError, Settings, load_settings

from ..conftest import AS_OF
from ..ehr_harness import BASE, SERVICE_PATH, Ehr, send

DEEP = 1500
DEEP_TEXTS = {
    "json-objects": '{"a": ' * DEEP + "1" + "}" * DEEP,
    "json-lists": "[" * DEEP + "]" * DEEP,
    "yaml-flow": "age_years: " + "[" * DEEP + "]" * DEEP,
    "yaml-block": "- " * DEEP + "x",
    "yaml-indented": "".join(" " * i + "a:\n" for i in range(DEEP)) + " " * DEEP + "1\n",
}
LIMIT_WORDS = f"nested more than {MAX_NESTING} levels"
FORM = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}


@pytest.mark.parametrize("path", ["/results", "/clinician", "/summary.pdf", "/clinician/export.json"])
@pytest.mark.parametrize("kind", list(DEEP_TEXTS))
def test_the_web_form_answers_422_naming_the_limit_and_logs_no_traceback(
        kind: str, path: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    app = create_app(Settings(today=lambda: AS_OF))
    r = send(app, "POST", path, content=urlencode({"facts_text": DEEP_TEXTS[kind]}).encode(),
             headers=FORM)
    if path == "/summary.pdf":
        assert r.status_code == 400  # the PDF needs usable answers; no page of problems
    else:
        assert r.status_code == 422
        assert LIMIT_WORDS in r.text
    assert not [rec for rec in caplog.records if rec.levelno >= logging.WARNING]
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text


@pytest.mark.parametrize("kind", ["json-objects", "json-lists"])
def test_the_json_api_and_cds_answer_400_naming_the_limit(kind: str) -> None:
    ehr = Ehr()
    app = create_app(ehr.settings())
    body = DEEP_TEXTS[kind].encode()
    r = send(app, "POST", "/api/assess", content=body)
    assert r.status_code == 400 and LIMIT_WORDS in r.text  # a body problem, as bad JSON is
    cds = b'{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, ' \
          b'"prefetch": {"patient": ' + body + b"}}"
    r = send(app, "POST", SERVICE_PATH, token=ehr.token(BASE + SERVICE_PATH), content=cds)
    assert r.status_code == 400 and LIMIT_WORDS in r.text


def test_facts_nested_just_past_the_limit_are_refused_too() -> None:
    app = create_app(Settings(today=lambda: AS_OF))
    body = json.dumps({"age_years": json.loads("[" * MAX_NESTING + "]" * MAX_NESTING)})
    r = send(app, "POST", "/api/assess", content=body.encode())
    assert r.status_code == 400 and LIMIT_WORDS in r.text


def _allnav(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "allnav", *args], capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.parametrize(("kind", "suffix"), [("yaml-flow", ".yaml"), ("json-objects", ".json"),
                                              ("yaml-block", ".yaml")])
def test_the_cli_exits_2_naming_the_limit(tmp_path: Path, kind: str, suffix: str) -> None:
    path = tmp_path / f"deep{suffix}"
    path.write_text(DEEP_TEXTS[kind])
    r = _allnav("assess", str(path))
    assert r.returncode == 2, r.stderr[-500:]
    assert LIMIT_WORDS in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr) < 2000


def test_a_deep_ndjson_line_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.ndjson"
    path.write_text('{"resourceType": "Patient", "id": "p"}\n'
                    '{"resourceType": "Observation", "extension": ' + DEEP_TEXTS["json-lists"] + "}\n")
    r = _allnav("assess", str(path))
    assert r.returncode == 2
    assert "line 2" in r.stderr and LIMIT_WORDS in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(("name", "text"), [
    ("allnav.yaml", "server:\n  base_url: " + "[" * DEEP + "]" * DEEP + "\n"),
    ("allnav.yaml", "server:\n" + "".join(" " * (i + 2) + "a:\n" for i in range(DEEP))),
    ("allnav.toml", "[server]\nbase_url = " + "[" * DEEP + "]" * DEEP + "\n"),
    ("allnav.toml", "[server]\nbase_url = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n"),
])
def test_a_deep_config_file_is_a_config_error_and_serve_exits_2(
        tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_settings(path)
    assert LIMIT_WORDS in str(e.value)
    r = _allnav("serve", "--config", str(path), "--port", "1")  # refused before listening
    assert r.returncode == 2
    assert LIMIT_WORDS in r.stderr and "Traceback" not in r.stderr

"""The smaller findings of issue 17 (item 8): no Swagger UI from a CDN, API errors that
never echo the input, the web form's real facts_text limit. (The replay store's failure is
in test_jwt_attacks.py, --insecure-demo and localhost in test_serve_options.py.)"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from allnav.web.app import create_app
from allnav.web.pages.routes import MAX_FACTS_TEXT
from allnav.web.settings import Settings

from ..conftest import AS_OF
from ..ehr_harness import send

SECRET = "Zq7Lindqvist"  # distinctive enough to find anywhere it leaks
APP = create_app(Settings(today=lambda: AS_OF))


def test_no_swagger_ui_page_loads_scripts_from_a_cdn() -> None:
    r = send(APP, "GET", "/docs", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert "cdn" not in r.text.lower()
    assert send(APP, "GET", "/openapi.json").json()["info"]["title"] == "ALL Navigator"


@pytest.mark.parametrize("facts", [
    {"sex": SECRET}, {"cd19": SECRET}, {"abl1_mutations": [SECRET]},
    {"symptoms": {"temperature_c": {"value": 38.2, "unit": SECRET}}},
    {"symptoms": {"temperature_c": f"38.2 {SECRET}"}},
    {"age_years": 912.375}, {"first_remission_months": -31.625},
    {"symptoms": {"anc_per_ul": 0.4375}}, {"symptoms": {"temperature_c": 3891.5}},
    {f"x{SECRET}": 1}, {"symptoms": {f"x{SECRET}": 1}},
])
def test_api_422_messages_never_repeat_the_input(facts: dict[str, object]) -> None:
    r = send(APP, "POST", "/api/assess", json_body=facts)
    assert r.status_code == 422
    messages = " ".join(p["msg"] for p in r.json()["problems"])
    for text in (SECRET, "912.375", "31.625", "0.4375", "3,891.5", "3891.5", "38.2"):
        assert text not in messages
    assert "(the value sent)" in messages


def test_api_422_messages_still_say_what_is_allowed() -> None:
    r = send(APP, "POST", "/api/assess", json_body={"sex": SECRET, "age_years": 120.5})
    by_field = {p["path"]: p["msg"] for p in r.json()["problems"]}
    assert "'female', 'male', or 'unknown'" in by_field["sex"]
    assert "0 to 120 years" in by_field["age_years"]


def _pasted(text: str) -> bytes:
    return urlencode({"facts_text": text}).encode()


FORM = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}


def test_facts_text_over_1_mib_but_under_the_limit_is_read() -> None:
    facts = {"age_years": 44, "description": "x" * (1_300_000)}  # 1.3 MB, under 2,000,000
    r = send(APP, "POST", "/results", content=_pasted(json.dumps(facts)), headers=FORM)
    assert r.status_code == 200
    assert "Your options" in r.text


def test_facts_text_over_the_limit_names_the_limit() -> None:
    app = create_app(Settings(today=lambda: AS_OF, max_body_bytes=8 * 1024 * 1024))
    text = json.dumps({"age_years": 44, "description": "x" * (MAX_FACTS_TEXT + 10)})
    r = send(app, "POST", "/clinician", content=_pasted(text), headers=FORM)
    assert r.status_code == 422
    assert f"{MAX_FACTS_TEXT:,} characters" in r.text

"""The JSON API: facts in, the same assessment JSON as the CLI out; bad input is 400/422."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from typer.testing import CliRunner

from allnav.cli import app as cli_app
from allnav.web.app import create_app
from allnav.web.settings import Settings

from .conftest import AS_OF, EXAMPLES, example_names
from .ehr_harness import send


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(today=lambda: AS_OF))


@pytest.mark.parametrize("name", example_names())
def test_every_example_gives_the_same_document_as_the_cli(app: FastAPI, name: str) -> None:
    """``POST /api/assess`` and ``allnav assess --format json`` answer the same document
    (both call navigate(); before issue 18 the API left out care and odds)."""
    path = EXAMPLES / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    r = send(app, "POST", "/api/assess", json_body=data)
    assert r.status_code == 200
    cli = CliRunner().invoke(cli_app, ["assess", str(path), "--format", "json",
                                       "--as-of", AS_OF.isoformat()])
    assert cli.exit_code == 0, cli.output
    assert r.json() == json.loads(cli.stdout)
    assert {"options", "care", "odds"} <= set(r.json())


def test_the_date_defaults_to_today(app: FastAPI) -> None:
    assert send(app, "POST", "/api/assess", json_body={}).json()["as_of"] == AS_OF.isoformat()
    r = send(app, "POST", "/api/assess", json_body={"as_of": "2026-01-02"})
    assert r.json()["as_of"] == "2026-01-02"


def test_bad_facts_are_422_with_every_problem(app: FastAPI) -> None:
    r = send(app, "POST", "/api/assess", json_body={"lineage": "X", "ecog": 9, "colour": "blue",
                                                     "symptoms": {"anc_per_ul": -3}})
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert {tuple(p["loc"]) for p in problems} == {("lineage",), ("ecog",), ("colour",), ("symptoms", "anc_per_ul")}
    for p in problems:
        assert set(p) >= {"type", "loc", "msg"}
        assert p["msg"]


@pytest.mark.parametrize(
    ("content", "status"),
    [(b"[1, 2]", 400), (b'"text"', 400), (b"null", 400), (b"{", 400), (b"", 400), (b'{"age_years": Infinity}', 400),
     (b"{" * 50_000, 400)],
)
def test_bodies_that_are_not_a_json_object_are_400(app: FastAPI, content: bytes, status: int) -> None:
    r = send(app, "POST", "/api/assess", content=content)
    assert r.status_code == status
    assert r.json()["problems"][0]["msg"]


def test_a_large_body_is_413() -> None:
    app = create_app(Settings(max_body_bytes=2048))
    r = send(app, "POST", "/api/assess", json_body={"description": "x" * 5000})
    assert r.status_code == 413


def test_the_openapi_description_is_served(app: FastAPI) -> None:
    doc: dict[str, Any] = send(app, "GET", "/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) >= {"/cds-services", "/cds-services/{service_id}",
                                 "/cds-services/{service_id}/feedback", "/api/assess", "/healthz"}
    body = doc["paths"]["/api/assess"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["lineage"]["anyOf"][0]["enum"] == ["B", "T"]
    schemas = doc["components"]["schemas"]
    assert {"CdsRequest", "CdsResponse", "Card", "Feedback", "Discovery", "ProblemList"} <= set(schemas)


def test_healthz(app: FastAPI) -> None:
    assert send(app, "GET", "/healthz").json() == {"status": "ok"}

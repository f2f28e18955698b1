"""The JSON API: plain facts in (format v1, docs/facts.md), the assessment JSON out.

No patient identifiers are involved, so no JWT: this is what the web decision aid
calls. Bad facts get 422 with every problem (type, loc, msg); a body that is not a
JSON object gets 400.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from allnav.facts import FIELDS, TOP_LEVEL_KEYS, FieldSpec
from allnav.facts_reader import read_facts
from allnav.navigate import navigate
from allnav.nesting import deeper_than, too_deep_message
from allnav.problems import InputError, Problem
from allnav.render.json_report import navigation_to_dict
from allnav.web import offload, openapi
from allnav.web.deps import state
from allnav.web.http import BadRequest, ProblemList, problems_response, read_json

router = APIRouter(tags=["JSON API"])
_PROBLEMS = openapi.schema_ref(ProblemList)
_UNKNOWN = {"type": "string", "enum": ["unknown"]}


def _field_schema(spec: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any]
    if spec.kind == "choice":
        out = {"type": "string", "enum": list(spec.choices)}
    elif spec.kind in ("number", "integer"):
        out = {"type": spec.kind, "minimum": spec.minimum, "maximum": spec.maximum}
    elif spec.kind == "boolean":
        out = {"type": "boolean"}
    elif spec.kind == "date":
        out = {"type": "string", "format": "date"}
    elif spec.kind == "choice-list":
        out = {"type": "array", "items": {"type": "string", "enum": list(spec.choices)}}
    else:
        out = {"type": "array", "items": {"type": "string", "pattern": "^[A-Z][0-9]{2,4}[A-Z*]$"}}
    return {"anyOf": [out, _UNKNOWN, {"type": "null"}], "description": spec.description}


def facts_schema() -> dict[str, Any]:
    """The JSON Schema of facts format v1, from the same table the reader uses."""
    props: dict[str, Any] = {
        "facts_format": {"type": "integer", "enum": [1]},
        "description": {"type": "string"},
    }
    symptoms: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        if name.startswith("symptoms."):
            symptoms[name.split(".", 1)[1]] = _field_schema(spec)
        else:
            props[name] = _field_schema(spec)
    props["symptoms"] = {"type": "object", "properties": symptoms, "additionalProperties": False}
    assert set(TOP_LEVEL_KEYS) <= set(props)
    return {"type": "object", "title": "Facts (format v1)", "properties": props,
            "additionalProperties": False}


_SENT = "(the value sent)"


def _input_at(data: object, loc: tuple[str | int, ...]) -> tuple[object, object]:
    """The key and the value at ``loc`` in the request (``(None, None)`` if not there)."""
    key: object = None
    for part in loc:
        if isinstance(data, dict) and part in data:
            key, data = part, data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            key, data = part, data[part]  # mypy needs the int check on its own
        else:
            return None, None
    return key, data


def _texts(value: object) -> set[str]:
    """How a message may show ``value``: as typed, quoted, as a number with separators."""
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return set().union(*(_texts(v) for v in items)) if items else set()
    if value is None or isinstance(value, bool):
        return set()
    texts = {str(value), repr(value)}
    if isinstance(value, int | float):
        texts |= {f"{value:,}", f"{value:,g}", f"{value:g}"}
    else:
        texts |= set(str(value).split())  # "38 degC": a message may name the unit alone
    return {t for t in texts if t.strip()}


def without_input(problem: Problem, data: object) -> Problem:
    """``problem`` with what the request sent replaced by "(the value sent)".

    The facts reader's messages quote the value for the person who typed it (the CLI, the
    web form's own page); an API answer goes to a program and may end up in its logs, and
    docs/cds-hooks.md promises that error bodies never echo input (issue 17). An unknown
    field's name is input too (it stays in ``loc``: a program needs to know which key).
    """
    key, value = _input_at(data, problem.loc)
    texts = _texts(value)
    if isinstance(key, str) and key not in FIELDS and key not in TOP_LEVEL_KEYS \
            and key.split(".")[-1] not in {n.split(".")[-1] for n in FIELDS}:
        texts.add(key)
    msg = problem.msg
    for text in sorted(texts, key=len, reverse=True):
        msg = re.sub(rf"(?<![\w.])(?<!\d,){re.escape(text)}(?![\w]|[.,]\d)", _SENT, msg)
    return replace(problem, msg=msg.replace(f"'{_SENT}'", _SENT))


@router.post(
    "/api/assess",
    summary="Assess a patient's facts",
    responses={
        200: openapi.json_response("The assessment with care and odds (docs/assessment-json.md)",
                                   {"type": "object"}),
        400: openapi.json_response("The body is not a JSON object", _PROBLEMS),
        413: openapi.json_response("The body is too large", _PROBLEMS),
        415: openapi.json_response("The body is not JSON", _PROBLEMS),
        422: openapi.json_response("The facts have problems", _PROBLEMS),
    },
    openapi_extra=openapi.json_body(facts_schema(), "Patient facts, format v1"),
)
async def assess_facts(request: Request) -> Response:
    st = state(request)
    data = await read_json(request)
    if deeper_than(data):  # facts are three levels deep; the reader must not recurse far
        raise BadRequest([Problem("nesting", (), too_deep_message("the body"))])
    if not isinstance(data, dict):
        raise BadRequest([Problem("type", (), "the facts must be a JSON object of field: "
                                  "value pairs (see docs/facts.md)")])
    today = st.settings.today()
    try:
        facts, warnings = read_facts(data, default_as_of=today)
    except InputError as e:
        return problems_response([without_input(p, data) for p in e.problems], 422)
    # The same document as `allnav assess --format json` (both call navigate()).
    nav = await offload.pages(navigate, st.knowledge, facts, facts.as_of or today, warnings)
    return JSONResponse(await offload.pages(navigation_to_dict, nav, st.knowledge))


@router.get("/healthz", summary="Health", tags=["Operations"],
            responses={200: openapi.json_response("Healthy", {"type": "object"}),
                       503: openapi.json_response("A part the service needs is failing",
                                                  {"type": "object"})})
async def healthz(request: Request) -> Response:
    """``ok``, or 503 naming what fails (so a load balancer stops sending CDS calls that
    would all get 401 while the JWT replay store is broken)."""
    failure = state(request).verifier.jti_cache.failure
    if failure is not None:
        return JSONResponse({"status": "failing", "problems": [
            f"the JWT replay store fails ({failure}): every CDS Hooks call is refused"]},
            status_code=503)
    return JSONResponse({"status": "ok"})

"""The CDS Hooks 2.0.1 service: discovery, the ``patient-view`` service, and feedback.

Each call is authenticated first (the EHR's signed JWT, see :mod:`allnav.web.jwt_auth`),
then its body is read and checked, the FHIR data gathered (:mod:`allnav.web.cds.prefetch`),
the patient's facts derived, the pathway assessed and the cards built
(:mod:`allnav.web.cds.cards`). Logs carry the issuer, ``jti`` and counts, never the token,
the FHIR access token, or anything about the patient.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from allnav.interop.fhir import facts_from_resources
from allnav.navigate import navigate
from allnav.problems import InputError, Problem
from allnav.web import offload, openapi
from allnav.web.cds.cards import assessment_cards
from allnav.web.cds.models import CdsRequest, CdsResponse, Discovery, Feedback
from allnav.web.cds.prefetch import (
    TEMPLATES,
    PreconditionFailed,
    WrongPatient,
    gather,
    mentions_all,
)
from allnav.web.deps import Unauthorized, endpoint_url, public_base, state
from allnav.web.http import BadRequest, ProblemList, json_response, parse_model, problems_response, read_json
from allnav.web.jwt_auth import AuthError, Caller

log = logging.getLogger("allnav.web.cds")
router = APIRouter(tags=["CDS Hooks"])

HOOK = "patient-view"
TITLE = "ALL Navigator: relapsed or refractory ALL"
DESCRIPTION = (
    "For adults with relapsed or refractory acute lymphoblastic leukemia: urgent problems "
    "(fever with possible neutropenia, bleeding), the options on the pathway with their "
    "evidence, the facts that would change them, and a palliative care referral. It "
    "supports decisions; it does not make them and does not dose drugs."
)
USAGE = ("Answers only for patients with a Condition recording acute lymphoblastic leukemia. "
         "Needs the patient, conditions and observations (prefetch or FHIR access).")

_PROBLEMS = openapi.schema_ref(ProblemList)
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: openapi.json_response("The body is not valid JSON or not a valid request", _PROBLEMS),
    401: {"description": "Missing or invalid JWT (no detail is given)"},
    404: openapi.json_response("No service with this id", _PROBLEMS),
    413: openapi.json_response("The body is too large", _PROBLEMS),
    415: openapi.json_response("The body is not JSON", _PROBLEMS),
}


async def authenticate(request: Request) -> Caller | None:
    """The verified caller; raises :class:`Unauthorized`. ``None`` in insecure demo mode."""
    st = state(request)
    if st.settings.insecure_demo:
        return None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        log.info("CDS call refused: no bearer token")
        raise Unauthorized()
    try:
        caller = await st.verifier.verify(token.strip(), endpoint_url(request, st.settings))
    except AuthError as e:
        log.info("CDS call refused: %s", e.reason)
        raise Unauthorized() from None
    return caller


def _who(caller: Caller | None) -> str:
    if caller is None:
        return "iss=(insecure demo)"
    return f"iss={caller.iss} jti={caller.jti}" + (f" tenant={caller.tenant}"
                                                    if caller.tenant else "")


def _check_service(request: Request, service_id: str) -> None:
    if service_id != state(request).settings.service_id:
        raise BadRequest([Problem("not_found", ("service_id",),
                                  f"no CDS service '{service_id}'; see /cds-services")], 404)


def discovery_document(service_id: str) -> dict[str, Any]:
    return {"services": [{
        "hook": HOOK, "title": TITLE, "description": DESCRIPTION, "id": service_id,
        "prefetch": dict(TEMPLATES), "usageRequirements": USAGE,
    }]}


@router.get(
    "/cds-services",
    summary="CDS Hooks discovery",
    responses={200: openapi.json_response("The services", openapi.schema_ref(Discovery)),
               401: _ERRORS[401]},
)
async def discovery(request: Request) -> Response:
    st = state(request)
    if not st.settings.public_discovery:
        await authenticate(request)
    return JSONResponse(discovery_document(st.settings.service_id))


@router.post(
    "/cds-services/{service_id}",
    summary="Call the patient-view service",
    responses={200: openapi.json_response("Cards", openapi.schema_ref(CdsResponse)),
               412: openapi.json_response("Required FHIR data could not be had", _PROBLEMS),
               422: openapi.json_response("The FHIR data cannot be used (e.g. two patients)", _PROBLEMS),
               **_ERRORS},
    openapi_extra=openapi.json_body(openapi.schema_ref(CdsRequest), "A CDS Hooks request"),
)
async def call_service(service_id: str, request: Request,
                       caller: Caller | None = Depends(authenticate)) -> Response:
    started = time.perf_counter()
    st = state(request)
    _check_service(request, service_id)
    req = parse_model(CdsRequest, await read_json(request))
    if req.hook != HOOK:
        raise BadRequest([Problem("hook", ("hook",),
                                  f"this service answers the '{HOOK}' hook only")])
    try:
        data = await gather(req, st.settings)
    except PreconditionFailed as e:
        log.info("CDS call %s: 412, missing %s", _who(caller), ", ".join(e.keys))
        return problems_response(
            [Problem("precondition", ("prefetch", k),
                     f"'{k}' was not prefetched and could not be fetched from the FHIR server")
             for k in e.keys], 412)
    except WrongPatient:
        raise BadRequest([Problem("patient", ("prefetch", "patient"),
                                  "the prefetched Patient is not context.patientId")]) from None
    cards: list[dict[str, Any]] = []
    if mentions_all(data.resources):
        as_of = st.settings.today()
        try:
            facts, problems = await offload.cds(facts_from_resources, data.resources, as_of,
                                                req.fhirServer)
        except InputError as e:
            raise BadRequest(e.problems, 422) from None
        nav = await offload.cds(navigate, st.knowledge, facts, as_of, problems)
        cards = await offload.cds(lambda: assessment_cards(
            nav.assessment, st.pathway, base_url=public_base(request, st.settings),
            patient_id=req.context.patientId, user_id=req.context.userId,
            encounter_id=req.context.encounterId, data_notes=data.notes,
        ))
    log.info("CDS call %s: %d resources (%d fetched keys), %d cards, %.1f ms", _who(caller),
             len(data.resources), len(data.fetched), len(cards),
             (time.perf_counter() - started) * 1000)
    return json_response({"cards": cards})  # cards hold text, never floats


@router.post(
    "/cds-services/{service_id}/feedback",
    summary="Feedback on cards",
    responses={200: {"description": "Feedback received"}, **_ERRORS},
    openapi_extra=openapi.json_body(openapi.schema_ref(Feedback), "CDS Hooks feedback"),
)
async def feedback(service_id: str, request: Request,
                   caller: Caller | None = Depends(authenticate)) -> Response:
    _check_service(request, service_id)
    body = parse_model(Feedback, await read_json(request))
    accepted = sum(1 for f in body.feedback if f.outcome == "accepted")
    # Comments may describe the patient: only the counts are logged.
    log.info("feedback %s: %d accepted, %d overridden", _who(caller), accepted,
             len(body.feedback) - accepted)
    return Response(status_code=200)

"""The web app: CDS Hooks service, JSON API and the web pages, in one FastAPI app.

``create_app(settings)`` loads the pathway once, builds the JWT verifier and
includes the routers. A new router is one ``app.include_router(...)`` line in
:data:`ROUTERS`' neighbourhood below.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

import allnav
from allnav.pathway import load_pathway
from allnav.problems import Problem
from allnav.web import api, cds_hooks, openapi, pages
from allnav.web.deps import AppState, Unauthorized
from allnav.web.http import (
    BadRequest,
    BodyLimitMiddleware,
    DemoHeaderMiddleware,
    SafeErrorsMiddleware,
    problems_response,
)
from allnav.web.jwt_auth import JwtVerifier
from allnav.web.settings import Settings

# httpx logs every request URL at INFO; FHIR query URLs carry the patient id.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)


async def _unauthorized(request: Request, exc: Exception) -> Response:
    return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})


async def _bad_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadRequest)
    return problems_response(exc.problems, exc.status)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [Problem(str(e.get("type", "invalid")),
                        tuple(p for p in e.get("loc", ()) if isinstance(p, str | int)),
                        str(e.get("msg", "invalid")))
                for e in exc.errors()]
    return problems_response(problems, 400)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 401:
        return await _unauthorized(request, exc)
    if pages.wants_html(request):
        return pages.error_page(request, exc.status_code)
    return problems_response([Problem("http", (), str(exc.detail))], exc.status_code,
                             headers=exc.headers)


def create_app(settings: Settings) -> FastAPI:
    """The app for ``settings``. Raises ``KnowledgeError`` when the pathway is invalid."""
    app = FastAPI(
        title="ALL Navigator",
        version=allnav.__version__,
        description="Decision support for adults with relapsed or refractory acute "
        "lymphoblastic leukemia: a CDS Hooks 2.0.1 service, a JSON API and the web decision "
        "aid (patient and clinician pages). It supports "
        "decisions; it does not make them, and it does not dose drugs.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.allnav = AppState(settings, load_pathway(settings.pathway_path),
                                JwtVerifier(settings))
    app.include_router(cds_hooks.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(pages.export_router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    app.add_exception_handler(Unauthorized, _unauthorized)
    app.add_exception_handler(BadRequest, _bad_request)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Added last = outermost: errors are caught around everything, the size limit
    # applies before any route reads the body.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.insecure_demo:
        app.add_middleware(DemoHeaderMiddleware)
    app.add_middleware(SafeErrorsMiddleware)
    openapi.install(app)
    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``allnav serve --workers N`` (a uvicorn factory)."""
    from allnav.web.settings import settings_from_environment

    return create_app(settings_from_environment())

"""The web app: CDS Hooks service, JSON API and the web pages, in one FastAPI app.

``create_app(settings)`` loads the pathway once, builds the JWT verifier and
includes the routers. A new router is one ``app.include_router(...)`` line in
:data:`ROUTERS`' neighbourhood below.
"""

from __future__ import annotations

import gc
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

import allnav
from allnav.navigate import load_knowledge
from allnav.problems import Problem
from allnav.web import api, openapi
from allnav.web.cds import hooks as cds_hooks
from allnav.web.deps import AppState, Unauthorized
from allnav.web.http import (
    BadRequest,
    BodyLimitMiddleware,
    DemoHeaderMiddleware,
    SafeErrorsMiddleware,
    problems_response,
)
from allnav.web.jwt_auth import JwtVerifier
from allnav.web.pages import routes as pages
from allnav.web.pdf import PdfQueue
from allnav.web.settings import Settings, check_serving

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


class ServiceFastPath:
    """``POST /cds-services/<service id>`` straight to the service, skipping the router.

    The call goes to the same functions as through the FastAPI route (``authenticate``, then
    ``call_service``) and its errors to the same handlers; what it skips is per-request routing
    and dependency solving, about 0.45 ms of the ~4.5 ms a card request costs (measured in
    process). Every other method, path or id, and any ``root_path``, goes through the app, and
    the route stays what OpenAPI describes.
    """

    def __init__(self, app: ASGIApp, service_id: str) -> None:
        self.app = app
        self.service_id = service_id
        self.path = f"/cds-services/{service_id}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path \
                or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        request = StarletteRequest(scope, receive, send)
        response: Response
        try:
            caller = await cds_hooks.authenticate(request)
            response = await cds_hooks.call_service(self.service_id, request, caller)
        except Unauthorized as e:
            response = await _unauthorized(request, e)
        except BadRequest as e:
            response = await _bad_request(request, e)
        await response(scope, receive, send)


def create_app(settings: Settings) -> FastAPI:
    """The app for ``settings``. Raises ``KnowledgeError`` when the pathway is invalid, and
    ``ConfigError`` when the settings cannot be served safely (issuers without ``base_url``)."""
    check_serving(settings)
    app = FastAPI(
        title="ALL Navigator",
        version=allnav.__version__,
        description="Decision support for adults with relapsed or refractory acute "
        "lymphoblastic leukemia: a CDS Hooks 2.0.1 service, a JSON API and the web decision "
        "aid (patient and clinician pages). It supports "
        "decisions; it does not make them, and it does not dose drugs.",
        # No /docs: FastAPI's Swagger UI page loads its script from a CDN at a floating
        # version without SRI (issue 17), and no package of it is at hand to serve locally.
        # /openapi.json describes the API for any viewer.
        docs_url=None,
        redoc_url=None,
    )
    app.state.allnav = AppState(settings, load_knowledge(settings.pathway_path),
                                JwtVerifier(settings), PdfQueue(settings.pdf_workers,
                                                                settings.pdf_queue))
    app.include_router(cds_hooks.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(pages.export_router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    app.add_exception_handler(Unauthorized, _unauthorized)
    app.add_exception_handler(BadRequest, _bad_request)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Added first = innermost: inside the size limit, the demo header and the error guard.
    app.add_middleware(ServiceFastPath, service_id=settings.service_id)
    # Added last = outermost: errors are caught around everything, the size limit
    # applies before any route reads the body.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.insecure_demo:
        app.add_middleware(DemoHeaderMiddleware)
    app.add_middleware(SafeErrorsMiddleware)
    openapi.install(app)
    return app


def configure_logging() -> None:
    """The app's own log lines (issuer, jti, counts; never tokens or patient data) to stderr."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")


def tune_gc_for_serving() -> None:
    """Garbage collector settings for a serving process; call once the app is built.

    A CDS Hooks request parses a prefetch of some 15,000 JSON objects that live until the
    answer is sent. With the default threshold (700 allocations) the collector runs about
    20 times during each parse, and as those objects survive it soon walks the whole heap
    (full collections of ~100,000 objects stall the request being served). They are freed by
    reference counting anyway (JSON has no cycles), so collections are made rarer (every
    50,000 net allocations), and what exists after start-up (modules, the pathway, the code
    list) is frozen out of them. Measured: parsing the benchmark's 131 KiB request 1.7 -> 0.8
    ms in process; one worker at 100 card requests/s, p99 latency 65-70 -> 10-16 ms.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``allnav serve --workers N`` (a uvicorn factory)."""
    from allnav.web.cpu_pinning import pin_from_environment
    from allnav.web.settings import settings_from_environment

    # A worker is a fresh interpreter where uvicorn configures only its own loggers: without
    # this, the app's lines (why a call was refused, counts) would be dropped.
    configure_logging()
    pin_from_environment()  # before the app is built, so its memory is on this worker's CPU
    app = create_app(settings_from_environment())
    tune_gc_for_serving()
    return app

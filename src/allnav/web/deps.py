"""What the routes share: the app state, the caller's URL, and the 401 exception."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from allnav.navigate import Knowledge
from allnav.pathway import Pathway
from allnav.web.jwt_auth import JwtVerifier
from allnav.web.pdf import PdfQueue
from allnav.web.settings import Settings


@dataclass(frozen=True)
class AppState:
    """Built once by ``create_app`` and kept on ``app.state.allnav``."""

    settings: Settings
    knowledge: Knowledge
    verifier: JwtVerifier
    pdf: PdfQueue

    @property
    def pathway(self) -> Pathway:
        return self.knowledge.pathway


def state(request: Request) -> AppState:
    found: AppState = request.app.state.allnav
    return found


class Unauthorized(Exception):
    """Answered 401 with no detail, as the CDS Hooks best practices ask."""


def _request_base(request: Request, settings: Settings) -> str:
    """The request's own base URL (from its ``Host`` header), for the insecure demo only.

    Anything else is refused: a caller chooses its ``Host`` and ``X-Forwarded-*`` headers,
    so an audience or a link built from them is the caller's (issue 17). ``create_app``
    refuses issuers without ``base_url``; this is the guard behind it.
    """
    if not settings.insecure_demo:
        raise Unauthorized()
    return str(request.base_url).rstrip("/")


def public_base(request: Request, settings: Settings) -> str:
    """The app's base URL as EHRs call it: ``server.base_url`` (see :func:`_request_base`)."""
    return settings.base_url or _request_base(request, settings)


def endpoint_url(request: Request, settings: Settings) -> str:
    """The exact URL of the endpoint called, without query: the JWT ``aud`` must equal it."""
    path = request.url.path
    root = str(request.scope.get("root_path") or "")
    if root and path.startswith(root):
        path = path[len(root):]
    return public_base(request, settings) + path

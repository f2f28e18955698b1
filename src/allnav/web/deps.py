"""What the routes share: the app state, the caller's URL, and the 401 exception."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from allnav.pathway import Pathway
from allnav.web.jwt_auth import JwtVerifier
from allnav.web.settings import Settings


@dataclass(frozen=True)
class AppState:
    """Built once by ``create_app`` and kept on ``app.state.allnav``."""

    settings: Settings
    pathway: Pathway
    verifier: JwtVerifier


def state(request: Request) -> AppState:
    found: AppState = request.app.state.allnav
    return found


class Unauthorized(Exception):
    """Answered 401 with no detail, as the CDS Hooks best practices ask."""


def public_base(request: Request, settings: Settings) -> str:
    """The app's base URL as callers see it: the configured one, else the request's."""
    if settings.base_url:
        return settings.base_url
    return str(request.base_url).rstrip("/")


def endpoint_url(request: Request, settings: Settings) -> str:
    """The exact URL of the endpoint called, without query: the JWT ``aud`` must equal it."""
    path = request.url.path
    root = str(request.scope.get("root_path") or "")
    if settings.base_url and root and path.startswith(root):
        path = path[len(root):]
    if settings.base_url:
        return settings.base_url + path
    return str(request.url.replace(query="", fragment=""))

"""HTTP plumbing shared by the routers: JSON bodies, problem responses, middleware.

Every error the app answers has the same body, ``{"problems": [{type, loc, path, msg}]}``,
and never echoes the input (it may be patient data). The middleware here limits the
request size (413), turns any unexpected exception into a bare 500 whose log line
carries no message (messages can hold data), and marks every response of the
insecure demo mode.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import pydantic_core
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from allnav.interop import fastjson
from allnav.nesting import too_deep_message
from allnav.problems import Loc, Problem

log = logging.getLogger("allnav.web")
M = TypeVar("M", bound=BaseModel)

DEMO_HEADER = "X-ALLNav-Insecure-Demo"
DEMO_WARNING = "JWT verification is OFF (--insecure-demo): never use with real patient data"


class BadRequest(Exception):
    """The request cannot be used; answered 400 (or ``status``) with ``problems``."""

    def __init__(self, problems: Sequence[Problem], status: int = 400) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = tuple(problems)
        self.status = status


def problems_response(problems: Iterable[Problem], status: int,
                      headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"problems": [p.as_dict() for p in problems]}, status_code=status,
                        headers=dict(headers or {}))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def json_response(content: Any, status: int = 200) -> Response:
    """A JSON response with the bytes ``JSONResponse`` would send, encoded by pydantic-core
    (about 10x faster). For content without floats: NaN would become ``null`` here, where
    ``JSONResponse`` refuses it."""
    return Response(pydantic_core.to_json(content), status_code=status,
                    media_type="application/json")


async def read_json(request: Request) -> Any:
    """The request body as JSON; :class:`BadRequest` naming what is wrong with it."""
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if ctype not in ("application/json", "application/fhir+json") and not ctype.endswith("+json"):
        raise BadRequest([Problem("content_type", (), "send the body as application/json")],
                         status=415)
    body = await request.body()
    if not body.strip():
        raise BadRequest([Problem("empty", (), "the request body is empty; send a JSON object")])
    try:
        # As json.loads, in half the time (a CDS Hooks prefetch is often over 100 kB).
        return fastjson.loads(body, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        where = f"line {e.lineno} column {e.colno}"
        raise BadRequest([Problem("json", (), f"the body is not valid JSON ({where}: {e.msg})")],
                         ) from None
    except UnicodeDecodeError:
        raise BadRequest([Problem("json", (), "the body is not UTF-8 text")]) from None
    except ValueError as e:
        raise BadRequest([Problem("json", (), f"the body is not valid JSON ({e})")]) from None
    except RecursionError:
        raise BadRequest([Problem("nesting", (), too_deep_message("the body"))]) from None


def validation_problems(e: ValidationError, prefix: Loc = ()) -> list[Problem]:
    """pydantic errors as :class:`Problem` (without the offending input values)."""
    out = []
    for err in e.errors(include_input=False, include_url=False):
        loc: Loc = (*prefix, *(p for p in err["loc"] if isinstance(p, str | int)))
        out.append(Problem(err["type"], loc, err["msg"]))
    return out


def parse_model(model: type[M], data: object) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise BadRequest(validation_problems(e)) from None
    except RecursionError:
        raise BadRequest([Problem("nesting", (), too_deep_message("the body"))]) from None


class _TooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Answers 413 when the body is larger than ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Built only when needed (not for every request).
        response = problems_response(
            [Problem("too_large", (), f"the request body is larger than {self.max_bytes} bytes")],
            413)
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = self._too_large
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await too_large(scope, receive, send)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await too_large(scope, receive, send)


class SafeErrorsMiddleware:
    """Any unexpected exception becomes a 500 with no detail; the log gets the exception
    type and the stack (file, line, function), never the message, which may hold data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as e:  # the last line of defence: log safely, answer 500
            stack = "".join(traceback.format_tb(e.__traceback__))
            log.error("unhandled %s on %s %s\n%s", type(e).__name__, scope.get("method"),
                      scope.get("path"), stack)
            if not started:
                response: Response = problems_response(
                    [Problem("internal", (), "internal error; it has been logged")], 500)
                await response(scope, receive, send)


class DemoHeaderMiddleware:
    """Marks every response of the insecure demo mode."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((DEMO_HEADER.lower().encode(), DEMO_WARNING.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, marked if scope["type"] == "http" else send)


class ProblemOut(BaseModel):
    type: str
    loc: list[str | int]
    path: str
    msg: str
    severity: str = "error"


class ProblemList(BaseModel):
    """Every error response of the app: what is wrong and where."""

    problems: list[ProblemOut]

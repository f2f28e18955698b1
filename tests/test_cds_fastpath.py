"""``POST /cds-services/<id>`` is answered by ``ServiceFastPath`` (straight to the service);
the same request through the FastAPI route gets the same answer.

The route is reached here with a ``root_path`` (as behind a proxy that strips a prefix), which
the fast path leaves to the router. With ``base_url`` set, the JWT audience and the card links
do not depend on the path prefix, so the two answers must be equal apart from card uuids.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import JSONResponse

from allnav.web.app import ServiceFastPath, create_app
from allnav.web.http import json_response

from .ehr_harness import BASE, SERVICE_PATH, Ehr, full_prefetch, hook_request, patient

PREFIX = "/behind-proxy"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def ehr() -> Ehr:
    return Ehr()


@pytest.fixture(scope="module")
def app(ehr: Ehr) -> FastAPI:
    return create_app(ehr.settings(base_url=BASE))


def post(app: FastAPI, root_path: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, root_path=root_path)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            return await client.post(root_path + SERVICE_PATH, content=content, headers=headers)

    return asyncio.run(go())


def answer(r: httpx.Response) -> tuple[int, dict[str, str], str]:
    kept = {k: v for k, v in r.headers.items() if k in ("content-type", "www-authenticate")}
    return r.status_code, kept, UUID.sub("<uuid>", r.text)


def both(app: FastAPI, ehr: Ehr, body: Any, *, token: str | None = "sign",
         content_type: str = "application/json") -> tuple[tuple[int, dict[str, str], str], ...]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    out = []
    for root_path in ("", PREFIX):
        headers = {"Content-Type": content_type}
        if token == "sign":  # a fresh token each time: the second call is not a replay
            headers["Authorization"] = f"Bearer {ehr.token(BASE + SERVICE_PATH)}"
        elif token is not None:
            headers["Authorization"] = token
        out.append(answer(post(app, root_path, content, headers)))
    return tuple(out)


CASES: dict[str, dict[str, Any]] = {
    "cards": {"body": hook_request(full_prefetch(40))},
    "no cards": {"body": hook_request({**full_prefetch(5), "conditions": None})},
    "no token": {"body": hook_request(full_prefetch(5)), "token": None},
    "not a bearer token": {"body": hook_request(full_prefetch(5)), "token": "Basic abc"},
    "not json": {"body": b"{not json"},
    "not an object": {"body": b"[1, 2]"},
    "wrong hook": {"body": hook_request(full_prefetch(5), hook="order-sign")},
    "wrong shape": {"body": {"hook": "patient-view"}},
    "412": {"body": hook_request({"patient": patient()})},
    "another patient": {"body": hook_request({**full_prefetch(5),
                                              "patient": {**patient(), "id": "someone-else"}})},
    "415": {"body": hook_request(full_prefetch(5)), "content_type": "text/plain"},
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_fast_path_answers_as_the_route_does(app: FastAPI, ehr: Ehr, case: str) -> None:
    fast, routed = both(app, ehr, **CASES[case])
    assert fast == routed


def test_the_fast_path_is_taken_only_for_a_post_to_the_service(ehr: Ehr) -> None:
    """Anything else reaches the inner app untouched."""
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(f"{scope['method']} {scope['path']} {scope.get('root_path', '')}")

    fast = ServiceFastPath(inner, "allnav-rr-all")
    for method, path, root in (("GET", SERVICE_PATH, ""), ("POST", SERVICE_PATH + "/feedback", ""),
                               ("POST", "/cds-services/other", ""), ("POST", SERVICE_PATH + "/", ""),
                               ("POST", PREFIX + SERVICE_PATH, PREFIX)):
        scope = {"type": "http", "method": method, "path": path, "root_path": root}
        asyncio.run(fast(scope, None, None))  # type: ignore[arg-type]
    assert len(seen) == 5


def test_cards_are_encoded_byte_for_byte_as_json_response_would(app: FastAPI, ehr: Ehr) -> None:
    r = post(app, "", json.dumps(hook_request(full_prefetch(40))).encode(),
             {"Authorization": f"Bearer {ehr.token(BASE + SERVICE_PATH)}",
              "Content-Type": "application/json"})
    cards = r.json()
    assert cards["cards"]
    ours, theirs = json_response(cards), JSONResponse(cards)
    assert ours.body == theirs.body == r.content
    assert ours.headers["content-type"] == theirs.headers["content-type"]

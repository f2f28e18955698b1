"""PDF rendering never runs on the event loop; a full PDF queue answers 503 (issue 17, item 3).

These tests check order and status, not time: while PDFs render, ``/healthz`` and a CDS call
finish first; with more PDF requests than the queue holds, the rest get 503 + Retry-After.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI

from allnav.web.app import create_app
from allnav.web.pages.forms import facts_to_pairs

from ..conftest import example_facts
from ..ehr_harness import BASE, SERVICE_PATH, Ehr, full_prefetch, hook_request

FORM = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
ANSWERS = urlencode(facts_to_pairs(example_facts("first-relapse-cd19-positive")))


async def _race(app: FastAPI, n_pdf: int, others: dict[str, tuple[str, str, dict[str, str], str]],
                ) -> tuple[list[str], dict[str, httpx.Response]]:
    """Start ``n_pdf`` PDF requests, then the ``others``; the names in order of completion."""
    done: list[str] = []
    answers: dict[str, httpx.Response] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE, timeout=120) as client:
        async def one(name: str, method: str, path: str, headers: dict[str, str], body: str) -> None:
            answers[name] = await client.request(method, path, headers=headers, content=body)
            done.append(name)

        tasks = [asyncio.create_task(one(f"pdf{i}", "POST", "/summary.pdf", FORM, ANSWERS))
                 for i in range(n_pdf)]
        await asyncio.sleep(0.2)  # the PDF requests are in (on the old code: rendering)
        tasks += [asyncio.create_task(one(name, *req)) for name, req in others.items()]
        await asyncio.gather(*tasks)
    return done, answers


def test_healthz_and_cds_cards_are_not_held_by_pdfs() -> None:
    ehr = Ehr()
    app = create_app(ehr.settings(pdf_workers=1, pdf_queue=8))
    card_call = hook_request(full_prefetch(3))
    others = {
        "healthz": ("GET", "/healthz", {}, ""),
        "cds": ("POST", SERVICE_PATH, {"authorization": f"Bearer {ehr.token(BASE + SERVICE_PATH)}",
                                       "content-type": "application/json"}, json.dumps(card_call)),
    }
    done, answers = asyncio.run(_race(app, 2, others))  # both taken by the renderer at once
    assert set(done[:2]) == {"healthz", "cds"}, done  # before any PDF was finished
    assert answers["cds"].status_code == 200 and answers["cds"].json()["cards"]
    for i in range(2):
        assert answers[f"pdf{i}"].status_code == 200
        assert answers[f"pdf{i}"].content.startswith(b"%PDF-")


def test_a_full_pdf_queue_answers_503_with_retry_after_at_once() -> None:
    app = create_app(Ehr().settings(pdf_workers=1, pdf_queue=1))
    done, answers = asyncio.run(_race(app, 5, {}))
    statuses = sorted(answers[n].status_code for n in answers)
    assert statuses == [200, 200, 503, 503, 503]
    busy = [answers[n] for n in answers if answers[n].status_code == 503]
    assert all(r.headers["retry-after"] == "5" for r in busy)
    assert all("try again" in r.text for r in busy)
    # The refused ones were answered first: they waited for nothing.
    assert {answers[n].status_code for n in done[:3]} == {503}


def test_a_pdf_not_started_in_time_is_withdrawn_with_503() -> None:
    """A queued PDF that no renderer has taken within ``start_within`` is answered 503, not
    kept waiting (the soak saw admitted PDFs wait 73 s on a saturated machine). With no time
    allowed, the jobs beyond the renderer's pipe (one rendering, one next) are withdrawn;
    with time allowed, the same six all render."""
    from allnav.web.pdf import PdfBusy, PdfQueue

    html = '<html lang="en"><body><p>x</p></body></html>'

    async def six(queue: PdfQueue) -> list[object]:
        out = list(await asyncio.gather(*(queue.render(html) for _ in range(6)),
                                        return_exceptions=True))
        await asyncio.sleep(0.2)  # the withdrawn jobs' callbacks free their places
        return out  # type: ignore[return-value]

    hurried = PdfQueue(workers=1, waiting=10, start_within=0.0)
    outcomes = asyncio.run(six(hurried))
    assert all(isinstance(o, bytes | PdfBusy) for o in outcomes), outcomes
    assert sum(isinstance(o, PdfBusy) for o in outcomes) >= 6 - 2
    assert all(o.startswith(b"%PDF-") for o in outcomes if isinstance(o, bytes))
    assert hurried.in_flight == 0

    patient = PdfQueue(workers=1, waiting=10, start_within=60.0)
    assert all(isinstance(o, bytes) for o in asyncio.run(six(patient)))


# --- Page rendering and CDS evaluation off the loop (allnav.web.offload) -----------------

def _big_bundle_answers(n_history: int) -> str:
    """The clinician form with a pasted FHIR Bundle long enough that reading and assessing
    it takes a few hundred milliseconds of CPU: a slow page, with nothing faked."""
    from ..ehr_harness import conditions, medications, observations, patient, procedures

    resources = [patient(), *conditions(), *observations(n_history), *medications(),
                 *procedures()]
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in resources]}
    return urlencode({"facts_text": json.dumps(bundle)})


async def _while_pages_render(app: FastAPI, ehr: Ehr, n_pages: int) -> dict[str, float | bool]:
    big = _big_bundle_answers(1500)
    card_call = json.dumps(hook_request(full_prefetch(3)))
    cds_headers = {"authorization": f"Bearer {ehr.token(BASE + SERVICE_PATH)}",
                   "content-type": "application/json"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE, timeout=120) as client:
        async def timed(method: str, path: str, headers: dict[str, str], body: str
                        ) -> tuple[float, httpx.Response]:
            t = time.perf_counter()
            r = await client.request(method, path, headers=headers, content=body)
            return time.perf_counter() - t, r

        idle = sorted([(await timed("GET", "/healthz", {}, ""))[0] for _ in range(5)])[2]
        one_page, alone = await timed("POST", "/clinician", FORM, big)
        assert alone.status_code == 200 and "Clinician view" in alone.text
        pages = [asyncio.create_task(timed("POST", "/clinician", FORM, big))
                 for _ in range(n_pages)]
        # Asked just after the pages: on the loop, each page's work ran before their turn.
        health_call = asyncio.create_task(timed("GET", "/healthz", {}, ""))
        cds_call = asyncio.create_task(timed("POST", SERVICE_PATH, cds_headers, card_call))
        (loaded, health), (_, cds) = await health_call, await cds_call
        cds_before_pages = not all(p.done() for p in pages)
        answers = await asyncio.gather(*pages)
    assert health.status_code == 200
    assert cds.status_code == 200 and cds.json()["cards"]
    assert all(r.status_code == 200 for _, r in answers)
    return {"idle": idle, "one_page": one_page, "loaded": loaded,
            "cds_before_pages": cds_before_pages}


def test_healthz_and_cds_answer_while_slow_pages_render() -> None:
    """Assessment and Jinja rendering run in worker threads (``offload.pages``), so while six
    slow pages are in flight ``/healthz`` takes a small part of one page's time (measured
    alone in this test), where on the loop it waited for the pages, and a CDS call (its own
    limiter, ``offload.cds``) is answered before the pages are all done."""
    ehr = Ehr()
    got = asyncio.run(_while_pages_render(create_app(ehr.settings()), ehr, 6))
    assert got["loaded"] < got["one_page"] / 3, got
    assert got["cds_before_pages"], got


def test_cds_cards_are_answered_while_the_pdf_queue_is_full() -> None:
    ehr = Ehr()
    app = create_app(ehr.settings(pdf_workers=1, pdf_queue=1))
    others = {"cds": ("POST", SERVICE_PATH, {"authorization": f"Bearer {ehr.token(BASE + SERVICE_PATH)}",
                                             "content-type": "application/json"},
                      json.dumps(hook_request(full_prefetch(3))))}
    done, answers = asyncio.run(_race(app, 5, others))
    assert sorted(answers[f"pdf{i}"].status_code for i in range(5)) == [200, 200, 503, 503, 503]
    assert answers["cds"].status_code == 200 and answers["cds"].json()["cards"]
    pdfs_done = [n for n in done if n.startswith("pdf") and answers[n].status_code == 200]
    assert done.index("cds") < done.index(pdfs_done[-1]), done  # not behind the PDF queue

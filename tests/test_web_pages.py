"""The web pages, through the app: what each page says, that answers never leave the POST body
(not in URLs, links or logs), friendly errors without tracebacks, the clinician view's trace
and anchors, JSON export and the OpenAPI document."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request

from allnav.pathway import OPTION_IDS, Pathway
from allnav.web.app import create_app
from allnav.web.pages import routes as pages
from allnav.web.pages.forms import facts_to_pairs
from allnav.web.settings import Settings
from tests.support.readability import measure, page_text

from .conftest import AS_OF, ROOT, example_facts

HTML = {"accept": "text/html"}
FORM = {"content-type": "application/x-www-form-urlencoded", **HTML}
PATIENT_PAGES = ["/", "/start", "/topics", "/glossary", "/when-to-call", "/when-to-call/hospice", "/fever", "/about",
                 "/topics/does-not-respond-or-comes-back", "/topics/thinking-about-the-odds",
                 "/topics/palliative-treatment", "/topics/when-treatment-stops-working",
                 "/examples/first-relapse-cd19-positive", "/examples/febrile-neutropenia",
                 "/examples/comfort-goals", "/examples/unknown-markers"]
DECIDES = "it supports decisions; it does not make them, and it does not dose drugs"
#: Answers distinctive enough to find anywhere they leak.
SECRET_ANSWERS = [("age_years", "73.25"), ("symptoms.systolic_bp_mmhg", "117.5"),
                  ("abl1_mutations", "Y253H"), ("first_remission_months", "17.75")]


class Browserless:
    """Requests to the app in process (httpx's ASGI transport, as tests/ehr_harness.py does)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, path: str, *, headers: Mapping[str, str] | None = None,
                content: bytes | str | None = None) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.request(method, path, headers=dict(headers or {}), content=content)

        return asyncio.run(go())

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return self.request("GET", path, headers=headers)


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(today=lambda: AS_OF))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Browserless:
    return Browserless(app)


def post(client: Browserless, path: str, pairs: list[tuple[str, str]]) -> httpx.Response:
    return client.request("POST", path, content=urlencode(pairs), headers=FORM)


@pytest.mark.parametrize("path", [*PATIENT_PAGES, "/clinician", "/examples/febrile-neutropenia/clinician"])
def test_every_page_says_it_supports_decisions_and_keeps_nothing(client: Browserless, path: str) -> None:
    r = client.get(path, headers=HTML)
    assert r.status_code == 200
    text = r.text.lower()
    assert DECIDES in text
    assert "nothing you enter is stored" in text
    assert '<html lang="en">' in r.text and 'href="#main"' in r.text
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    # Nothing is loaded from elsewhere: no CDN, no fonts, no analytics.
    # An external script or stylesheet (a link to a JSON record such as an FDA label is not one).
    assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css)(["?#])', r.text)


def test_patient_pages_read_at_grade_8_or_below(client: Browserless) -> None:
    grades = {}
    for path in PATIENT_PAGES:
        blocks = [b for b in page_text(client.get(path, headers=HTML).text)
                  if b.rstrip()[-1:] in ".?!" and len(b.split()) >= 4]  # prose sentences only
        grades[path] = measure(blocks).grade
    mean = sum(grades.values()) / len(grades)
    assert mean <= 8.0, grades
    assert max(grades.values()) <= 9.0, grades


def test_results_are_grouped_the_way_people_think(client: Browserless) -> None:
    html = client.get("/examples/first-relapse-cd19-positive", headers=HTML).text
    heads = re.findall(r'<h2 id="group-[^"]+-title">([^<]+)</h2>', html)
    # Comfort is never last: it must not be what people reach only after every treatment.
    assert heads == ["Treatments aimed at another remission", "A stem cell transplant",
                     "Comfort and symptom relief", "Clinical trials"]
    card = html[html.index('id="opt-blinatumomab"'):html.index('id="opt-inotuzumab-ozogamicin"')]
    for part in ("What it is", "What it involves", "The chance it helps", "The risks and side effects",
                 "What would change the answer"):
        assert f"<h4>{part}</h4>" in card
    assert card.count('role="img"') >= 2  # icon arrays for a benefit and a harm
    assert "about 34 in 100 people given blinatumomab went into complete remission" in card
    assert "last resort" not in html.lower()
    assert "What matters most to you" in html and "Questions to ask your care team" in html
    assert "Call your care team now" not in html  # no emergency for this patient


def test_comfort_care_is_always_there_even_when_nothing_is_known(client: Browserless) -> None:
    r = post(client, "/results", [])
    assert r.status_code == 200
    comfort = r.text[r.text.index('id="group-comfort-and-support"'):]
    assert 'id="opt-palliative-care"' in comfort
    assert "at the same time as any treatment" in comfort


def test_an_emergency_puts_the_banner_at_the_top_of_every_page_made_from_the_answers(
        client: Browserless) -> None:
    pairs = facts_to_pairs(example_facts("febrile-neutropenia"))
    for r in (client.get("/examples/febrile-neutropenia", headers=HTML), post(client, "/results", pairs),
              post(client, "/summary", pairs), post(client, "/clinician", pairs)):
        assert r.status_code == 200
        body = r.text
        banner = body.index('class="urgent"')
        assert banner < body.index("<header") < body.index("<main")
        assert "Call your care team now, or go to the emergency department" in body
        assert "fever" in body[banner:body.index("<header")].lower()


def test_forms_post_and_answers_never_go_into_a_url(client: Browserless) -> None:
    pairs = facts_to_pairs(example_facts("first-relapse-cd19-positive")) + SECRET_ANSWERS
    for path in ("/start", "/results", "/summary", "/clinician"):
        html = post(client, path, pairs).text
        assert not re.search(r'<form(?![^>]*method="post")', html), path
        for _, value in SECRET_ANSWERS:
            for href in re.findall(r'(?:href|action|src)="([^"]*)"', html):
                assert value not in href


def test_no_answer_reaches_the_logs(client: Browserless, caplog: pytest.LogCaptureFixture) -> None:
    pairs = facts_to_pairs(example_facts("febrile-neutropenia")) + SECRET_ANSWERS
    with caplog.at_level(logging.DEBUG):
        for path in ("/results", "/summary", "/clinician", "/clinician/export.json", "/summary.pdf"):
            assert post(client, path, pairs).status_code == 200
        post(client, "/results", [*pairs, ("ecog", "9")])
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    for _, value in SECRET_ANSWERS:
        assert value not in logged


def test_bad_answers_come_back_next_to_their_field(client: Browserless) -> None:
    r = post(client, "/results", [("disease_status", "relapsed"), ("symptoms.temperature_c", "3.8"),
                                  ("ecog", "9")])
    assert r.status_code == 422
    html = r.text
    assert "Please check your answers" in html
    field = html[html.index('id="f-symptoms-temperature-c-field"'):]
    field = field[:field.index('</div>\n<div class="field')]
    assert 'id="f-symptoms-temperature-c-error"' in field and "from 30 to 44 °C" in field
    assert re.search(r'<input[^>]*id="f-symptoms-temperature-c"[^>]*aria-invalid="true"', field)
    assert 'aria-describedby="f-symptoms-temperature-c-hint f-symptoms-temperature-c-error"' in field
    assert 'value="3.8"' in field  # the answer is kept for correcting
    assert 'href="#f-ecog-field"' in html  # the error summary links to the field
    assert re.search(r'id="f-disease-status-1" name="disease_status" value="relapsed" checked', html)


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), [
    ("GET", "/no-such-page", {}, 404),
    ("GET", "/examples/nobody", {}, 404),
    ("GET", "/topics/nothing", {}, 404),
    ("POST", "/results", {"content": b"--x\r\nbroken", "headers": {
        "content-type": "multipart/form-data", **HTML}}, 400),
    ("POST", "/results", {"content": b"\xff\xfe\x00bad=%ZZ&&=", "headers": FORM}, 200),
    ("PUT", "/results", {}, 405),
    ("POST", "/summary", {"content": b"ecog=9", "headers": FORM}, 400),
])
def test_broken_requests_get_a_plain_page_never_a_traceback(
        client: Browserless, method: str, path: str, kwargs: dict[str, object], status: int) -> None:
    headers = kwargs.pop("headers", HTML)
    r = client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert "Traceback" not in r.text and 'File "' not in r.text
    assert DECIDES in r.text.lower()


def test_a_crash_is_a_plain_500_page_and_a_log_line_without_data(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(today=lambda: AS_OF))

    async def crash(request: Request) -> None:
        form = await request.form()
        raise RuntimeError(f"boom with {form['secret']}")

    extra = APIRouter(route_class=pages.PageRoute)  # the page routes' own error handling
    extra.post("/test-only-crash")(crash)
    app.include_router(extra)
    with caplog.at_level(logging.DEBUG):
        r = Browserless(app).request("POST", "/test-only-crash", content="secret=Q7Z-PATIENT",
                                    headers=FORM)
    assert r.status_code == 500
    assert "Something went wrong on our side" in r.text and "Traceback" not in r.text
    assert "Q7Z-PATIENT" not in r.text
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "allnav.web"]
    assert any("unhandled RuntimeError on POST /test-only-crash" in line for line in lines)
    assert not any("Q7Z-PATIENT" in rec.getMessage() for rec in caplog.records)


def test_the_clinician_view_shows_every_reason_and_source(client: Browserless, pathway: Pathway) -> None:
    html = client.get("/examples/ph-positive-t315i/clinician", headers=HTML).text
    for oid in OPTION_IDS:
        assert f'id="opt-{oid}"' in html
    section = html[html.index('id="opt-tki-based-therapy"'):]
    section = section[:section.index("</section>")]
    assert "crit.ph_positive" in section and "<code>ph_status</code>=positive" in section
    assert "Criteria trace" in section
    for ev in pathway.option("tki-based-therapy").evidence:
        item = pathway.evidence[ev]
        assert item.id in section and item.url.replace("&", "&amp;") in section
    assert "Population" in html and "n=" in html
    assert "Missing facts" in html and "Export JSON" in html


def test_the_clinician_start_page_anchors_every_option_for_cds_hooks_links(client: Browserless) -> None:
    html = client.get("/clinician", headers=HTML).text
    for oid in OPTION_IDS:
        assert f'id="opt-{oid}"' in html


def test_pasted_fhir_bundle_shows_where_each_fact_came_from(client: Browserless) -> None:
    bundle = (ROOT / "tests/data/fhir/adult-relapsed-cd19-b-all.bundle.json").read_text(encoding="utf-8")
    r = post(client, "/clinician", [("facts_text", bundle)])
    assert r.status_code == 200
    facts_table = r.text[r.text.index('<table class="facts">'):]
    facts_table = facts_table[:facts_table.index("</table>")]
    assert "<code>cd19</code>" in facts_table
    assert "Observation/" in facts_table or "Condition/" in facts_table
    bad = post(client, "/clinician", [("facts_text", '{"cd19_staus": "positive"}')])
    assert bad.status_code == 422
    assert "did you mean &#39;cd19&#39;?" in bad.text or "did you mean 'cd19'?" in bad.text


def test_json_export_is_the_assessment_with_care_and_odds(client: Browserless) -> None:
    pairs = facts_to_pairs(example_facts("first-relapse-cd19-positive"))
    r = post(client, "/clinician/export.json", pairs)
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment")
    data = json.loads(r.text)
    assert data["format"] == "allnav.assessment/1"
    assert {"care", "odds", "options", "missing_facts"} <= set(data)
    blin = next(o for o in data["odds"]["options"] if o["id"] == "blinatumomab")
    assert blin["benefits"] and blin["harms"]
    # The same document as the JSON API's for the same facts (one navigate(), one writer).
    facts = example_facts("first-relapse-cd19-positive")
    api = client.request("POST", "/api/assess", content=json.dumps(
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in facts.known().items()
         if k != "as_of"}), headers={"content-type": "application/json"})
    assert api.status_code == 200, api.text
    assert api.json()["options"] == data["options"] and api.json()["odds"] == data["odds"]
    bad = post(client, "/clinician/export.json", [("ecog", "9")])
    assert bad.status_code == 422 and bad.json()["problems"][0]["path"] == "ecog"


def test_openapi_still_describes_the_json_endpoints(client: Browserless) -> None:
    doc = client.get("/openapi.json").json()
    assert "/api/assess" in doc["paths"]
    export = doc["paths"]["/clinician/export.json"]["post"]
    assert "application/x-www-form-urlencoded" in export["requestBody"]["content"]
    assert "/results" not in doc["paths"]  # HTML pages are not part of the API


def test_static_files_and_the_text_size_script(client: Browserless) -> None:
    for name in ("site.css", "print.css", "textsize.js"):
        assert client.get(f"/static/{name}").status_code == 200
    js = client.get("/static/textsize.js").text
    assert "localStorage" in js and "text-" in js
    assert not re.search(r"fetch\(|XMLHttpRequest|https?://", js)


def test_cds_hooks_still_answers_401_without_configured_issuers(client: Browserless) -> None:
    assert client.get("/cds-services").status_code == 401


def test_examples_are_one_click_away(client: Browserless) -> None:
    html = client.get("/", headers=HTML).text
    names = sorted(p.stem for p in (ROOT / "examples" / "patients").glob("*.yaml"))
    for name in names:
        assert f'href="/examples/{name}"' in html
    assert Path(pages.__file__).parent.joinpath("templates").is_dir()


# --- emergencies first, whatever else is wrong -------------------------------------------

def _banner_first(html: str) -> str:
    """The emergency banner, which must come before the page's own content."""
    assert '<aside class="urgent"' in html
    assert html.index('<aside class="urgent"') < html.index('<main id="main"')
    return html[html.index('<aside class="urgent"'):html.index("</aside>")]


@pytest.mark.parametrize("typo", [("symptoms.anc_per_ul", "0.5"), ("ecog", "9"),
                                  ("symptoms.counts_date", "yesterday"),
                                  ("relapse_count", "two")])
def test_a_fever_shows_the_banner_on_the_fix_your_answers_page(client: Browserless,
                                                               typo: tuple[str, str]) -> None:
    r = post(client, "/results", [("symptoms.temperature_c", "38.5"), ("disease_status", "relapsed"),
                                  typo])
    assert r.status_code == 422
    assert "Please check your answers" in r.text
    banner = _banner_first(r.text)
    assert "Call your care team now, or go to the emergency department." in banner


def test_no_banner_on_the_fix_page_without_an_emergency(client: Browserless) -> None:
    r = post(client, "/results", [("symptoms.temperature_c", "36.8"), ("symptoms.anc_per_ul", "0.5")])
    assert r.status_code == 422 and '<aside class="urgent"' not in r.text


def test_a_fever_in_fahrenheit_is_seen_even_when_another_answer_is_wrong(client: Browserless) -> None:
    r = post(client, "/results", [("symptoms.temperature_c", "101.3"), ("symptoms.temperature_c.unit", "[degF]"),
                                  ("symptoms.platelets_per_ul", "abc")])
    assert r.status_code == 422
    assert "emergency department" in _banner_first(r.text)


def test_one_tap_fever_entry_from_home_and_form(client: Browserless) -> None:
    for path in ("/", "/start"):
        html = client.get(path, HTML).text
        assert '<a class="button button-urgent" href="/fever">I have a fever now</a>' in html
        assert html.index('href="/fever"') < html.index("<h1")  # before anything else on the page
    r = client.get("/fever", HTML)
    assert r.status_code == 200
    banner = _banner_first(r.text)
    assert "Call your care team now, or go to the emergency department." in banner
    assert "What to tell them" in r.text


def test_the_fever_question_comes_first_in_the_form(client: Browserless) -> None:
    html = client.get("/start", HTML).text
    order = [html.index(f'name="{name}"') for name in (
        "symptoms.temperature_c", "symptoms.neurologic_changes", "days_since_car_t_infusion",
        "disease_status")]
    assert order == sorted(order)


def test_hospice_patients_see_the_hospice_team_first_on_the_page(client: Browserless) -> None:
    r = post(client, "/results", [("in_hospice", "yes"), ("goals", "comfort"), ("symptoms.bleeding", "yes")])
    assert r.status_code == 200
    banner = _banner_first(r.text)
    assert "Call your hospice team now" in banner and "911" in banner
    assert "Call your care team now, or go to the emergency department" not in banner

"""The web decision aid: patient pages, the clinician view, topic pages, print and PDF.

Server-rendered HTML (Jinja2) that works without JavaScript. Privacy by design:

- answers travel only in POST bodies (never in URLs), and each page that needs them
  carries them on in hidden fields: no accounts, no server-side sessions, no storage;
- nothing here logs a request's content; an unexpected error is logged as its type and
  stack only (no message, which could hold an answer) and the person sees a plain page;
- every page says that the tool supports decisions, does not make them and does not
  dose drugs.

The routes use :class:`PageRoute`, which turns any error into a friendly HTML page and
adds the privacy headers (``Cache-Control: no-store``, a strict CSP, no referrer).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

from allnav.care.model import LEVEL_WORDS
from allnav.care.report import (
    LEVEL_LABELS,
    alert_patient_text,
    call_title,
    cannot_reach,
    mascc_lines,
    sources_text,
)
from allnav.facts import FIELDS, Facts
from allnav.facts_reader import parse_text, read_facts
from allnav.glossary import Glossary, load_glossary
from allnav.interop.fhir import read_fhir_input
from allnav.navigate import Knowledge
from allnav.pathway import CATEGORIES, Pathway
from allnav.problems import InputError, Problem
from allnav.render import DISCLAIMER
from allnav.render.json_report import jsonable, navigation_to_dict
from allnav.topics import Topics, load_topics
from allnav.web import offload, openapi
from allnav.web.deps import state
from allnav.web.pages import patient_words
from allnav.web.pages.forms import (
    SECTIONS,
    FormResult,
    Pairs,
    answers_in_words,
    facts_to_pairs,
    known_pairs,
    pairs_to_form,
    read_form,
)
from allnav.web.pages.glance import build_glance, short_title
from allnav.web.pages.saved import read_saved, saved_file
from allnav.web.pages.trials_view import DISTANCES, trials_section
from allnav.web.pages.view import SHORT_STATUS, STATUS_WORDS, Report, Urgent, build_report
from allnav.web.pdf import PdfBusy

log = logging.getLogger("allnav.web")

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Response headers of every page: nothing cached on disk, nothing loaded from elsewhere.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
PRIVACY_NOTE = ("Nothing you enter is stored on our side. Your answers make the page you see, "
                "then they are forgotten. They are not written to any log. Your browser keeps them "
                "in this tab until you close it, so Back and reload work.")
TALK_NOTE = ("Talk with your care team about these options. They know your whole situation, and "
             "they can answer your questions.")
VALUE_CHOICES = (("a-lot", "Matters a lot"), ("some", "Matters some"),
                 ("a-little", "Matters a little"), ("not-sure", "Not sure"))
#: Longest pasted facts text the clinician form takes (the app's body limit applies too).
MAX_FACTS_TEXT = 2_000_000


def _examples_dir() -> Path | None:
    """The example patients: packaged with the wheel, else the source checkout's folder."""
    here = Path(__file__).resolve()
    for candidate in (here.parent / "examples", here.parents[4] / "examples" / "patients"):
        if candidate.is_dir():
            return candidate
    return None


@dataclass(frozen=True)
class Example:
    name: str
    description: str
    data: Mapping[str, Any]


@cache
def examples() -> tuple[Example, ...]:
    folder = _examples_dir()
    if folder is None:
        return ()
    out = []
    for p in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            out.append(Example(p.stem, str(data.get("description") or p.stem), data))
    return tuple(out)


def _value_words(v: object) -> str:
    if v is None:
        return "unknown"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, tuple | list):
        return ", ".join(str(x) for x in v) if v else "none"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _long_date(d: dt.date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def _host(url: str) -> str:
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def _zip_situations(results: Sequence[Any], pathway: Pathway) -> list[tuple[Any, Any]]:
    return list(zip(results, pathway.situations, strict=True))


#: The temperature the one-tap "I have a fever now" entry stands for: the lowest that is a
#: fever for triage (crit.any_fever), so the advice is the pathway's own for any fever.
FEVER_NOW_C = 38.0

ENV = Environment(loader=PackageLoader("allnav.web.pages", "templates"),
                  autoescape=select_autoescape(default=True, default_for_string=True),
                  trim_blocks=True, lstrip_blocks=True)
ENV.filters["svg"] = patient_words.svg
ENV.filters["value_words"] = _value_words
ENV.filters["long_date"] = _long_date
ENV.filters["host"] = _host
ENV.filters["zip_situations"] = _zip_situations
ENV.filters["explain"] = patient_words.explain
ENV.filters["plain_words"] = patient_words.plain_words
ENV.filters["fact_words"] = patient_words.fact_words
ENV.filters["third_person"] = patient_words.third_person
ENV.filters["trial_words"] = patient_words.trial_words
ENV.globals.update(
    DISCLAIMER=DISCLAIMER, PRIVACY_NOTE=PRIVACY_NOTE, TALK_NOTE=TALK_NOTE,
    STATUS_WORDS=STATUS_WORDS, SHORT_STATUS=SHORT_STATUS, CATEGORIES=CATEGORIES, FIELDS=FIELDS, SECTIONS=SECTIONS,
    LEVEL_WORDS=LEVEL_WORDS, LEVEL_LABELS=LEVEL_LABELS, VALUE_CHOICES=VALUE_CHOICES,
    alert_text=alert_patient_text, call_title=call_title, cannot_reach=cannot_reach,
    short_title=short_title,
)
ENV.globals["DISTANCES"] = DISTANCES  # issue 13: the trials section's distance choices


@dataclass(frozen=True)
class PageTexts:
    """What the pages read besides the pathway, loaded once per app."""

    topics: Topics
    glossary: Glossary

    @staticmethod
    def for_pathway(pathway: Pathway) -> PageTexts:
        topics = load_topics(pathway.evidence)
        return PageTexts(topics, load_glossary(None, tuple(v.id for v in topics.values)))


def _common(request: Request) -> dict[str, Any]:
    st = state(request)
    k = PageTexts.for_pathway(st.pathway)
    return {"pathway": st.pathway, "topics": k.topics, "today": st.settings.today(),
            "urgent": (), "examples": examples(), "glossary": k.glossary, "seen_terms": set()}


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    ctx = _common(request)
    ctx.update(context)
    html = ENV.get_template(template).render(**ctx)
    return HTMLResponse(html, status_code=status)


_ERROR_WORDS = {
    400: ("We could not read what was sent", "Please go back and try again."),
    404: ("We could not find that page", "Check the address, or start from the home page."),
    405: ("That page cannot be opened this way", "Please start from the home page."),
    413: ("That was too much to send", "Please send less, or use fewer answers."),
    503: ("The printable summary is busy", "Many are being made right now. Please wait a few "
          "seconds and try again; your answers were not kept."),
}


def error_page(request: Request, status: int) -> HTMLResponse:
    """A plain error page: no detail, no traceback, nothing from the request."""
    title, text = _ERROR_WORDS.get(status, ("Something went wrong on our side",
                                            "It has been noted, without any of your answers. "
                                            "Please try again."))
    try:
        response = render(request, "error.html", status, title=title, text=text, code=status)
    except Exception:  # the error page itself must never fail into a traceback
        response = HTMLResponse(f"<!doctype html><html lang=\"en\"><title>{title}</title>"
                                f"<main><h1>{title}</h1><p>{text}</p></main></html>", status)
    response.headers.update(PAGE_HEADERS)
    return response


def wants_html(request: Request) -> bool:
    """Whether an error on this request should be an HTML page (not the JSON API's problems)."""
    path = request.url.path
    if path.startswith(("/api/", "/cds-services", "/openapi.json")) or path.endswith(".json"):
        return False
    return "text/html" in request.headers.get("accept", "")


class PageRoute(APIRoute):
    """A page route: privacy headers on every answer, and errors as friendly HTML pages.

    An unexpected exception is logged as its type and stack (file, line, function) only:
    its message could hold a patient's answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response = await handler(request)
            except StarletteHTTPException as e:
                return error_page(request, e.status_code)
            except Exception as e:
                stack = "".join(traceback.format_tb(e.__traceback__))
                log.error("unhandled %s on %s %s\n%s", type(e).__name__, request.method,
                          request.url.path, stack)
                return error_page(request, 500)
            for key, value in PAGE_HEADERS.items():
                response.headers.setdefault(key, value)
            return response

        return page


router = APIRouter(route_class=PageRoute, include_in_schema=False)


# --- Reading a request's answers -------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """A request's answers: the facts (or the problems), and the fields that carry them on."""

    result: FormResult
    carry: Pairs
    form: dict[str, list[str]]
    from_text: bool = False

    @property
    def facts(self) -> Facts | None:
        return self.result.facts


async def _form(request: Request) -> dict[str, list[str]]:
    # Starlette refuses a form field over 1 MiB (encoded) by default, which made a facts_text
    # under MAX_FACTS_TEXT a generic 400 (issue 17); the body limit is what bounds a field.
    form = await request.form(max_part_size=state(request).settings.max_body_bytes)
    return {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}


def _read_text(text: str, today: dt.date) -> FormResult:
    """Pasted facts (JSON or YAML, docs/facts.md), a FHIR R4 Bundle or FHIR NDJSON."""
    try:
        found = read_fhir_input(text, today) if _is_ndjson(text) else None
        if found is None:
            data = parse_text(text, source="the pasted text")
            found = read_fhir_input(data, today) or read_facts(data, default_as_of=today)
    except InputError as e:
        return FormResult(None, (), e.problems)
    return FormResult(found[0], found[1], ())


def _is_ndjson(text: str) -> bool:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") and line.rstrip().endswith("}")
                                  for line in lines)


async def read_answers(request: Request) -> Answers:
    form = await _form(request)
    today = state(request).settings.today()
    text = (form.get("facts_text") or [""])[-1]
    if text.strip():
        if len(text) > MAX_FACTS_TEXT:
            result = FormResult(None, (), (Problem(
                "too_large", ("facts_text",),
                f"the text is longer than {MAX_FACTS_TEXT:,} characters; paste less"),))
        else:
            result = await offload.pages(_read_text, text, today)  # a Bundle: CPU
        return Answers(result, [("facts_text", text)], form, from_text=True)
    return Answers(read_form(form, today), known_pairs(form), form)


def _values(form: Mapping[str, Sequence[str]], topics: Topics) -> dict[str, str]:
    allowed = {c for c, _ in VALUE_CHOICES}
    out: dict[str, str] = {}
    for v in topics.values:
        got = (form.get(f"value.{v.id}") or [""])[-1]
        if got in allowed:
            out[v.id] = got
    return out


def report_for(request: Request, facts: Facts, warnings: Sequence[Problem] = ()) -> Report:
    st = state(request)
    return build_report(st.knowledge, PageTexts.for_pathway(st.pathway).topics, facts,
                        st.settings.today(), warnings)


def _example(name: str, today: dt.date) -> tuple[Facts, tuple[Problem, ...], Example]:
    for ex in examples():
        if ex.name == name:
            facts, warnings = read_facts(dict(ex.data), default_as_of=today)
            return facts, warnings, ex
    raise StarletteHTTPException(404)


# --- Patient pages -------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    return render(request, "home.html", title="Help with choices when ALL comes back")


@router.get("/start", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    return render(request, "form.html", title="Your answers", values={}, errors={})


@router.post("/start", response_class=HTMLResponse)
async def change_answers(request: Request) -> Response:
    """The form filled in with the answers carried from a results page."""
    answers = await read_answers(request)
    values = (pairs_to_form(facts_to_pairs(answers.facts)) if answers.from_text and answers.facts
              else pairs_to_form(answers.carry))
    return render(request, "form.html", title="Your answers", values=values, errors={})


def _results(request: Request, facts: Facts, warnings: Sequence[Problem], carry: Pairs,
             example: Example | None = None, form: Mapping[str, Sequence[str]] | None = None
             ) -> Response:
    report = report_for(request, facts, warnings)
    k = PageTexts.for_pathway(state(request).pathway)
    return render(request, "results.html", title="Your options", report=report,
                  glance=build_glance(report, k.topics, k.glossary, ("goals", "unsure") in carry),
                  carry=carry, urgent=report.urgent, example=example,
                  trials=trials_section(facts, form or {}))  # issue 13: the trials section


def urgent_despite_errors(request: Request, answers: Answers) -> tuple[Urgent, ...]:
    """The emergencies in the answers that read cleanly, for the page that asks to fix the
    others: a fever is never hidden by a typing mistake in another answer."""
    partial = answers.result.partial
    return report_for(request, partial).urgent if partial is not None else ()


def _fix_answers(request: Request, answers: Answers) -> Response:
    return render(request, "form.html", 422, title="Your answers", values=answers.form,
                  errors=answers.result.field_errors(),
                  urgent=urgent_despite_errors(request, answers))


@router.post("/results", response_class=HTMLResponse)
async def results(request: Request) -> Response:
    answers = await read_answers(request)
    if answers.facts is None:
        return await offload.pages(lambda: _fix_answers(request, answers))
    return await offload.pages(partial(_results, request, answers.facts, answers.result.warnings,
                                       answers.carry, form=answers.form))


@router.get("/results", response_class=HTMLResponse)
async def results_again(request: Request) -> Response:
    """Back or reload on a results page: answers.js fills it from this tab's kept answers."""
    return render(request, "replay.html", title="Your options")


@router.get("/summary", response_class=HTMLResponse)
async def summary_again(request: Request) -> Response:
    return render(request, "replay.html", title="Summary for your care team")


@router.post("/answers.json")
async def save_answers(request: Request) -> Response:
    """"Save my answers": a small file of the form's answers, to open again with Resume."""
    answers = await read_answers(request)
    body = saved_file(answers.carry, state(request).settings.today())
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="all-navigator-answers.json"'})


@router.post("/resume", response_class=HTMLResponse)
async def resume(request: Request) -> Response:
    """Resume from a saved file without JavaScript (with it, answers.js reads the file)."""
    async with request.form() as form:  # closes the uploaded file's temporary copy
        upload = form.get("saved")
        raw = await upload.read() if upload is not None and not isinstance(upload, str) else b""
    pairs = read_saved(raw)
    if pairs is None:
        return render(request, "form.html", 422, title="Your answers", values={}, errors={},
                      resume_error="That file could not be read. Choose a file saved by ALL "
                                   "Navigator (all-navigator-answers.json).")
    form_dict = pairs_to_form(pairs)
    result = read_form(form_dict, state(request).settings.today())
    if result.facts is None:
        return _fix_answers(request, Answers(result, pairs, form_dict))
    return _results(request, result.facts, result.warnings, pairs)


@router.get("/glossary", response_class=HTMLResponse)
async def glossary_page(request: Request) -> Response:
    return render(request, "glossary.html", title="What the words mean")


@router.get("/fever", response_class=HTMLResponse)
async def fever_now(request: Request) -> Response:
    """One tap from the home page or the form: "I have a fever now" goes straight to the
    emergency advice, through the same engine and care rules as every other page."""
    today = state(request).settings.today()
    facts, _ = read_facts({"symptoms": {"temperature_c": FEVER_NOW_C}}, default_as_of=today)
    report = await offload.pages(report_for, request, facts)
    return await offload.pages(lambda: render(request, "fever.html", report=report,
                                              title="You have a fever: call now",
                                              urgent=report.urgent))


@router.get("/examples/{name}", response_class=HTMLResponse)
async def example_results(request: Request, name: str) -> Response:
    facts, warnings, ex = _example(name, state(request).settings.today())
    return await offload.pages(_results, request, facts, warnings, facts_to_pairs(facts), ex)


@router.post("/summary", response_class=HTMLResponse)
async def summary(request: Request) -> Response:
    answers = await read_answers(request)
    if answers.facts is None:
        raise StarletteHTTPException(400)
    report = await offload.pages(report_for, request, answers.facts, answers.result.warnings)
    k = PageTexts.for_pathway(state(request).pathway)
    topics = k.topics
    return await offload.pages(partial(
        render, request, "summary.html", title="Summary for your care team", report=report,
        glance=build_glance(report, k.topics, k.glossary),
        urgent=report.urgent, chosen=_values(answers.form, topics), carry=answers.carry,
        answers=answers_in_words(answers.facts), pdf=False))


@router.post("/summary.pdf")
async def summary_pdf(request: Request) -> Response:
    answers = await read_answers(request)
    if answers.facts is None:
        raise StarletteHTTPException(400)
    report = await offload.pages(report_for, request, answers.facts, answers.result.warnings)
    ctx = _common(request)
    ctx.update(title="Summary for your care team", report=report, urgent=report.urgent,
               glance=build_glance(report, ctx["topics"], ctx["glossary"]),
               chosen=_values(answers.form, ctx["topics"]), carry=[],
               answers=answers_in_words(answers.facts), pdf=True)
    try:  # rendered in another process, never on the event loop (issue 17)
        html = await offload.pages(lambda: ENV.get_template("summary.html").render(**ctx))
        pdf = await state(request).pdf.render(html)
    except PdfBusy as busy:
        response = error_page(request, 503)
        response.headers["Retry-After"] = str(busy.retry_after)
        return response
    name = f"all-navigator-summary-{report.assessment.as_of.isoformat()}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/topics", response_class=HTMLResponse)
async def topic_list(request: Request) -> Response:
    return render(request, "topics.html", title="Topics")


@router.get("/topics/{topic_id}", response_class=HTMLResponse)
async def topic_page(request: Request, topic_id: str) -> Response:
    topic = PageTexts.for_pathway(state(request).pathway).topics.topic(topic_id)
    if topic is None:
        raise StarletteHTTPException(404)
    return render(request, "topic.html", title=topic.title, topic=topic)


@router.get("/when-to-call", response_class=HTMLResponse)
async def when_to_call(request: Request) -> Response:
    return render(request, "when_to_call.html", title="When to call your care team right away",
                  call=state(request).knowledge.care.call_right_away, hospice=False)


@router.get("/when-to-call/hospice", response_class=HTMLResponse)
async def when_to_call_hospice(request: Request) -> Response:
    return render(request, "when_to_call.html", title="When to call your hospice team right away",
                  call=state(request).knowledge.care.call_right_away, hospice=True)


@router.get("/about", response_class=HTMLResponse)
async def about(request: Request) -> Response:
    return render(request, "about.html", title="About ALL Navigator")


# --- Clinician pages -----------------------------------------------------------------


@router.get("/clinician", response_class=HTMLResponse)
async def clinician_start(request: Request) -> Response:
    return render(request, "clinician_start.html", title="Clinician view", problems=(), text="")


def _clinician(request: Request, facts: Facts, warnings: Sequence[Problem], carry: Pairs,
               example: Example | None = None, form: Mapping[str, Sequence[str]] | None = None
               ) -> Response:
    report = report_for(request, facts, warnings)
    return render(request, "clinician.html", title="Clinician view", report=report,
                  carry=carry, urgent=report.urgent, example=example,
                  trials=trials_section(facts, form or {}),  # issue 13: the trials section
                  mascc=mascc_lines(report.care.mascc) if report.care.mascc else (),
                  sources_text=sources_text)


@router.post("/clinician", response_class=HTMLResponse)
async def clinician(request: Request) -> Response:
    answers = await read_answers(request)
    if answers.facts is None:
        if answers.from_text:
            return render(request, "clinician_start.html", 422, title="Clinician view",
                          problems=answers.result.problems, text=answers.carry[0][1])
        return await offload.pages(lambda: _fix_answers(request, answers))
    return await offload.pages(partial(_clinician, request, answers.facts,
                                       answers.result.warnings, answers.carry, form=answers.form))


@router.get("/examples/{name}/clinician", response_class=HTMLResponse)
async def example_clinician(request: Request, name: str) -> Response:
    facts, warnings, ex = _example(name, state(request).settings.today())
    return await offload.pages(_clinician, request, facts, warnings, facts_to_pairs(facts), ex)


def export_dict(report: Report, knowledge: Knowledge) -> dict[str, Any]:
    """The assessment JSON (docs/assessment-json.md) with the care result and the numbers:
    the same document as ``/api/assess`` and ``allnav assess --format json``."""
    return navigation_to_dict(report.navigation, knowledge)


export_router = APIRouter(route_class=PageRoute, tags=["Web pages"])


@export_router.post(
    "/clinician/export.json",
    summary="Export the clinician view as JSON",
    description="Takes the web form's answers (application/x-www-form-urlencoded, as the "
    "clinician view posts them: the patient form's fields, or `facts_text` with facts JSON/YAML "
    "or a FHIR R4 Bundle) and answers the assessment JSON (docs/assessment-json.md) with "
    "`care` and `odds` added, as a download.",
    responses={200: openapi.json_response("The assessment with care and odds", {"type": "object"}),
               422: openapi.json_response("The answers have problems", {"type": "object"})},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": {
            "type": "object", "properties": {"facts_text": {"type": "string"}},
            "additionalProperties": {"type": "string"}}}}}},
)
async def clinician_export(request: Request) -> Response:
    answers = await read_answers(request)
    if answers.facts is None:
        return JSONResponse({"problems": [p.as_dict() for p in answers.result.problems]},
                            status_code=422)
    report = await offload.pages(report_for, request, answers.facts, answers.result.warnings)
    body = json.dumps(jsonable(export_dict(report, state(request).knowledge)), indent=2,
                      ensure_ascii=False)
    name = f"all-navigator-{report.assessment.as_of.isoformat()}.json"
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

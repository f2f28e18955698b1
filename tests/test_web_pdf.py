"""The PDF summary: a real, tagged PDF with the date, pathway version, sources, the values
chosen and the "talk with your care team" note; one page for a typical patient."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from pypdf import PdfReader

from allnav.web.app import create_app
from allnav.web.pages.forms import facts_to_pairs
from allnav.web.pdf import html_to_pdf
from allnav.web.settings import Settings

from .conftest import AS_OF, example_facts
from .test_web_pages import FORM, Browserless


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(today=lambda: AS_OF))


def pdf_for(app: FastAPI, pairs: list[tuple[str, str]]) -> tuple[bytes, PdfReader]:
    r = Browserless(app).request("POST", "/summary.pdf", content=urlencode(pairs), headers=FORM)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="all-navigator-summary-2026-11-29.pdf"'
    return r.content, PdfReader(io.BytesIO(r.content))


def text_of(reader: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def test_the_summary_pdf_says_what_the_care_team_needs(app: FastAPI) -> None:
    pairs = facts_to_pairs(example_facts("first-relapse-cd19-positive"))
    raw, reader = pdf_for(app, [*pairs, ("value.best-chance", "a-lot"), ("value.research", "not-sure")])
    assert raw.startswith(b"%PDF-")
    # Two pages at most since issue 12 added seven options (and their questions) to the summary.
    assert len(reader.pages) <= 2
    text = text_of(reader)
    for words in ("My ALL Navigator summary", "November 29, 2026", "Pathway version 2026.11.0",
                  "Talk with your care team", "does not dose drugs", "Sources", "TOWER (PMID 28249141)",
                  "Comfort and symptom relief", "matters a lot", "Call your care team right away"):
        assert words in text, words
    # The answers the results rest on, in the form's words, so a wrong one can be caught.
    assert "The answers this rests on" in text
    for answer in ("How old are you? 34", "Do the leukemia cells carry CD19? Yes",
                   "How many months did the first remission last? 14"):
        assert answer in text, answer
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "en"  # type: ignore[index, operator]  # tagged, with its language


@pytest.mark.parametrize("name", ["febrile-neutropenia", "unknown-markers"])
def test_every_summary_fits_two_pages_and_keeps_the_emergency_on_top(app: FastAPI, name: str) -> None:
    _, reader = pdf_for(app, facts_to_pairs(example_facts(name)))
    assert len(reader.pages) <= 2
    first = reader.pages[0].extract_text()
    if name == "febrile-neutropenia":
        assert first.index("emergency department") < first.index("My ALL Navigator summary")


def test_the_renderer_fetches_nothing() -> None:
    pdf = html_to_pdf('<!doctype html><html lang="en"><title>t</title><body><p>Offline</p>'
                      '<img src="http://192.0.2.1/x.png" alt="x"></body></html>')
    assert pdf.startswith(b"%PDF-")
    assert "Offline" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

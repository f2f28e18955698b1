"""Plain words (knowledge/glossary.yaml) and the second-generation results page: the glossary
is valid and complete for the words the pages use; no internal id or field name reaches the
patient view; the questions are split between the care team and the form; every value
statement shows the options that fit it; comfort care shows outcomes and limits; the saved
answers file round-trips and a foreign file is refused with a clear message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi import FastAPI

from allnav.facts import FIELDS
from allnav.glossary import default_glossary_path, load_glossary, parse_glossary
from allnav.pathway import load_pathway
from allnav.problems import KnowledgeError
from allnav.schema import Checker
from allnav.topics import load_topics
from allnav.web.app import create_app
from allnav.web.pages.forms import facts_to_pairs
from allnav.web.pages.routes import examples
from allnav.web.settings import Settings
from tests.support.readability import measure, page_text

from .conftest import AS_OF, example_facts
from .test_web_pages import HTML, Browserless, post

#: Field names and clinic shorthand that must never reach a patient page.
JARGON = re.compile(r"\b(?:ev|opt|crit|sit)\.[a-z0-9]|\blineage\b|salvage line|\bECOG\b|"
                    r"\b(?:" + "|".join(re.escape(n) for n in FIELDS if "_" in n) + r")\b")


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(today=lambda: AS_OF))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Browserless:
    return Browserless(app)


def visible_text(html: str) -> str:
    main = html[html.index("<main"):html.index("</main>")]
    main = re.sub(r"<svg.*?</svg>", " ", main, flags=re.S)  # its ids are markup, its words are shown
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_the_glossary_file_is_valid_and_names_its_reviewer() -> None:
    pathway = load_pathway()
    topics = load_topics(pathway.evidence)
    g = load_glossary(None, tuple(v.id for v in topics.values))
    assert g.terms and g.reviewed_by
    for c in g.comfort.values():
        assert all(e in pathway.evidence for e in c.evidence)
    assert {"palliative-care", "hospice-care", "low-intensity-palliative-therapy"} <= set(g.comfort)


def test_a_typo_in_the_glossary_is_named_with_its_path(tmp_path: Path) -> None:
    data = yaml.safe_load(default_glossary_path().read_text(encoding="utf-8"))
    data["ask"]["cd19_staus"] = "Is it there?"
    data["patient_knows"].append("cd19")
    data["value_options"]["research"] = ["clinical-trail"]
    chk = Checker()
    assert parse_glossary(data, chk, ("research",)) is None
    msgs = [f"{'.'.join(map(str, p.loc))}: {p.msg}" for p in chk.errors]
    assert any(m.startswith("ask.cd19_staus: unknown fact") and "cd19" in m for m in msgs), msgs
    assert any("patient_knows" in m and "asked of the care team" in m for m in msgs), msgs
    assert any("value_options.research.0: unknown option 'clinical-trail'" in m for m in msgs), msgs
    path = tmp_path / "glossary.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError):
        load_glossary(path)


def upload(client: Browserless, data: bytes) -> httpx.Response:
    """POST /resume with ``data`` as the chosen file (multipart, as a browser sends it)."""
    req = httpx.Request("POST", "http://testserver/resume",
                        files={"saved": ("all-navigator-answers.json", data, "application/json")})
    return client.request("POST", "/resume", content=req.read(),
                          headers={**HTML, "content-type": req.headers["content-type"]})


@pytest.mark.parametrize("name", [ex.name for ex in examples()])
def test_no_internal_id_or_field_name_reaches_the_patient_view(client: Browserless, name: str) -> None:
    text = visible_text(client.get(f"/examples/{name}", headers=HTML).text)
    found = JARGON.findall(text)
    assert not found, found


def test_glossary_page_explains_the_terms_the_results_link_to(client: Browserless) -> None:
    glossary = client.get("/glossary", headers=HTML).text
    results = client.get("/examples/unknown-markers", headers=HTML).text
    linked = set(re.findall(r'href="/glossary#(term-[a-z0-9-]+)"', results))
    assert len(linked) >= 5
    for anchor in linked:
        assert f'id="{anchor}"' in glossary
    # Each term is linked where it first appears, once.
    assert all(results.count(f'href="/glossary#{a}"') == 1 for a in linked)
    blocks = [b for b in page_text(glossary) if b.rstrip()[-1:] in ".?!" and len(b.split()) >= 4]
    assert measure(blocks).grade <= 8.0


def test_the_first_screen_puts_comfort_beside_the_treatments(client: Browserless) -> None:
    html = client.get("/examples/unknown-markers", headers=HTML).text
    glance = html[html.index('id="glance"'):html.index('id="compare"')]
    tiles = re.findall(r'class="tile tile-([a-z-]+)"', glance)
    assert tiles == ["remission-treatment", "transplant", "comfort-and-support", "clinical-trial"]
    assert "What would most change this" in glance
    # unknown-markers knows nothing of the markers: the question that settles most comes first.
    assert "(it settles" in glance


def test_the_comparison_table_lists_what_fits(client: Browserless) -> None:
    html = client.get("/examples/first-relapse-cd19-positive", headers=HTML).text
    table = re.sub(r"<[^>]+>", "", html[html.index('<table class="compare">'):html.index("</table>")])
    assert "Blinatumomab" in table and "34 in 100 went into complete remission" in table
    assert "hospital" in table  # what it involves includes time in hospital
    assert "Treating pain" not in table  # symptom care goes alongside any choice


def test_questions_split_between_the_care_team_and_the_form(client: Browserless) -> None:
    html = client.get("/examples/unknown-markers", headers=HTML).text
    questions = html[html.index('id="questions"'):html.index('id="take-title"')]
    assert "Has my leukemia been tested for CD19? What did it show?" in questions
    team = questions[:questions.index('id="in-form"')] if 'id="in-form"' in questions else questions
    for only_the_patient_knows in ("How active are you on most days?", "What matters most to you right now?"):
        assert only_the_patient_knows not in team


def test_not_sure_gets_help_and_values_show_their_options(client: Browserless) -> None:
    pairs = [*facts_to_pairs(example_facts("first-relapse-cd19-positive")), ("goals", "unsure")]
    html = post(client, "/results", [(k, v) for k, v in pairs if k != "goals" or v == "unsure"]).text
    assert '<details class="more not-sure" id="not-sure" open>' in html
    fits = html[html.index('id="value-fits"'):]
    research = fits[fits.index("Taking part in research"):fits.index("</li>", fits.index("Taking part in research"))]
    assert 'href="#opt-clinical-trial"' in research
    values = html.index('id="values"')
    assert values < html.index('id="group-remission-treatment"')  # next to the options, not after


def test_comfort_care_shows_outcomes_and_limits_not_ask_your_team(client: Browserless) -> None:
    html = client.get("/examples/comfort-goals", headers=HTML).text
    card = html[html.index('id="opt-palliative-care"'):]
    card = card[:card.index("</details>")]
    assert "What is known of how it helps" in card and "160 adults" in card
    assert "not how long people lived" in card
    assert "Ask your care team about the risks" not in html


def test_saved_answers_round_trip_and_a_foreign_file_is_refused(client: Browserless) -> None:
    pairs = facts_to_pairs(example_facts("first-relapse-cd19-positive"))
    saved = post(client, "/answers.json", pairs)
    assert saved.headers["content-disposition"] == 'attachment; filename="all-navigator-answers.json"'
    body = json.loads(saved.text)
    assert body["format"] == "allnav-answers" and [list(p) for p in pairs] == body["answers"]
    resumed = upload(client, saved.content)
    direct = post(client, "/results", pairs)
    assert resumed.status_code == 200
    glance = lambda h: h[h.index('id="glance"'):h.index('id="compare"')]  # noqa: E731
    assert glance(resumed.text) == glance(direct.text)  # type: ignore[no-untyped-call]
    bad = upload(client, b'{"format": "something-else"}')
    assert bad.status_code == 422 and "could not be read" in bad.text


def test_get_results_is_a_page_that_asks_for_the_answers_not_an_error(client: Browserless) -> None:
    for path in ("/results", "/summary"):
        r = client.get(path, headers=HTML)
        assert r.status_code == 200 and "data-replay" in r.text and "Start the questions" in r.text


def test_the_clinician_view_speaks_of_the_patient(client: Browserless) -> None:
    for name in ("unfit-older-adult", "febrile-neutropenia", "unknown-markers"):
        text = visible_text(client.get(f"/examples/{name}/clinician", headers=HTML).text)
        assert not re.findall(r"\b[Yy]ou(?:r)?\b", text), name
    start = client.get("/clinician", headers=HTML).text
    assert 'id="structured-form"' in start and 'name="symptoms.temperature_c.unit"' in start


def test_source_links_open_in_a_new_tab(client: Browserless) -> None:
    html = client.get("/examples/first-relapse-cd19-positive", headers=HTML).text
    links = re.findall(r'<a href="https?://[^"]+"[^>]*>', html)
    assert links and all('target="_blank"' in a and "noopener" in a for a in links)


def test_the_about_page_says_who_funds_and_how_to_report(client: Browserless) -> None:
    html = client.get("/about", headers=HTML).text
    for anchor in ("who", "funding", "conflicts", "review", "report"):
        assert f'id="{anchor}"' in html

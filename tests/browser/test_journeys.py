"""The five people of issue 14, each walked through the app in chromium, asserting what that
person must see: a patient on a phone who knows little, a daughter with her frail father at
the largest text size, a hematologist, a nurse with a feverish patient, someone looking for
trials. Plus the length budget for every example patient, and axe on every new page state."""

from __future__ import annotations

import io
import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from allnav.web.pages.routes import examples

from .conftest import Captured

PHONE = {"width": 390, "height": 844}
#: The issue's budget: the results page, details collapsed, at most 12 phone screens long.
MAX_SCREENS = 12
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
FIRST_SCREEN_WORDS = """(() => { let n, count = 0;
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while ((n = walk.nextNode())) { const e = n.parentElement;
    if (!e || !e.checkVisibility()) continue; const b = e.getBoundingClientRect();
    if (b.top < innerHeight && b.bottom > 0) count += n.textContent.split(/\\s+/).filter(Boolean).length; }
  return count; })()"""


def top(page: Page, selector: str) -> float:
    return float(page.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().top"))


def font_px(page: Page, selector: str) -> float:
    return float(page.evaluate(
        f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)"))


@pytest.mark.parametrize("name", [ex.name for ex in examples()])
def test_every_example_fits_twelve_phone_screens_with_the_glance_first(page: Page, name: str) -> None:
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(f"/examples/{name}")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MAX_SCREENS * PHONE["height"], f"{name}: {height / PHONE['height']:.1f} screens"
    assert page.locator("details.option[open]").count() == 0  # every option starts collapsed
    # Nothing but the urgent banner comes before the at-a-glance block on the first screen.
    banner = page.locator("aside.urgent")
    above = banner.bounding_box()["height"] if banner.count() else 0  # type: ignore[index]
    assert top(page, "#glance") < PHONE["height"] * 0.5 + above
    if not banner.count():
        expect(page.locator("#glance")).to_be_in_viewport()
        # Comfort care is on the first screen, never last.
        expect(page.locator(".tile-comfort-and-support")).to_be_in_viewport()


def test_a_patient_on_a_phone_who_knows_little(page: Page, server_logs: Captured) -> None:
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto("/start")
    page.get_by_label("It went away, then came back").check()
    page.get_by_label("What is your temperature now?").fill("36.6")
    page.get_by_role("button", name="See my options").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your options")
    glance = page.locator("#glance")
    expect(glance).to_be_in_viewport()
    expect(glance.get_by_role("heading", name="What would most change this")).to_be_visible()
    expect(glance).to_contain_text("Comfort and symptom care")
    expect(page.get_by_role("heading", name="Compare the options that fit")).to_be_attached()
    expect(page.locator("table.compare").first).to_be_attached()
    words = page.evaluate(FIRST_SCREEN_WORDS)
    assert words <= 200, words
    first = glance.inner_text()
    # No internal ids or field names anywhere in the patient view.
    body = page.locator("main").inner_text()
    assert not re.search(r"\b(ev|opt|crit)\.[a-z]", body)
    for jargon in ("lineage", "salvage line", "ECOG 3"):
        assert jargon not in body
    # The glossary link, then Back: the same results, with no "Confirm Form Resubmission".
    page.get_by_role("link", name="What the words mean").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What the words mean")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your options")
    assert page.locator("#glance").inner_text() == first
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your options")
    assert page.locator("#glance").inner_text() == first
    assert "?" not in page.url and "36.6" not in page.url
    assert "36.6" not in "\n".join(server_logs.lines)


def test_save_my_answers_then_resume_them(page: Page) -> None:
    page.goto("/examples/first-relapse-cd19-positive")
    first = page.locator("#glance").inner_text()
    with page.expect_download() as info:
        page.get_by_role("button", name="Save my answers").click()
    download = info.value
    assert download.suggested_filename == "all-navigator-answers.json"
    saved = json.loads(download.path().read_bytes())
    assert saved["format"] == "allnav-answers" and ["cd19", "yes"] in saved["answers"]
    page.goto("/start")
    page.get_by_label(re.compile("If you saved your answers before")).set_input_files(download.path())
    expect(page.get_by_role("heading", level=1)).to_have_text("Your options")
    assert page.locator("#glance").inner_text() == first
    # A file that is not ours is refused with a clear message.
    page.goto("/start")
    page.get_by_label(re.compile("If you saved your answers before")).set_input_files(
        files=[{"name": "x.json", "mimeType": "application/json", "buffer": b'{"a": 1}'}])  # type: ignore[arg-type]
    expect(page.locator("#resume-status")).to_contain_text("could not be read")


def test_a_daughter_with_her_frail_father_at_the_largest_text(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="A++ largest text").click()
    page.goto("/examples/unfit-older-adult")
    body = font_px(page, "body")
    assert body == pytest.approx(17 * 1.5)
    option = page.locator("details.option:has(figure.ia)").first
    option.locator("summary").click()
    legend = option.locator(".ia-legend li").first
    expect(legend).to_be_visible()
    assert float(legend.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= body * 0.99
    assert font_px(page, "table.compare td") >= 17 * 1.5 * 0.9
    assert font_px(page, ".ia-title") >= body * 0.99
    # The summary's PDF lists the answers the results rest on.
    page.get_by_role("button", name="Show a summary to print").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My ALL Navigator summary")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download as PDF").click()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(info.value.path().read_bytes())).pages)
    text = re.sub(r"\s+", " ", text)
    assert "The answers this rests on" in text and "How old are you? 74" in text


def test_a_hematologist_uses_the_structured_form(page: Page) -> None:
    page.goto("/clinician")
    form = page.locator("#structured-form")
    form.get_by_label("It went away, then came back").check()
    form.get_by_label("How old are you?").fill("58")
    form.get_by_text("More detail: test results").click()
    form.get_by_role("group", name="Do the leukemia cells carry CD19?").get_by_label("Yes").check()
    form.get_by_role("button", name="Assess these answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinician view")
    section = page.locator("#opt-blinatumomab")
    expect(section.get_by_role("table", name="Criteria trace")).to_contain_text("crit.cd19_positive")
    main = page.locator("main").inner_text()
    assert not re.search(r"\byou(r)?\b", main, re.IGNORECASE), "the clinician view speaks of the patient"
    with page.expect_download() as info:
        page.get_by_role("button", name="Export JSON").click()
    assert json.loads(info.value.path().read_bytes())["facts"]["age_years"] == 58


def test_a_nurse_with_a_feverish_patient_sees_the_banner_before_anything(page: Page) -> None:
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto("/examples/febrile-neutropenia")
    assert top(page, "aside.urgent") < 5
    expect(page.locator("aside.urgent")).to_contain_text("emergency department")
    # The answer follows the banner straight away, and comfort is still there.
    expect(page.locator(".tile-comfort-and-support")).to_be_attached()
    assert top(page, "#glance") < page.locator("aside.urgent").bounding_box()["height"] + 450  # type: ignore[index]


def test_someone_looking_for_trials(page: Page) -> None:
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto("/examples/young-adult-second-relapse")
    tile = page.locator(".tile-clinical-trial")
    expect(tile).to_be_in_viewport()
    tile.get_by_role("link", name="Clinical trials").click()
    expect(page.locator("#group-clinical-trial")).to_be_in_viewport()
    page.locator("#group-clinical-trial details.option summary").first.click()
    page.locator("#sources summary").click()
    link = page.locator("#sources a").first
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile("noopener"))


def test_axe_on_the_new_page_states(page: Page) -> None:
    found: list[str] = []
    axe = Axe()

    def check(name: str) -> None:
        result = axe.run(page, options=WCAG)
        if result.violations_count:
            found.append(f"{name}:\n{result.generate_report()}")

    for path in ("/glossary", "/about", "/results", "/summary"):
        page.goto(path)
        check(path)
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto("/examples/unknown-markers")
    check("results on a phone")
    for summary in page.locator("details > summary").all():
        summary.click()
    check("results with every detail open")
    page.goto("/clinician")
    check("clinician start with the structured form")
    page.goto("/start")
    page.get_by_label(re.compile("If you saved your answers before")).set_input_files(
        files=[{"name": "x.json", "mimeType": "application/json", "buffer": b"not json"}])  # type: ignore[arg-type]
    expect(page.locator("#resume-status")).to_contain_text("could not be read")
    check("resume with a bad file")
    page.goto("/")
    page.evaluate("localStorage.setItem('allnav-text-size', '3')")
    page.goto("/examples/comfort-goals")
    check("results at the largest text")
    assert not found, "\n\n".join(found)


def test_back_through_change_answers_and_the_clinician_view(page: Page) -> None:
    page.goto("/examples/first-relapse-cd19-positive")
    page.get_by_role("button", name="Change my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers")
    expect(page.get_by_label("How old are you?")).to_have_value("34")
    page.get_by_role("button", name="See my options").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your options")
    page.get_by_role("button", name="Open the clinician view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinician view")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your options")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers")
    expect(page.get_by_label("How old are you?")).to_have_value("34")

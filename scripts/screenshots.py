"""Screenshots of the main pages for docs/screenshots/ (``make screenshots``).

Runs the app on 127.0.0.1 (a free port) and drives Debian's chromium with Playwright,
the same set-up as the browser tests in tests/browser/.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, running_server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
EXAMPLE = "first-relapse-cd19-positive"


def _shot(page: Page, name: str, *, full: bool = False) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> int:
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium) first",
              file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with running_server() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 1300})
        page.goto(f"{base}/start")
        page.get_by_label("It went away, then came back").check()
        page.get_by_label("How many times has the leukemia come back?").fill("1")
        page.get_by_label("B-cell (B-ALL)").check()
        _shot(page, "patient-form")
        page.goto(f"{base}/examples/{EXAMPLE}")
        page.locator("#opt-blinatumomab summary").click()
        page.locator("#opt-blinatumomab").scroll_into_view_if_needed()
        _shot(page, "patient-results")
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(f"{base}/examples/{EXAMPLE}")
        _shot(phone, "patient-results-phone-first-screen")
        phone.locator("#compare").scroll_into_view_if_needed()
        _shot(phone, "patient-results-phone-compare")
        phone.goto(f"{base}/glossary")
        _shot(phone, "glossary-phone")
        phone.goto(f"{base}/")
        phone.evaluate("localStorage.setItem('allnav-text-size', '3')")
        phone.goto(f"{base}/examples/unfit-older-adult")
        phone.locator("details.option:has(figure.ia) summary").first.click()
        phone.locator("figure.ia").first.scroll_into_view_if_needed()
        _shot(phone, "patient-results-phone-largest-text-icon-array")
        phone.evaluate("localStorage.clear()")
        page.goto(f"{base}/clinician")
        _shot(page, "clinician-start-structured-form")
        page.goto(f"{base}/examples/{EXAMPLE}/clinician")
        page.locator("#opt-blinatumomab").scroll_into_view_if_needed()
        _shot(page, "clinician-view")
        page.goto(f"{base}/examples/{EXAMPLE}")
        page.locator("#print-summary").click()
        page.get_by_role("heading", level=1, name="My ALL Navigator summary").wait_for()
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 800, "height": 1130})
        _shot(page, "print-summary", full=True)
        small = browser.new_page(viewport={"width": 320, "height": 900})
        small.goto(f"{base}/examples/febrile-neutropenia")
        _shot(small, "patient-results-320px-urgent")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

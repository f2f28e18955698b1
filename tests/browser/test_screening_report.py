"""The screening report (report.html) in a real browser: it reads as a report, its plots are
labelled images, and it passes axe (WCAG 2.2 AA) at desktop width and at 320 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def test_the_screening_report_reads_well_and_passes_axe(browser: Browser,
                                                        embedded_report: tuple[Path, Any]) -> None:
    report, summary = embedded_report
    for width in (1280, 320):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto((report / "report.html").as_uri())
        expect(page.get_by_role("heading", level=1)).to_contain_text("Population screen")
        for name in ("Patients", "Worklists", "Options by status", "Missing facts by frequency"):
            expect(page.get_by_role("heading", level=2, name=name, exact=True)).to_be_visible()
        expect(page.get_by_role("img", name="Options by status")).to_be_visible()
        expect(page.get_by_role("img", name="Missing facts by frequency")).to_be_visible()
        expect(page.locator(".card").filter(has_text="with an ALL diagnosis")).to_contain_text(
            f"{summary['patients']['with_all']:,}")
        result = Axe().run(page, options=WCAG)
        assert result.violations_count == 0, result.generate_report()
        context.close()

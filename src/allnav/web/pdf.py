"""The printable summary as a tagged PDF, with WeasyPrint.

The PDF is made from the same HTML as the print page, with the same stylesheets (the
print rules apply: WeasyPrint renders for print media). Nothing is fetched while
rendering: the stylesheets are read from the package and any other URL is refused,
so a page can never make the server reach out. The PDF is tagged (structure tree,
``/Lang`` from ``<html lang>``) for screen readers.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).resolve().parent / "static"
STYLESHEETS = ("site.css", "print.css")

# WeasyPrint reports CSS it skips at WARNING; those lines name CSS, never content, but
# they are noise in the server log.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def _refusing_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing (the resource is skipped)."""
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class Refuse(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError("the PDF renderer fetches nothing")

    return Refuse()


def html_to_pdf(html: str) -> bytes:
    """A tagged PDF of ``html`` (a full document), styled by the site's print stylesheets."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]  # heavy: load when asked

    fetcher = _refusing_fetcher()
    sheets = [CSS(filename=str(STATIC_DIR / name), url_fetcher=fetcher) for name in STYLESHEETS]
    pdf = HTML(string=html, base_url=str(STATIC_DIR), url_fetcher=fetcher).write_pdf(
        stylesheets=sheets, pdf_tags=True)
    assert pdf is not None
    return bytes(pdf)

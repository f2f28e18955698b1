"""``report.html``: the screen's counts, plots (inline SVG) and worklists, for a browser.

No patient names: the report shows patient ids from the export, option ids, fact names and
counts. Plots are drawn here as plain SVG bars (no plotting library, no script), so the page
opens anywhere, prints, and reads without colour (every bar is labelled with its number).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from allnav.facts import FIELDS

__all__ = ["bar_chart", "render_report", "stacked_chart"]

_STATUS_COLOURS = (("suitable", "#1a7f37"), ("possible", "#b35900"), ("not-suitable", "#6e7781"))
_ROW, _LABEL_W, _BAR_W = 22, 260, 420


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def bar_chart(title: str, items: Sequence[tuple[str, int]], colour: str = "#0b5cad") -> str:
    """Horizontal bars, one per item, each labelled with its count."""
    height = _ROW * len(items) + 30
    top = max((n for _, n in items), default=0) or 1
    out = [f'<svg role="img" aria-label="{_esc(title)}" width="{_LABEL_W + _BAR_W + 60}" '
           f'height="{height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
           f"<title>{_esc(title)}</title>"]
    for i, (label, n) in enumerate(items):
        y = 10 + i * _ROW
        w = round(_BAR_W * n / top)
        out.append(f'<text x="{_LABEL_W - 6}" y="{y + 14}" text-anchor="end">{_esc(label)}</text>'
                   f'<rect x="{_LABEL_W}" y="{y + 3}" width="{w}" height="{_ROW - 6}" fill="{colour}"/>'
                   f'<text x="{_LABEL_W + w + 4}" y="{y + 14}">{n:,}</text>')
    out.append("</svg>")
    return "".join(out)


def stacked_chart(title: str, rows: Sequence[tuple[str, Mapping[str, int]]]) -> str:
    """One bar per option, split by status (suitable, possible, not suitable), with counts."""
    height = _ROW * len(rows) + 40
    top = max((sum(c.get(s, 0) for s, _ in _STATUS_COLOURS) for _, c in rows), default=0) or 1
    out = [f'<svg role="img" aria-label="{_esc(title)}" width="{_LABEL_W + _BAR_W + 20}" '
           f'height="{height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
           f"<title>{_esc(title)}</title>"]
    for i, (label, counts) in enumerate(rows):
        y = 10 + i * _ROW
        x: float = _LABEL_W
        out.append(f'<text x="{_LABEL_W - 6}" y="{y + 14}" text-anchor="end">{_esc(label)}</text>')
        for status, colour in _STATUS_COLOURS:
            n = counts.get(status, 0)
            w = _BAR_W * n / top
            if n:
                out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{_ROW - 6}" '
                           f'fill="{colour}"><title>{_esc(label)}: {n:,} {status}</title></rect>')
                if w > 30:
                    out.append(f'<text x="{x + 3:.1f}" y="{y + 14}" fill="#fff">{n:,}</text>')
            x += w
    y = 10 + len(rows) * _ROW + 8
    x = _LABEL_W
    for status, colour in _STATUS_COLOURS:
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{x + 16}" y="{y + 11}">{status}</text>')
        x += 110
    out.append("</svg>")
    return "".join(out)


def render_report(summary: Mapping[str, Any], rows: Mapping[str, Sequence[tuple[str, str]]]) -> str:
    """The HTML page for a screen's ``summary`` and the first worklist ``rows`` of each list."""
    env = Environment(loader=PackageLoader("allnav.screening", "templates"),
                      autoescape=select_autoescape(["html"]))
    options = summary["options"]
    missing = list(summary["missing_facts"].items())
    lists = [(name, info["patients"]) for name, info in summary["worklists"].items()]
    charts = {
        "options": stacked_chart("Options by status", [(k, v) for k, v in options.items()]),
        "missing": bar_chart("Missing facts by frequency", missing[:20], "#b35900"),
        "worklists": bar_chart("Patients per worklist", lists, "#0b5cad"),
    }
    meaning = {name: FIELDS[name].description for name in summary["missing_facts"] if name in FIELDS}
    return env.get_template("report.html").render(s=summary, charts=charts, rows=rows, meaning=meaning)

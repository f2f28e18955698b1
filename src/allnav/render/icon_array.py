"""Icon arrays as standalone SVG, built as strings (no browser, no plotting library).

Design (docs/odds.md, after NHS PREDICT and the icon-array evidence):

- 100 icons in a 10x10 grid with a visible gap after the fifth row and column, or, below
  1 in 100, 1,000 icons in ten 10x10 blocks; every array has the same outer size, so
  arrays can be set side by side without one looking bigger;
- icons fill sequentially in reading order: the count with the comparison treatment (dark
  squares), then the extra people with this option (lighter squares with diagonal
  hatching), then everyone else (small light-grey circles);
- colour-blind safe and readable in grey: the kinds differ in lightness, pattern and
  shape, never in hue alone; benefits are blue, harms orange;
- a legend whose counts add up to 100 (or 1,000), the source under the array, and
  ``<title>``/``<desc>`` with ``role="img"`` and ``aria-labelledby`` for screen readers.

Every text is XML-escaped. Icons carry ``class="icon icon-<kind>"`` and legend entries
``data-count`` so that tests (and the web layer) can check counts against the legend.
"""

from __future__ import annotations

import re
import textwrap
from xml.sax.saxutils import escape

from allnav.odds.words import IconArray, Segment

WIDTH, HEIGHT = 360, 620
_GRID_X, _GRID_Y, _GRID = 30, 104, 300
_LEGEND_Y = _GRID_Y + _GRID + 22
_PALETTE = {
    # (dark, light) per role; blue/orange are the pair most colour-vision types tell apart.
    "benefit": ("#08519c", "#9ecae1"),
    "context": ("#08519c", "#9ecae1"),
    "harm": ("#a63603", "#fdae6b"),
}
_REST = "#d4d4d4"
_TEXT = "#1a1a1a"


def _ident(raw: str) -> str:
    return "ia-" + re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-")


def _positions(total: int) -> list[tuple[float, float, float]]:
    """(x, y, size) of each icon in fill order."""
    out: list[tuple[float, float, float]] = []
    if total == 100:
        gap, pitch = 10.0, (_GRID - 10.0) / 10
        for i in range(100):
            row, col = divmod(i, 10)
            x = _GRID_X + col * pitch + (gap if col >= 5 else 0)
            y = _GRID_Y + row * pitch + (gap if row >= 5 else 0)
            out.append((x, y, pitch * 0.82))
        return out
    # 1,000 icons: ten 10x10 blocks, five across and two down, filled block by block.
    block_gap = 6.0
    pitch = (_GRID - 4 * block_gap) / 50
    for i in range(total):
        block, k = divmod(i, 100)
        brow, bcol = divmod(block, 5)
        row, col = divmod(k, 10)
        x = _GRID_X + bcol * (10 * pitch + block_gap) + col * pitch
        # Centre the two rows of blocks vertically in the same square the 100 grid uses.
        top = (_GRID - (20 * pitch + block_gap)) / 2
        y = _GRID_Y + top + brow * (10 * pitch + block_gap) + row * pitch
        out.append((x, y, pitch * 0.8))
    return out


def _icon(key: str, x: float, y: float, size: float, dark: str, light: str, pid: str,
          cls: str = "icon") -> str:
    if key == "rest":
        r = size * 0.36
        return (f'<circle class="{cls} {cls}-rest" cx="{x + size / 2:.2f}" '
                f'cy="{y + size / 2:.2f}" r="{r:.2f}" fill="{_REST}"/>')
    common = f'x="{x:.2f}" y="{y:.2f}" width="{size:.2f}" height="{size:.2f}"'
    if key == "base":
        return f'<rect class="{cls} {cls}-base" {common} fill="{dark}"/>'
    if key == "extra":
        return (f'<rect class="{cls} {cls}-extra" {common} fill="url(#{pid}-hatch)" '
                f'stroke="{dark}" stroke-width="{max(0.6, size / 16):.2f}"/>')
    return (f'<rect class="{cls} {cls}-fewer" {common} fill="#ffffff" stroke="{dark}" '
            f'stroke-width="{max(0.6, size / 14):.2f}" stroke-dasharray="2 1.5"/>')


def _lines(text: str, width: int, limit: int) -> list[str]:
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > limit:
        lines = [*lines[: limit - 1], textwrap.shorten(" ".join(lines[limit - 1:]), width,
                                                       placeholder="…")]
    return lines


def _text(x: float, y: float, lines: list[str], size: int, *, weight: str = "normal",
          cls: str = "", extra: str = "", fill: str = _TEXT) -> str:
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else size + 3}">{escape(line)}</tspan>'
        for i, line in enumerate(lines))
    klass = f' class="{cls}"' if cls else ""
    return (f'<text{klass} x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
            f'fill="{fill}"{extra}>{spans}</text>')


def _legend(segments: tuple[Segment, ...], total: int, dark: str, light: str, pid: str) -> str:
    out, y = [], float(_LEGEND_Y)
    per = f"{total:,}"
    for seg in segments:
        label = f"{seg.count:,} in {per}: {seg.label}"
        lines = _lines(label, 46, 3)
        out.append(f'<g class="legend-entry legend-{seg.key}"><title>{escape(label)}</title>')
        out.append(_icon(seg.key, 30, y - 11, 14, dark, light, pid, cls="swatch"))
        out.append(_text(52, y, lines, 12, cls=f"legend legend-{seg.key}",
                         extra=f' data-count="{seg.count}"'))
        out.append("</g>")
        y += len(lines) * 15 + 8
    return "".join(out)


def icon_array_svg(array: IconArray, *, words: bool = True) -> str:
    """A complete, standalone SVG document for ``array`` (same outer size for every array).

    ``words=False`` draws the icons only (``<title>``/``<desc>`` kept for screen readers):
    the web page writes the title, legend and source as HTML text, which follows the
    reader's text size; text inside an SVG scales only with the picture's width.

    Raises ``ValueError`` if the segment counts do not add up to the array's total, which
    would make the picture disagree with the words.
    """
    if array.total not in (100, 1000):
        raise ValueError("an icon array has 100 or 1,000 icons")
    if sum(s.count for s in array.segments) != array.total or any(
            s.count < 0 for s in array.segments):
        raise ValueError("segment counts must be whole, not negative, and add up to the total")
    dark, light = _PALETTE[array.role]
    pid = _ident(array.id)
    kinds = [s.key for s in array.segments for _ in range(s.count)]
    icons = "".join(_icon(k, x, y, size, dark, light, pid)
                    for k, (x, y, size) in zip(kinds, _positions(array.total), strict=True))
    title_lines = _lines(array.title, 38, 2)
    if not words:
        # The grid's own square, with a small margin: 100 and 1,000 icons fill the same box.
        x0, y0, side = _GRID_X - 6, _GRID_Y - 6, _GRID + 12
        return "".join((
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}" '
            f'viewBox="{x0} {y0} {side} {side}" role="img" aria-labelledby="{pid}-title {pid}-desc">',
            f'<title id="{pid}-title">{escape(array.title)}</title>',
            f'<desc id="{pid}-desc">{escape(array.description)}</desc>',
            f'<defs><pattern id="{pid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{light}"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{dark}" stroke-width="2"/></pattern></defs>',
            f'<g class="icons" aria-hidden="true">{icons}</g>', "</svg>"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{pid}-title {pid}-desc" font-family="Arial, Helvetica, sans-serif">',
        f'<title id="{pid}-title">{escape(array.title)}</title>',
        f'<desc id="{pid}-desc">{escape(array.description)}</desc>',
        f'<defs><pattern id="{pid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{light}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{dark}" stroke-width="2"/></pattern></defs>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        _text(16, 24, title_lines, 14, weight="bold", cls="array-title"),
        _text(16, 24 + len(title_lines) * 18 + 4, [array.subtitle], 12, cls="array-subtitle"),
    ]
    if array.unverified:
        parts.append(_text(16, 24 + len(title_lines) * 18 + 20,
                           ["Not yet verified against the primary paper"], 12,
                           weight="bold", cls="array-unverified"))
    parts += [
        f'<g class="icons" aria-hidden="true">{icons}</g>',
        _legend(array.segments, array.total, dark, light, pid),
        _text(16, HEIGHT - 30, _lines(array.source, 60, 2), 10, cls="array-source",
              fill="#444444"),
        "</svg>",
    ]
    return "".join(parts)


def svg_filename(array: IconArray) -> str:
    """A safe file name for ``array``: ``blinatumomab--ev.tower-2017--cr.svg``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", array.id) + ".svg"


__all__ = ["HEIGHT", "WIDTH", "icon_array_svg", "svg_filename"]

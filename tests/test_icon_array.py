"""Icon arrays: valid, accessible SVG whose icons match the legend and the words."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allnav.engine import assess
from allnav.odds import load_odds_config, odds_report
from allnav.odds.words import IconArray, Segment, icons, segments
from allnav.pathway import Pathway
from allnav.render.icon_array import HEIGHT, WIDTH, icon_array_svg, svg_filename

from .conftest import AS_OF, example_facts

SVG = "{http://www.w3.org/2000/svg}"


def make(segs: list[tuple[str, int, str]], total: int = 100, role: str = "benefit",
         title: str = "A title") -> IconArray:
    return IconArray(
        id="opt--ev.x--y", role=role, total=total,  # type: ignore[arg-type]
        segments=tuple(Segment(k, n, label) for k, n, label in segs),  # type: ignore[arg-type]
        title=title, subtitle="Out of 100 people like those in X", description="Words & more",
        source="Source: X (2020), ev.x; reviewed 2026-11-29", unverified=False)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def icon_counts(root: ET.Element) -> Counter[str]:
    counts: Counter[str] = Counter()
    for el in root.iter():
        classes = (el.get("class") or "").split()
        if "icon" in classes:
            kinds = [c for c in classes if c.startswith("icon-")]
            assert len(kinds) == 1
            counts[kinds[0].removeprefix("icon-")] += 1
    return counts


def legend_counts(root: ET.Element) -> dict[str, int]:
    out: dict[str, int] = {}
    for el in root.iter(f"{SVG}text"):
        classes = (el.get("class") or "").split()
        if "legend" in classes:
            key = next(c for c in classes if c.startswith("legend-")).removeprefix("legend-")
            out[key] = int(el.get("data-count") or "-1")
    return out


def check(svg: str, total: int) -> ET.Element:
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    labelled = (root.get("aria-labelledby") or "").split()
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert len(labelled) == 2 and set(labelled) <= ids
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    assert (root.get("width"), root.get("height")) == (str(WIDTH), str(HEIGHT))
    counts = icon_counts(root)
    legend = legend_counts(root)
    assert sum(counts.values()) == total == sum(legend.values())
    for key, n in legend.items():
        assert counts.get(key, 0) == n, (key, counts, legend)
    return root


def test_predict_style_array_with_extra_benefit() -> None:
    svg = icon_array_svg(make([("base", 29, "with chemo as well"), ("extra", 52, "extra people"),
                               ("rest", 19, "the rest of the 100")]))
    root = check(svg, 100)
    assert icon_counts(root) == {"base": 29, "extra": 52, "rest": 19}
    # The extra people are the lighter shade with a hatch pattern, not a hue change alone.
    extra = next(el for el in root.iter() if "icon-extra" in (el.get("class") or ""))
    assert (extra.get("fill") or "").startswith("url(#")
    rest = next(el for el in root.iter() if "icon-rest" in (el.get("class") or ""))
    assert rest.tag == f"{SVG}circle"


def test_thousand_icon_array_has_the_same_outer_size() -> None:
    svg = icon_array_svg(make([("base", 3, "had it"), ("rest", 997, "the rest of the 1,000")],
                              total=1000, role="harm"))
    check(svg, 1000)


def test_text_is_escaped() -> None:
    svg = icon_array_svg(make([("base", 1, "a <b> & 'c'"), ("rest", 99, "rest")],
                              title='Risk <script>alert("x")</script> & more'))
    root = check(svg, 100)
    assert "<script>" not in svg
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == 'Risk <script>alert("x")</script> & more'


def test_counts_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ValueError, match="add up"):
        icon_array_svg(make([("base", 30, "x"), ("rest", 60, "y")]))
    with pytest.raises(ValueError, match="100 or 1,000"):
        icon_array_svg(make([("base", 5, "x"), ("rest", 5, "y")], total=10))


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


@pytest.mark.parametrize("role", ["benefit", "harm"])
def test_kinds_differ_in_lightness_so_they_read_in_grey(role: str) -> None:
    svg = icon_array_svg(make([("base", 10, "a"), ("extra", 10, "b"), ("rest", 80, "c")],
                              role=role))
    root = parse(svg)
    base = next(el for el in root.iter() if "icon-base" in (el.get("class") or ""))
    rest = next(el for el in root.iter() if "icon-rest" in (el.get("class") or ""))
    pattern_fill = re.search(r'<pattern[^>]*><rect[^>]*fill="(#[0-9a-f]{6})"', svg)
    assert pattern_fill is not None
    lums = [_luminance(base.get("fill") or ""), _luminance(pattern_fill.group(1)),
            _luminance(rest.get("fill") or "")]
    assert lums[0] < 0.15 < lums[1], lums          # dark vs light
    assert lums[2] > lums[0] + 0.4                  # grey rest far lighter than the dark kind


@given(st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1),
       st.sampled_from(["benefit", "harm", "context"]))
def test_any_counts_make_a_valid_array(result: float, control: float, role: str) -> None:
    scale = 1000 if result < 0.01 or 0 < control < 0.01 else 100
    segs = segments(icons(result, scale), icons(control, scale), scale, "x", "did it", "y")
    array = IconArray("p--ev.z--q", role, scale, segs, "T", "S", "D", "Src", True)  # type: ignore[arg-type]
    check(icon_array_svg(array), scale)


def test_every_array_for_an_example_patient_is_valid(pathway: Pathway) -> None:
    r = odds_report(pathway, load_odds_config(pathway.evidence),
                    assess(pathway, example_facts("first-relapse-cd19-positive"), AS_OF))
    arrays = [s.array for o in r.options for s in (*o.benefits, *o.harms) if s.array is not None]
    assert {a.role for a in arrays} == {"benefit", "harm"}
    names = set()
    for a in arrays:
        root = check(icon_array_svg(a), a.total)
        desc = root.find(f"{SVG}desc")
        assert desc is not None and desc.text is not None
        assert "Source:" in desc.text          # the source travels with the picture
        names.add(svg_filename(a))
        assert re.fullmatch(r"[A-Za-z0-9._-]+\.svg", svg_filename(a))
    assert len(names) == len(arrays)
    ino = next(a for a in arrays if a.id == "inotuzumab-ozogamicin--ev.ino-vate-2016--cr-cri")
    assert [(s.key, s.count) for s in ino.segments] == [("base", 29), ("extra", 52), ("rest", 19)]
    assert "A randomized trial" in ino.description

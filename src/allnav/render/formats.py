"""The output formats of a patient's result, by name: one registry instead of if/elif
chains in every command.

A renderer writes a :class:`~allnav.navigate.Navigation` to a text stream. Adding a format
is one function and one entry in :data:`RENDERERS`; ``allnav assess --format`` offers
every name here (tests/test_navigate.py checks each one renders).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TextIO

from rich.console import Console

from allnav.navigate import Knowledge, Navigation
from allnav.render.json_report import navigation_to_dict
from allnav.render.markdown import render_markdown
from allnav.render.text import render_text

Renderer = Callable[[Navigation, Knowledge, TextIO], None]


def write_json(nav: Navigation, knowledge: Knowledge, out: TextIO) -> None:
    """The JSON document (docs/assessment-json.md), the same one ``/api/assess`` answers."""
    out.write(json.dumps(navigation_to_dict(nav, knowledge), indent=2, ensure_ascii=False))
    out.write("\n")


def write_markdown(nav: Navigation, knowledge: Knowledge, out: TextIO) -> None:
    out.write(render_markdown(nav.assessment, knowledge.pathway, nav.care))
    out.write("\n")


def write_text(nav: Navigation, knowledge: Knowledge, out: TextIO) -> None:
    """For a clinician in a terminal (colours only when ``out`` is one)."""
    render_text(nav.assessment, knowledge.pathway, Console(file=out), nav.care)


RENDERERS: Mapping[str, Renderer] = MappingProxyType({
    "text": write_text,
    "json": write_json,
    "markdown": write_markdown,
})

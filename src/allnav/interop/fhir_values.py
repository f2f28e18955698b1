"""Reading FHIR JSON values defensively: any shape in, a value or ``None`` out, never a crash.

FHIR data from real systems is often invalid, so nothing here trusts a type: each accessor
checks what it gets. Dates keep their precision so that "most recent" and "stale" can be
judged honestly.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from allnav.interop.fhir_codes import CodeBook, Key, norm_text

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# FHIR data types that can end a choice element name (value[x], effective[x], onset[x] ...).
_CHOICE = re.compile(
    r"^([a-z][A-Za-z]*?)(Boolean|Integer|Integer64|Decimal|String|Code|Uri|Url|Canonical|Id|Oid"
    r"|Uuid|Markdown|Base64Binary|Instant|Date|DateTime|Time|PositiveInt|UnsignedInt|Address"
    r"|Age|Annotation|Attachment|CodeableConcept|CodeableReference|Coding|ContactPoint|Count"
    r"|Distance|Duration|HumanName|Identifier|Money|Period|Quantity|Range|Ratio|RatioRange"
    r"|Reference|SampledData|Signature|Timing|ContactDetail|Dosage|Expression|Meta)$"
)


def as_map(raw: object) -> Mapping[str, Any] | None:
    if type(raw) is dict:  # the common case from json.loads, without the slower ABC check
        return raw
    return raw if isinstance(raw, Mapping) else None


def as_list(raw: object) -> list[Any]:
    return raw if type(raw) is list or isinstance(raw, list) else []


def as_str(raw: object) -> str | None:
    return raw if isinstance(raw, str) and raw.strip() else None


def codings(concept: object) -> Iterator[tuple[str, str, str | None]]:
    """``(system, code, display)`` of each well-formed coding of a CodeableConcept."""
    cc = as_map(concept)
    if cc is None:
        return
    for c in as_list(cc.get("coding")):
        if type(c) is dict or isinstance(c, Mapping):
            system, code = c.get("system"), c.get("code")
            if type(system) is str and type(code) is str:
                display = c.get("display")
                yield system, code, display if type(display) is str else None


def concept_keys(book: CodeBook, concept: object) -> list[Key]:
    return [book.key(s, c) for s, c, _ in codings(concept)]


def concept_text(concept: object) -> str:
    """The normalised words of a CodeableConcept: its text and every coding display."""
    cc = as_map(concept)
    if cc is None:
        return ""
    parts = [t] if isinstance(t := cc.get("text"), str) else []
    parts += [d for _, _, d in codings(cc) if d]
    return norm_text(" ".join(parts)) if parts else ""


class When(NamedTuple):
    """A point in time as precise as the record gives it. Orders by date, then time of day."""

    date: dt.date
    seconds: int = -1  # seconds since midnight in the record's own offset; -1 = date only
    partial: bool = False  # the record gave only a year or a month


def parse_when(raw: object) -> When | None:
    """A FHIR date, dateTime or instant; ``None`` when absent or not a valid date."""
    if isinstance(raw, dt.datetime):  # YAML input gives date objects, not text
        return When(raw.date(), raw.hour * 3600 + raw.minute * 60 + raw.second)
    if isinstance(raw, dt.date):
        return When(raw)
    if not isinstance(raw, str):
        return None
    return _parse_text_when(raw)


@functools.lru_cache(maxsize=4096)  # results share timestamps (one CBC = several Observations)
def _parse_text_when(raw: str) -> When | None:
    text = raw.strip()
    m = _DATE.match(text)
    try:
        if m:
            y, mo, d = m.group(1), m.group(2), m.group(3)
            return When(dt.date(int(y), int(mo or 1), int(d or 1)), partial=d is None)
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return When(stamp.date(), stamp.hour * 3600 + stamp.minute * 60 + stamp.second)


def first_when(res: Mapping[str, Any], *elements: str, use_start: bool = False,
               ) -> tuple[When | None, str | None, bool]:
    """The first present element that holds a date. A period gives its end (a result is as
    recent as its end), or its start with ``use_start`` (a treatment was given from its start).

    Returns the date, the element it came from, and whether a present element was unreadable.
    """
    for name in elements:
        raw = res.get(name)
        if raw is None:
            continue
        if name.endswith("Period"):
            period = as_map(raw) or {}
            raw = period.get("start") if use_start else period.get("end") or period.get("start")
            if raw is None:
                continue
        when = parse_when(raw)
        if when is None:
            return None, name, True
        return when, name, False
    return None, None, False


def latest_when(res: Mapping[str, Any], *elements: str) -> tuple[When | None, str | None]:
    """The latest readable date among several elements (for a Condition's current status)."""
    best: tuple[When | None, str | None] = (None, None)
    for name in elements:
        raw = res.get(name)
        if name == "meta.lastUpdated":
            raw = (as_map(res.get("meta")) or {}).get("lastUpdated")
        elif name.endswith("Period"):
            raw = (as_map(raw) or {}).get("start")
        when = parse_when(raw)
        if when is not None and (best[0] is None or when > best[0]):
            best = (when, name)
    return best


def resource_problem(res: object) -> str | None:
    """Why a resource is not valid FHIR in a way that makes it unusable, or ``None``.

    Checks what a consumer can rely on cheaply: an object with a resourceType, a well-formed
    id, and at most one value of each choice element (``value[x]``), also in components.
    """
    if type(res) is not dict and not isinstance(res, Mapping):
        return "is not a JSON object"
    rtype = res.get("resourceType")
    if type(rtype) is not str or not _type_name(rtype):
        return "has no valid resourceType"
    rid = res.get("id")
    if rid is not None and not valid_id(rid):
        return "has an id that is not a FHIR id (1-64 letters, digits, '-' or '.')"
    clash = choice_clash(res)
    if clash is None:
        for comp in as_list(res.get("component")):
            if isinstance(comp, Mapping) and (clash := choice_clash(comp)) is not None:
                break
    if clash is not None:
        return f"has more than one {clash[0]}[x] ({', '.join(clash[1])}), which FHIR forbids"
    return None


def choice_clash(obj: Mapping[str, Any]) -> tuple[str, tuple[str, str]] | None:
    """The first choice element given twice (``("value", ("valueQuantity", "valueString"))``)."""
    # Resources of one kind share their element names, so the answer is kept per tuple of
    # names: one tuple and one dictionary look-up per resource instead of one per element.
    names = tuple(obj)
    try:
        return _CLASH_MEMO[names]
    except KeyError:
        pass
    except TypeError:  # an unhashable key in a non-JSON mapping: judge it without the memo
        return _find_clash(names)
    found = _find_clash(names)
    if len(_CLASH_MEMO) >= _MEMO_MAX:
        _CLASH_MEMO.clear()
    _CLASH_MEMO[names] = found
    return found


def _find_clash(names: tuple[object, ...]) -> tuple[str, tuple[str, str]] | None:
    seen: dict[str, str] = {}
    for key in names:
        if type(key) is not str or (base := _choice_base(key)) is None:
            continue
        if base in seen:
            return base, (seen[base], key)
        seen[base] = key
    return None


_CLASH_MEMO: dict[tuple[object, ...], tuple[str, tuple[str, str]] | None] = {}
_MEMO_MAX = 4096


@functools.lru_cache(maxsize=2048)  # element names repeat across every resource
def _choice_base(key: str) -> str | None:
    m = _CHOICE.match(key)
    return m.group(1) if m else None


@functools.lru_cache(maxsize=256)
def _type_name(name: str) -> bool:
    return bool(_TYPE.match(name))


def valid_id(raw: object) -> bool:
    return type(raw) is str and _ID.match(raw) is not None


def number(raw: object) -> float | None:
    """A finite JSON number (not a boolean), else ``None``."""
    if type(raw) is float:  # the common case, without the slower isinstance checks
        return raw if math.isfinite(raw) else None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None

"""Read ClinicalTrials.gov API v2 study records into :class:`~allnav.trials.model.Study`.

Every module and field is optional: a record with only an NCT id still
parses, and what is missing is simply unknown. Odd values (an age of
"eighteen", a geoPoint outside the globe) become warnings, never exceptions.
Pure: the caller reads files or the network and hands over parsed JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from allnav.problems import Loc, Problem
from allnav.trials.model import AgeLimit, Site, Study
from allnav.trials.recognise import recognise

_NCT = re.compile(r"^NCT\d{8}$")
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.IGNORECASE)
_PER_YEAR = {"year": 1.0, "month": 12.0, "week": 52.1775, "day": 365.25, "hour": 8766.0,
             "minute": 525960.0}
_NO_LIMIT = frozenset({"", "n/a", "na", "none", "no limit"})
#: MeSH descriptors for ALL: Precursor Cell Lymphoblastic Leukemia-Lymphoma (D054198) and its
#: B-cell (D015452) and T-cell (D054218) children. Ids come as "D054198" or "D000054198".
ALL_MESH = frozenset({54198, 15452, 54218})
_ALL_TEXT = re.compile(
    r"acute\s+lympho(?:blastic|cytic|id)\s+leuka?emia|lymphoblastic\s+(?:leuka?emia|lymphoma)|"
    r"precursor\s+(?:b[- ]cell\s+|t[- ]cell\s+|cell\s+)?lymphoblastic|\b[bt]-all\b|\bph\+?\s*all\b"
    r"|\bbcp-all\b", re.IGNORECASE)
_SEXES = {"ALL": "ALL", "FEMALE": "FEMALE", "MALE": "MALE", "BOTH": "ALL"}


def _get(obj: object, *path: str) -> Any:
    for key in path:
        # Parsed JSON is made of dicts: test for dict first (isinstance on an ABC is slow).
        if not (type(obj) is dict or isinstance(obj, Mapping)):
            return None
        obj = obj.get(key)
    return obj


#: Terminal escape sequences (CSI "ESC [ ... m", OSC links "ESC ] 8 ;; url ESC \\" or BEL) and
#: every other control character but newline and tab: record text reaches terminals and web
#: pages, and a record must not be able to rewrite what either shows.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|\x9b[0-?]*[ -/]*"
                      r"[@-~]|\x9d[^\x07\x9c]*(?:\x07|\x9c)?|\x1b[@-_]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Text without escape sequences and control characters (newlines and tabs kept;
    a carriage return becomes a newline; bidirectional overrides are removed too)."""
    if text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def _text(value: object) -> str | None:
    return clean(value).strip() or None if isinstance(value, str) else None


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(t for v in value if (t := _text(v)))


def mesh_number(mesh_id: str) -> int | None:
    """``D054198`` and ``D000054198`` are the same descriptor: its number, or ``None``."""
    m = re.fullmatch(r"D0*(\d+)", mesh_id.strip())
    return int(m.group(1)) if m else None


def parse_age(raw: object, loc: Loc, *, maximum: bool) -> tuple[AgeLimit | None, list[Problem]]:
    """An age limit from "18 Years", "6 Months", "N/A" (no limit) or nothing (no limit).

    A maximum of "75 Years" admits everyone who is 75, so its bound is 76 years.
    """
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in _NO_LIMIT):
        return None, []
    m = _AGE.match(raw) if isinstance(raw, str) else None
    if m is None or not isinstance(raw, str):
        return None, [Problem("age", loc, f"age limit {raw!r} is not like '18 Years' or "
                              "'6 Months'; read as no limit", severity="warning")]
    value, unit = float(m.group(1)), m.group(2).lower()
    years = (value + 1 if maximum else value) / _PER_YEAR[unit]
    return AgeLimit(round(years, 4), " ".join(raw.split())), []


def _site(raw: object, loc: Loc, problems: list[Problem]) -> Site | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem("site", loc, "a location must be an object", severity="warning"))
        return None
    lat, lon = _get(raw, "geoPoint", "lat"), _get(raw, "geoPoint", "lon")
    if not (isinstance(lat, int | float) and isinstance(lon, int | float)
            and -90 <= lat <= 90 and -180 <= lon <= 180) or isinstance(lat, bool):
        if raw.get("geoPoint") is not None:
            problems.append(Problem("geo", (*loc, "geoPoint"), "geoPoint is not a latitude and "
                                    "longitude; the site has no distance", severity="warning"))
        lat = lon = None
    status = _text(raw.get("status"))
    return Site(_text(raw.get("facility")), _text(raw.get("city")), _text(raw.get("state")),
                _text(raw.get("country")), status.upper() if status else None,
                float(lat) if lat is not None else None, float(lon) if lon is not None else None)


def is_all_study(conditions: tuple[str, ...], mesh_ids: tuple[str, ...]) -> bool:
    """An ALL study: MeSH D054198 (or a child) among the condition terms or their ancestors,
    or ALL named in the conditions or keywords."""
    if any(mesh_number(i) in ALL_MESH for i in mesh_ids):
        return True
    return any(_ALL_TEXT.search(c) for c in conditions)


def parse_study(raw: object, where: str = "", *, all_only: bool = False,
                read_criteria: bool = True) -> tuple[Study | None, list[Problem]]:
    """A :class:`Study` from one API v2 record, and the problems found.

    Returns ``None`` (with an error problem) only when the record has no usable
    NCT id; everything else that is missing is left unknown. With ``all_only``
    the eligibility text of a study that is not about ALL is not recognised (the
    matcher rules such a study out before reading its criteria), which is most
    of the cost of importing a large snapshot. Without ``read_criteria`` nothing is
    read and the text is handed back in ``Study.text`` for the store to read later.
    """
    top: Loc = (where,) if where else ()
    if not isinstance(raw, Mapping):
        return None, [Problem("type", top, "a study record must be a JSON object")]
    ps = raw.get("protocolSection")
    if not isinstance(ps, Mapping):
        return None, [Problem("missing", (*top, "protocolSection"),
                              "the record has no protocolSection, so no NCT id")]
    nct = _text(_get(ps, "identificationModule", "nctId"))
    if nct is None or not _NCT.match(nct):
        return None, [Problem("nct_id", (*top, "protocolSection", "identificationModule", "nctId"),
                              f"{nct!r} is not an NCT id like 'NCT01234567'" if nct else
                              "the record has no NCT id")]
    problems: list[Problem] = []
    ident = _get(ps, "identificationModule")
    elig = _get(ps, "eligibilityModule")
    eloc: Loc = (*top, "protocolSection", "eligibilityModule")
    min_age, found = parse_age(_get(elig, "minimumAge"), (*eloc, "minimumAge"), maximum=False)
    problems += found
    max_age, found = parse_age(_get(elig, "maximumAge"), (*eloc, "maximumAge"), maximum=True)
    problems += found
    sex_raw = _text(_get(elig, "sex"))
    sex = _SEXES.get(sex_raw.upper(), "ALL") if sex_raw else "ALL"
    if sex_raw and sex_raw.upper() not in _SEXES:
        problems.append(Problem("sex", (*eloc, "sex"), f"sex {sex_raw!r} is not ALL, FEMALE or "
                                "MALE; read as ALL", severity="warning"))
    browse = _get(raw, "derivedSection", "conditionBrowseModule")
    meshes = [m for key in ("meshes", "ancestors") for m in (_get(browse, key) or [])
              if isinstance(m, Mapping)]
    mesh_ids = tuple(i for m in meshes if (i := _text(m.get("id"))))
    mesh_terms = tuple(t for m in (_get(browse, "meshes") or []) if isinstance(m, Mapping)
                       and (t := _text(m.get("term"))))
    conditions = _texts(_get(ps, "conditionsModule", "conditions"))
    keywords = _texts(_get(ps, "conditionsModule", "keywords"))
    locations = _get(ps, "contactsLocationsModule", "locations")
    sites = tuple(s for i, r in enumerate(locations if isinstance(locations, list) else [])
                  if (s := _site(r, (*top, "protocolSection", "contactsLocationsModule",
                                     "locations", i), problems)))
    is_all = is_all_study(conditions + keywords, mesh_ids)
    text = _text(_get(elig, "eligibilityCriteria"))
    criteria, unrecognised = ((), 0) if (all_only and not is_all) or not read_criteria else \
        recognise(text)
    status = _text(_get(ps, "statusModule", "overallStatus"))
    interventions = tuple(n for i in (_get(ps, "armsInterventionsModule", "interventions") or [])
                          if (n := _text(_get(i, "name"))))
    return Study(
        nct_id=nct,
        title=_text(_get(ident, "briefTitle")) or _text(_get(ident, "officialTitle")) or nct,
        status=status.upper() if status else "UNKNOWN",
        is_all=is_all,
        official_title=_text(_get(ident, "officialTitle")),
        acronym=_text(_get(ident, "acronym")),
        phases=_texts(_get(ps, "designModule", "phases")),
        conditions=conditions,
        mesh_terms=mesh_terms,
        sponsor=_text(_get(ps, "sponsorCollaboratorsModule", "leadSponsor", "name")),
        interventions=interventions,
        min_age=min_age,
        max_age=max_age,
        sex=sex,
        last_update=_text(_get(ps, "statusModule", "lastUpdatePostDateStruct", "date"))
        or _text(_get(ps, "statusModule", "lastUpdateSubmitDate")),
        criteria=criteria,
        unrecognised=unrecognised,
        sites=sites,
        text=None if read_criteria else text,
    ), problems


def study_records(data: object) -> list[object]:
    """The study records in parsed JSON: one record, a list of records, or an API page
    (``{"studies": [...], "nextPageToken": ...}``)."""
    if isinstance(data, list):
        return list(data)
    if isinstance(data, Mapping) and isinstance(data.get("studies"), list):
        return list(data["studies"])
    return [data]

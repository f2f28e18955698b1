"""Places and distances without a geocoding service.

A place the user names ("Houston, TX", "Texas", "Germany") is found among the
study sites themselves, whose records carry a geoPoint: a city becomes the
point of its sites, a state or country becomes the set of site points inside
it (a site in the region is 0 km away; one outside is as far as the nearest
point in the region). Pure: the store supplies the candidate sites.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from allnav.problems import InputError, Problem
from allnav.trials.model import Site

EARTH_KM = 6371.0088  # mean Earth radius (IUGG)

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico",
    # Canadian provinces, written the same way on ClinicalTrials.gov.
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "ON": "Ontario", "QC": "Quebec",
    "SK": "Saskatchewan",
}
COUNTRY_ALIASES = {
    "usa": "United States", "us": "United States", "u.s.": "United States",
    "u.s.a.": "United States", "united states of america": "United States", "america": "United States",
    "uk": "United Kingdom", "great britain": "United Kingdom", "england": "United Kingdom",
    "korea": "Korea, Republic of", "south korea": "Korea, Republic of",
    "the netherlands": "Netherlands", "holland": "Netherlands", "deutschland": "Germany",
}
_SAME_CITY_KM = 60.0  # sites of one city lie within this of each other


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class Place:
    """A place resolved from the site list: a city point, or a state or country region."""

    query: str
    label: str
    kind: Literal["city", "state", "country"]
    points: tuple[tuple[float, float], ...]
    state: str | None = None
    country: str | None = None

    def distance_km(self, site: Site) -> float | None:
        """Kilometres from the place to a site; ``None`` when the site has no geoPoint."""
        if self.kind != "city" and self._contains(site):
            return 0.0
        if site.lat is None or site.lon is None:
            return None
        lat, lon = site.lat, site.lon
        return min(haversine_km(p[0], p[1], lat, lon) for p in self.points)

    def bounding_box(self, km: float) -> tuple[float, float, float, float] | None:
        """(south, north, west, east) around the place's points, wide enough that every
        point within ``km`` lies inside; ``None`` when it would wrap a pole or the date line
        (the caller then filters by distance alone)."""
        dlat = km / 111.0  # a degree of latitude is at least 110.57 km
        south = min(p[0] for p in self.points) - dlat
        north = max(p[0] for p in self.points) + dlat
        if south < -89 or north > 89:
            return None
        # A degree of longitude shrinks with cos(latitude): use the widest latitude in the box.
        dlon = km / (111.0 * math.cos(math.radians(max(abs(south), abs(north)))))
        west = min(p[1] for p in self.points) - dlon
        east = max(p[1] for p in self.points) + dlon
        if west < -180 or east > 180:
            return None
        return south, north, west, east

    def _contains(self, site: Site) -> bool:
        if self.country and _same(site.country, self.country):
            return self.kind == "country" or _same(site.state, self.state)
        return False


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.casefold() == b.casefold()


def expand(name: str) -> list[str]:
    """The names a user's word may stand for: 'TX' -> Texas, 'USA' -> United States."""
    n = name.strip()
    out = [n]
    if n.upper() in US_STATES and len(n) == 2:
        out.append(US_STATES[n.upper()])
    if n.casefold() in COUNTRY_ALIASES:
        out.append(COUNTRY_ALIASES[n.casefold()])
    return out


def place_names(query: str) -> set[str]:
    """Every name the store must look up to resolve ``query`` (lower case)."""
    return {e.casefold() for part in query.split(",") for e in expand(part) if e.strip()}


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _dedupe(points: Iterable[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    # Sites share city centroids; rounding to ~1 km keeps the region small to scan.
    return tuple(sorted({(round(a, 2), round(b, 2)) for a, b in points}))


def _fail(msg: str) -> InputError:
    return InputError([Problem("near", ("--near",), msg)])


def resolve_place(query: str, sites: Iterable[Site]) -> Place:
    """Resolve "City", "City, ST", "City, State", "City, Country", a state or a country
    from the study sites. Raises :class:`InputError` when nothing matches or when a city
    name is ambiguous (Springfield), saying what to write instead."""
    parts = [p.strip() for p in query.split(",") if p.strip()]
    if not parts:
        raise _fail("give a place such as 'Houston, TX', 'Texas' or 'Germany'")
    located = [s for s in sites if s.lat is not None and s.lon is not None]
    first = {e.casefold() for e in expand(parts[0])}
    quals = [{e.casefold() for e in expand(p)} for p in parts[1:]]

    def fits(value: str | None, names: set[str]) -> bool:
        return value is not None and value.casefold() in names

    city = [s for s in located if fits(s.city, first)
            and all(fits(s.state, q) or fits(s.country, q) for q in quals)]
    if city:
        groups: dict[tuple[str | None, str | None], list[tuple[float, float]]] = {}
        for s in city:
            groups.setdefault((s.state, s.country), []).append((s.lat or 0.0, s.lon or 0.0))
        centres = {k: _mean(v) for k, v in groups.items()}
        anchor = next(iter(centres.values()))
        if any(haversine_km(*anchor, *c) > _SAME_CITY_KM for c in centres.values()):
            options = "; ".join(f"{parts[0]}, {', '.join(p for p in k if p)}" for k in centres)
            raise _fail(f"'{query}' matches study sites in more than one place ({options}); "
                        "add the state or country")
        state, country = next(iter(centres))
        label = ", ".join(p for p in (city[0].city, state, country) if p)
        return Place(query, label, "city", (_mean([c for v in groups.values() for c in v]),),
                     state, country)
    if len(parts) == 1:
        in_state = [s for s in located if fits(s.state, first)]
        if in_state:
            where = in_state[0]
            return Place(query, ", ".join(p for p in (where.state, where.country) if p), "state",
                         _dedupe((s.lat or 0.0, s.lon or 0.0) for s in in_state
                                 if s.country == where.country), where.state, where.country)
        nation = [s for s in located if fits(s.country, first)]
        if nation:
            return Place(query, str(nation[0].country), "country",
                         _dedupe((s.lat or 0.0, s.lon or 0.0) for s in nation), None,
                         nation[0].country)
    raise _fail(f"no study site in the trial store is in '{query}'; try the nearest large city "
                "('Houston, TX'), a state ('Texas') or a country ('Germany')")

"""Units on input values: accept an explicit unit, convert it, refuse what could be misread.

A count or a temperature typed without its unit is the classic way a decision
tool goes silently wrong: an ANC of ``0.3`` means 300/µL in 10⁹/L and would be
read as 0.3/µL; a temperature of ``101.2`` is Fahrenheit. So:

- A **plain number keeps the v1 unit** of its field (°C, /µL, g/dL, mmHg; see
  :data:`QUANTITIES`), exactly as in facts format 1.
- A value may carry its unit explicitly, as ``{"value": 0.3, "unit": "10*9/L"}``
  or as text ``"0.3 10*9/L"``. It is converted to the v1 unit.
- A value that is impossible in its unit, a plain number that only makes sense
  in another unit (a fractional cell count, a platelet count below 1,000/µL),
  a unit that is unknown or belongs to another field, is **refused** with a
  message naming the field and the allowed units. Nothing is guessed.

UCUM codes are the canonical spellings (``Cel``, ``[degF]``, ``/uL``, ``10*9/L``,
``10*3/uL``, ``g/dL``, ``g/L``, ``mm[Hg]``); common lab-report spellings are
accepted beside them. Hemoglobin in mmol/L is refused on purpose: the factor
depends on whether the laboratory counts the hemoglobin monomer or tetramer (a
factor of four apart), so it cannot be converted without asking.

This module is pure: :func:`normalize` is called by
:func:`allnav.facts_reader.read_facts` for every value, so it is always active.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from allnav.facts import FieldSpec
from allnav.problems import Loc, Problem


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit a quantity may be given in, and how to convert it to the field's v1 unit."""

    code: str
    label: str
    spellings: tuple[str, ...]
    to_v1: Callable[[float], float]


@dataclass(frozen=True, slots=True)
class Quantity:
    """The units of one numeric fact, and the plain values that would be ambiguous."""

    field: str
    what: str
    v1: Unit
    others: tuple[Unit, ...] = ()
    #: Spellings that are recognised but refused, with the reason shown to the user.
    refused: tuple[tuple[str, str], ...] = ()
    #: Decimal places kept after conversion: enough to drop float noise
    #: (100.4 °F must be exactly 38.0 °C) without moving a value across a threshold.
    decimals: int = 3
    #: A count of cells per µL is a whole number; a plain fraction means another unit.
    whole_count: bool = False
    #: Plain values above zero but below this are impossible in the v1 unit.
    plain_nonzero_minimum: float | None = None

    @property
    def units(self) -> tuple[Unit, ...]:
        return (self.v1, *self.others)


def _same(v: float) -> float:
    return v


def _times(factor: float) -> Callable[[float], float]:
    def convert(v: float) -> float:
        return v * factor
    return convert


def _fahrenheit_to_celsius(v: float) -> float:
    return (v - 32.0) * 5.0 / 9.0


_PER_UL = Unit("/uL", "cells/µL",
               ("/ul", "cells/ul", "{cells}/ul", "/mm3", "cells/mm3"), _same)
_GIGA_PER_L = Unit("10*9/L", "×10⁹/L, i.e. 1,000/µL", ("10*9/l",), _times(1000.0))
_THOUSAND_PER_UL = Unit("10*3/uL", "×10³/µL, i.e. 1,000/µL", ("10*3/ul", "k/ul", "10*3/mm3"),
                        _times(1000.0))

#: The numeric facts that accept units, by dotted fact name.
QUANTITIES: Mapping[str, Quantity] = MappingProxyType({
    q.field: q for q in (
        Quantity(
            "symptoms.temperature_c", "temperature",
            Unit("Cel", "°C", ("cel", "°c", "ºc", "c", "degc", "celsius"), _same),
            (Unit("[degF]", "°F",
                  ("[degf]", "°f", "ºf", "f", "degf", "fahrenheit"), _fahrenheit_to_celsius),),
            decimals=2,
        ),
        Quantity("symptoms.anc_per_ul", "neutrophil count (ANC)", _PER_UL,
                 (_GIGA_PER_L, _THOUSAND_PER_UL), whole_count=True),
        Quantity("symptoms.platelets_per_ul", "platelet count", _PER_UL,
                 (_GIGA_PER_L, _THOUSAND_PER_UL), whole_count=True,
                 # Analysers report platelets to the nearest 1,000/µL (1 ×10⁹/L); a plain
                 # 45 is 45 ×10⁹/L written without its unit, not 45 platelets per µL.
                 plain_nonzero_minimum=1000),
        Quantity(
            "symptoms.hemoglobin_g_dl", "hemoglobin",
            Unit("g/dL", "g/dL", ("g/dl",), _same),
            (Unit("g/L", "g/L, i.e. 0.1 g/dL", ("g/l",), _times(0.1)),),
            refused=(("mmol/l", "hemoglobin in mmol/L is not converted: the factor depends "
                      "on whether the laboratory counts the monomer or the tetramer; give it in "
                      "g/dL or g/L"),),
            decimals=2,
        ),
        Quantity("symptoms.systolic_bp_mmhg", "systolic blood pressure",
                 Unit("mm[Hg]", "mmHg", ("mm[hg]", "mmhg"), _same), decimals=1),
    )
})

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER_ONLY = re.compile(rf"^\s*({_NUMBER})\s*$")
_NUMBER_AND_UNIT = re.compile(rf"^\s*({_NUMBER})\s*(\S.*?)\s*$")
_OBJECT_KEYS = ("value", "unit")


def canonical_spelling(unit: str) -> str:
    """A unit as typed, reduced for lookup: no spaces, micro signs as ``u``, powers as ``*``."""
    s = unit.strip().lower().replace(" ", "")
    for micro in ("µ", "μ"):  # micro sign and Greek mu look the same and both occur
        s = s.replace(micro, "u")
    s = s.replace("×", "x").replace("^", "*").replace("⁹", "*9").replace("³", "*3")
    if s.startswith("x10"):
        s = s[1:]
    return s


def _lookup(q: Quantity, unit: str) -> Unit | None:
    key = canonical_spelling(unit)
    for u in q.units:
        if key == canonical_spelling(u.code) or key in u.spellings:
            return u
    return None


def _owner(unit: str) -> Quantity | None:
    """The quantity a unit belongs to, to say 'that is a unit of hemoglobin'."""
    for q in QUANTITIES.values():
        if _lookup(q, unit) is not None:
            return q
    return None


def allowed_units(field: str) -> str:
    """The units a field accepts, for messages: ``'Cel' (°C, the unit of a plain number), ...``."""
    q = QUANTITIES[field]
    parts = [f"'{q.v1.code}' ({q.v1.label}, the unit of a plain number)"]
    parts += [f"'{u.code}' ({u.label})" for u in q.others]
    return ", ".join(parts)


def _show(v: float) -> str:
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.4f}".rstrip("0").rstrip(".")


def _with_v1_unit(spec: FieldSpec, v: float) -> str:
    unit = spec.unit or ""
    return f"{_show(v)}{unit}" if unit.startswith("/") else f"{_show(v)} {unit}".rstrip()


def _unit_problem(loc: Loc, msg: str, field: str) -> Problem:
    return Problem("unit", loc, msg, ctx={"allowed_units": [u.code for u in QUANTITIES[field].units]})


def _in_range(spec: FieldSpec, v: float) -> bool:
    # Every number spec has both bounds.
    assert spec.minimum is not None
    assert spec.maximum is not None
    return spec.minimum <= v <= spec.maximum


def _range_text(spec: FieldSpec) -> str:
    assert spec.minimum is not None
    assert spec.maximum is not None
    return f"{_show(spec.minimum)} to {_with_v1_unit(spec, spec.maximum)}"


def _with_unit(spec: FieldSpec, q: Quantity, value: float, unit_text: str,
               loc: Loc) -> tuple[object, list[Problem]]:
    name = spec.name
    refused = dict(q.refused).get(canonical_spelling(unit_text))
    if refused:
        return None, [_unit_problem(loc, f"{refused}. Allowed units: {allowed_units(name)}", name)]
    unit = _lookup(q, unit_text)
    if unit is None:
        owner = _owner(unit_text)
        if owner is not None:
            why = f"'{unit_text}' is a unit of the {owner.what}, not of the {q.what}"
        else:
            why = f"unknown unit '{unit_text}'"
        return None, [_unit_problem(loc, f"{why}; allowed units: {allowed_units(name)}", name)]
    converted = round(unit.to_v1(value), q.decimals)
    if not _in_range(spec, converted):
        shown = f"{_show(value)} {unit.code}"
        if unit is not q.v1:
            shown += f" is {_with_v1_unit(spec, converted)}, which"
        return None, [_unit_problem(
            loc, f"{shown} is outside the possible range of the {q.what} "
            f"({_range_text(spec)}); check the value and its unit. Allowed units: "
            f"{allowed_units(name)}", name)]
    return converted, []


def _plain(spec: FieldSpec, q: Quantity, value: float, loc: Loc) -> tuple[object, list[Problem]]:
    name = spec.name
    hint = f"a plain number is read in {spec.unit}"
    # Show how to write the value with a unit only where that unit makes it possible;
    # the value is still refused, never converted on a guess.
    fits = [u for u in q.others if _in_range(spec, u.to_v1(value))]
    if fits:
        hint += (f"; if the value is in {fits[0].label.split(',')[0]}, write it with its unit: "
                 f"{{value: {_show(value)}, unit: '{fits[0].code}'}}")
    hint += f". Allowed units: {allowed_units(name)}"
    if not _in_range(spec, value):
        return None, [_unit_problem(
            loc, f"{_show(value)} is outside the possible range of the {q.what} "
            f"({_range_text(spec)}); {hint}", name)]
    # A tolerance keeps float noise from another system's conversion
    # (350.00000000000006) from counting as a fraction.
    if q.whole_count and abs(value - round(value)) > 1e-6:
        return None, [_unit_problem(
            loc, f"{_show(value)} is not a whole number of cells per µL, so the unit is "
            f"ambiguous; {hint}", name)]
    if q.plain_nonzero_minimum is not None and 0 < value < q.plain_nonzero_minimum:
        return None, [_unit_problem(
            loc, f"a {q.what} of {_show(value)}/µL is not possible (counts are reported in "
            f"steps of {_show(q.plain_nonzero_minimum)}/µL), so the unit is ambiguous; {hint}",
            name)]
    return value, []


def _number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if not (isinstance(raw, int | float) or (isinstance(raw, str) and _NUMBER_ONLY.match(raw))):
        return None
    v = float(raw)
    return v if math.isfinite(v) else None


def normalize(spec: FieldSpec, raw: object, loc: Loc) -> tuple[object, list[Problem]]:
    """Convert a value given with a unit to ``spec``'s v1 unit, or refuse it.

    Returns the value to validate further (unchanged when it has no unit to
    handle) and the problems found; a non-empty problem list means the value
    is refused. Fields without units are passed through, except that a
    ``{value, unit}`` object is refused for them with a clear message.
    """
    q = QUANTITIES.get(spec.name)
    if isinstance(raw, Mapping):
        if spec.kind not in ("number", "integer"):
            return raw, []  # the reader's own checks name what this field takes
        if q is None:
            with_units = ", ".join(QUANTITIES)
            return None, [Problem("unit", loc, f"takes a plain number{_v1_unit(spec)} without a "
                                  f"unit object; units are accepted only for: {with_units}")]
        return _object(spec, q, raw, loc)
    if q is None:
        return raw, []
    if isinstance(raw, str):
        if _NUMBER_ONLY.match(raw):
            value = _number(raw)
            return (raw, []) if value is None else _plain(spec, q, value, loc)
        m = _NUMBER_AND_UNIT.match(raw)
        if m:
            value = _number(m.group(1))
            if value is not None:
                return _with_unit(spec, q, value, m.group(2), loc)
        return raw, []  # 'unknown' and other words: the reader decides
    value = _number(raw)
    if value is None:
        return raw, []  # booleans, NaN, lists: the reader names the problem
    return _plain(spec, q, value, loc)


def _v1_unit(spec: FieldSpec) -> str:
    return f" in {spec.unit}" if spec.unit else ""


def _object(spec: FieldSpec, q: Quantity, raw: Mapping[object, object],
            loc: Loc) -> tuple[object, list[Problem]]:
    name = spec.name
    problems: list[Problem] = []
    for key in raw:
        if key not in _OBJECT_KEYS:
            problems.append(_unit_problem(
                (*loc, str(key)), f"unknown key '{key}'; a value with a unit has exactly "
                "'value' and 'unit'", name))
    for key in _OBJECT_KEYS:
        if key not in raw:
            problems.append(_unit_problem(
                (*loc, key), f"is required; allowed units: {allowed_units(name)}", name))
    if problems:
        return None, problems
    value = _number(raw["value"])
    if value is None:
        return None, [_unit_problem(
            (*loc, "value"), "must be a number (write 'unknown' instead of the whole object "
            "when the value is not known)", name)]
    unit = raw["unit"]
    if not isinstance(unit, str) or not unit.strip():
        return None, [_unit_problem(
            (*loc, "unit"), f"must be one of the allowed units: {allowed_units(name)}", name)]
    return _with_unit(spec, q, value, unit, loc)


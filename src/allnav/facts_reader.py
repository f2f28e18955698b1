"""Read patient facts (format v1) from JSON, YAML or a mapping, with clear errors.

Every problem is collected, not just the first, and each names the field path
and what is allowed; an unknown key suggests the nearest known one. Nothing
here logs: messages go back to the caller, who shows them to the person who
typed the input.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from allnav import units
from allnav.facts import FIELDS, SYMPTOM_KEYS, TOP_LEVEL_KEYS, Facts, FieldSpec, Symptoms
from allnav.nesting import TooDeep, deeper_than, safe_load_yaml, too_deep_message
from allnav.problems import InputError, Loc, Problem, suggest

#: Keys allowed beside the facts: a format marker and a free-text label for examples.
META_KEYS = ("facts_format", "description")
_UNKNOWN_WORDS = frozenset({"unknown", "not known", "don't know", "dont know", "n/a", ""})
_NUMBER_TEXT = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
_MUTATION = re.compile(r"^[A-Z]\d{2,4}[A-Z*]$")

#: Hooks that turn a raw value into a v1 value before validation, for extensions.
#: Units (``{"value": 0.3, "unit": "10*9/L"}``) are not a hook: :func:`allnav.units.normalize`
#: is called for every value, so unit handling never depends on import order.
ValueAdapter = Callable[[FieldSpec, object, Loc], tuple[object, list[Problem]]]
_value_adapters: list[ValueAdapter] = []


def register_value_adapter(adapter: ValueAdapter) -> None:
    """Let an extension accept other spellings of a value (units) before validation."""
    _value_adapters.append(adapter)


def _is_unknown(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in _UNKNOWN_WORDS)


def _allowed(spec: FieldSpec) -> str:
    if spec.kind in ("choice", "choice-list"):
        return "one of " + ", ".join(f"'{c}'" for c in spec.choices) + ", or 'unknown'"
    if spec.kind == "boolean":
        return "true, false or 'unknown'"
    if spec.kind in ("number", "integer"):
        what = "a whole number" if spec.kind == "integer" else "a number"
        unit = f" {spec.unit}" if spec.unit else ""
        return f"{what} from {spec.minimum:g} to {spec.maximum:g}{unit}, or 'unknown'"
    if spec.kind == "date":
        return "a date as YYYY-MM-DD"
    return "a list of text values"


def _choice(spec: FieldSpec, raw: object, loc: Loc) -> tuple[str | None, list[Problem]]:
    if not isinstance(raw, str):
        return None, [Problem("choice", loc, f"must be {_allowed(spec)}")]
    for c in spec.choices:
        if raw.strip().lower() == c.lower():
            return c, []
    hint = suggest(raw.strip(), spec.choices)
    msg = f"'{raw}' is not allowed; must be {_allowed(spec)}"
    if hint:
        msg += f" (did you mean '{hint}'?)"
    return None, [Problem("choice", loc, msg, ctx={"allowed": spec.choices})]


def _number(spec: FieldSpec, raw: object, loc: Loc) -> tuple[float | int | None, list[Problem]]:
    value: float
    if isinstance(raw, bool):
        return None, [Problem("number", loc, f"must be {_allowed(spec)}, not true/false")]
    if isinstance(raw, int | float) or (isinstance(raw, str) and _NUMBER_TEXT.match(raw)):
        value = float(raw)
    else:
        return None, [Problem("number", loc, f"must be {_allowed(spec)}")]
    if not math.isfinite(value):
        return None, [Problem("number", loc, f"must be {_allowed(spec)}")]
    if spec.kind == "integer" and not value.is_integer():
        return None, [Problem("integer", loc, f"must be {_allowed(spec)}")]
    # Every number spec has both bounds (tests check the table).
    assert spec.minimum is not None
    assert spec.maximum is not None
    if not spec.minimum <= value <= spec.maximum:
        return None, [Problem(
            "range", loc,
            f"{raw!r} is outside the possible range; must be {_allowed(spec)}",
            ctx={"minimum": spec.minimum, "maximum": spec.maximum, "unit": spec.unit},
        )]
    return (int(value) if spec.kind == "integer" else value), []


def _value(spec: FieldSpec, raw: object, loc: Loc) -> tuple[object, list[Problem]]:
    problems: list[Problem] = []
    raw, found = units.normalize(spec, raw, loc)
    if found:
        return None, found
    for adapt in _value_adapters:
        raw, found = adapt(spec, raw, loc)
        problems += found
        if found:
            return None, problems
    if _is_unknown(raw):
        return None, []
    if spec.kind == "choice":
        value, found = _choice(spec, raw, loc)
        if value is not None and value in spec.unknown_values:
            # Kept as "unknown" for reasoning; the words are in the spec's docs.
            return None, found
        return value, found
    if spec.kind in ("number", "integer"):
        return _number(spec, raw, loc)
    if spec.kind == "boolean":
        if isinstance(raw, bool):
            return raw, []
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true", []
        return None, [Problem("boolean", loc, f"must be {_allowed(spec)}")]
    if spec.kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date(), []
        if isinstance(raw, dt.date):
            return raw, []
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw.strip()), []
            except ValueError:
                pass
        return None, [Problem("date", loc, f"must be {_allowed(spec)}")]
    # Lists: choice-list and text-list.
    if not isinstance(raw, list | tuple):
        return None, [Problem("list", loc, f"must be a list ({_allowed(spec)})")]
    items: list[str] = []
    for i, item in enumerate(raw):
        if spec.kind == "choice-list":
            value, found = _choice(spec, item, (*loc, i))
            problems += found
            if value is not None and value not in items:
                items.append(value)
        elif isinstance(item, str) and _MUTATION.match(item.strip().upper()):
            if item.strip().upper() not in items:
                items.append(item.strip().upper())
        else:
            problems.append(Problem(
                "mutation", (*loc, i),
                f"{item!r} is not a protein-change name like 'T315I' or 'E255K'",
            ))
    return tuple(items), problems


def read_facts(data: object, *, default_as_of: dt.date | None = None) -> tuple[Facts, tuple[Problem, ...]]:
    """Validate a facts mapping and build :class:`Facts`.

    Returns the facts and the warnings (inconsistencies worth a look). Raises
    :class:`InputError` listing every error when any value is unusable.
    """
    if not isinstance(data, Mapping):
        raise InputError([Problem(
            "type", (), "patient facts must be an object of field: value pairs "
            f"(known fields: {', '.join(TOP_LEVEL_KEYS)})",
        )])
    problems: list[Problem] = []
    top: dict[str, Any] = {}
    symptoms: dict[str, Any] = {}
    for key, raw in data.items():
        if not isinstance(key, str):
            problems.append(Problem("unknown_field", (str(key),), "field names must be text"))
            continue
        if key in META_KEYS:
            if key == "facts_format" and raw not in (None, 1, "1"):
                problems.append(Problem("format", (key,), "only facts format 1 is known"))
            continue
        if key == "symptoms":
            if _is_unknown(raw):
                continue
            if not isinstance(raw, Mapping):
                problems.append(Problem("type", (key,), "must be an object, e.g. "
                                        "{temperature_c: 38.5, anc_per_ul: 300}"))
                continue
            for skey, sraw in raw.items():
                spec = FIELDS.get(f"symptoms.{skey}")
                if spec is None:
                    problems.append(_unknown_key(("symptoms", str(skey)), SYMPTOM_KEYS))
                    continue
                value, found = _value(spec, sraw, ("symptoms", skey))
                problems += found
                symptoms[skey] = value
            continue
        spec = FIELDS.get(key)
        if spec is None:
            problems.append(_unknown_key((key,), TOP_LEVEL_KEYS))
            continue
        value, found = _value(spec, raw, (key,))
        problems += found
        if key.startswith("symptoms."):
            # The table's own name for a symptom (``symptoms.temperature_c``), written flat:
            # the same fact as under ``symptoms:``. Given both ways, it is refused, not guessed.
            skey = key.split(".", 1)[1]
            if skey in symptoms or (isinstance(data.get("symptoms"), Mapping)
                                    and skey in data["symptoms"]):
                problems.append(Problem("duplicate", (key,), f"given twice: as '{key}' and "
                                        f"as '{skey}' under 'symptoms'; keep one"))
            symptoms[skey] = value
            continue
        top[key] = value
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(errors)
    if top.get("as_of") is None:
        top["as_of"] = default_as_of
    facts = Facts(symptoms=Symptoms(**symptoms), **top)
    counted = facts.symptoms.counts_date
    if counted is not None and facts.as_of is not None and counted > facts.as_of:
        # A count "from the future" is a typing error, and a silent one would make an
        # out-of-date count look current.
        raise InputError([Problem(
            "date", ("symptoms", "counts_date"),
            f"{counted.isoformat()} is after the assessment date {facts.as_of.isoformat()}; "
            "give the date the blood was taken (today or earlier)",
        )])
    return facts, tuple(consistency_warnings(facts))


def _unknown_key(loc: Loc, known: tuple[str, ...]) -> Problem:
    name = str(loc[-1])
    hint = suggest(name, known)
    msg = f"unknown field '{name}'"
    msg += f" (did you mean '{hint}'?)" if hint else f"; known fields: {', '.join(known)}"
    return Problem("unknown_field", loc, msg, ctx={"suggestion": hint} if hint else {})


def consistency_warnings(f: Facts) -> list[Problem]:
    """Facts that contradict each other or fall outside what the evidence covers."""
    out: list[Problem] = []

    def warn(loc: str, msg: str) -> None:
        out.append(Problem("consistency", (loc,), msg, severity="warning"))

    if f.age_years is not None and f.age_years < 18:
        warn("age_years", "ALL Navigator is built from evidence in adults (18 and over); "
             "children's treatment follows pediatric protocols")
    if f.disease_status == "relapsed" and f.relapse_count == 0:
        warn("relapse_count", "disease_status is 'relapsed' but relapse_count is 0")
    if f.disease_status == "primary-refractory" and f.relapse_count not in (None, 0):
        warn("relapse_count", "primary-refractory disease never reached remission, "
             "so it cannot have relapsed; check disease_status and relapse_count")
    if f.disease_status == "remission" and f.relapse_count == 0:
        warn("disease_status", "a first remission that never relapsed is outside this tool, "
             "which covers relapsed or refractory ALL")
    if f.disease_status == "remission" and f.response_to_latest_treatment == "no-response":
        warn("response_to_latest_treatment",
             "'no-response' contradicts disease_status 'remission'")
    if f.ph_status == "negative" and f.abl1_mutations:
        warn("abl1_mutations", "ABL1 mutations are listed but ph_status is 'negative'")
    if f.lineage == "T" and (f.cd19 == "positive" or f.cd22 == "positive"):
        warn("lineage", "CD19 or CD22 marked positive in T-lineage ALL; check the immunophenotype")
    if f.relapse_sites and f.disease_status == "primary-refractory":
        warn("relapse_sites", "relapse sites are given for disease that never went into remission")
    return out


def parse_text(text: str, *, source: str = "input") -> object:
    """Parse JSON or YAML text (YAML is a superset of JSON) into plain data."""
    stripped = text.lstrip()
    if not stripped:
        raise InputError([Problem("empty", (), f"{source} is empty")])
    json_error: str | None = None
    too_deep = InputError([Problem("nesting", (), too_deep_message(source))])
    if stripped[0] in "{[":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            # Could still be YAML flow style; let YAML decide, but keep JSON's message.
            json_error = f"line {e.lineno} column {e.colno}: {e.msg}"
        except RecursionError:  # json stops by itself at about 1,000 levels, cheaply
            raise too_deep from None
        else:
            if deeper_than(data):
                raise too_deep
            return data
    try:
        return safe_load_yaml(text)
    except TooDeep:
        raise too_deep from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        detail = json_error or f"{where}{getattr(e, 'problem', None) or 'not valid YAML'}"
        raise InputError([Problem("syntax", (), f"{source} is not valid JSON or YAML ({detail})")]) from None

"""FHIR R4 / mCODE input: a Bundle, a list of resources or bulk NDJSON in, patient facts out.

Works on plain dicts (``json.loads`` output): every resource is checked cheaply, indexed by
type once, and read through the code list in ``knowledge/fhir-codes.yaml``. One bad resource
is a warning, never a failure: it is reported with its place (``entry[7].resource``) and id,
and the rest is used. Every derived fact carries a :class:`~allnav.facts.FactSource`.

Nothing here logs. Problems name resources and elements, not values.

Public functions (also used by the CDS Hooks service): :func:`facts_from_bundle`,
:func:`facts_from_resources`, :func:`is_fhir`; and :func:`facts_from_ndjson` and
:func:`read_fhir_input` for the command line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any, cast

from allnav.facts import Facts
from allnav.facts_reader import consistency_warnings
from allnav.interop.fastjson import loads
from allnav.interop.fhir_codes import load_codebook
from allnav.interop.fhir_derive import Deriver, Item, short_ref
from allnav.interop.fhir_values import as_list, as_map, choice_clash, resource_problem, valid_id
from allnav.nesting import deeper_than, too_deep_message
from allnav.problems import InputError, Loc, Problem, format_loc

__all__ = ["facts_from_bundle", "facts_from_ndjson", "facts_from_ndjson_lines",
           "facts_from_resources", "is_fhir", "read_fhir_input"]

_BUNDLE_TYPES = frozenset({"collection", "searchset", "transaction", "batch", "document",
                           "message", "transaction-response", "batch-response"})
_TREATMENT_TYPES = ("MedicationRequest", "MedicationStatement", "MedicationAdministration",
                    "Procedure")
#: The types read as this patient's records: each must name the patient as its subject.
_READ_FOR_THE_PATIENT = frozenset({"Observation", "Condition", *_TREATMENT_TYPES})
_MAX_DEPTH = 3
#: resourceType values already found well-formed (a cache of resource_problem's check).
_VALID_TYPES: set[str] = set()
Raw = tuple[Loc, str | None, object]  # where, Bundle.entry.fullUrl, the resource


def is_fhir(data: object) -> bool:
    """Whether ``data`` looks like FHIR: a resource or Bundle, a list of resources, or NDJSON
    text whose first line is a resource. Plain patient facts have no ``resourceType``."""
    if isinstance(data, Mapping):
        return isinstance(data.get("resourceType"), str)
    if isinstance(data, list | tuple):
        return bool(data) and isinstance(data[0], Mapping) and \
            isinstance(data[0].get("resourceType"), str)
    if isinstance(data, str):
        first = next((line.strip() for line in data.splitlines() if line.strip()), "")
        return first.startswith("{") and '"resourceType"' in first
    return False


def facts_from_bundle(bundle: Mapping[str, Any], as_of: dt.date) -> tuple[Facts, tuple[Problem, ...]]:
    """Facts and warnings from one patient's FHIR R4 Bundle (collection, searchset,
    transaction, ...). Raises :class:`InputError` if ``bundle`` is not a Bundle at all, or if
    it holds more than one patient."""
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise InputError([Problem("fhir_not_bundle", (), "not a FHIR Bundle: expected an "
                                  "object with \"resourceType\": \"Bundle\"")])
    if bundle.get("entry") is not None and not isinstance(bundle.get("entry"), list):
        raise InputError([Problem("fhir_not_bundle", ("entry",), "Bundle.entry must be a list")])
    problems: list[Problem] = []
    raws = _bundle_entries(bundle, (), problems, 0)
    return _derive(raws, as_of, "Bundle", problems)


def facts_from_resources(resources: Iterable[Mapping[str, Any]], as_of: dt.date,
                         server: str | None = None) -> tuple[Facts, tuple[Problem, ...]]:
    """Facts and warnings from one patient's resources, e.g. CDS Hooks prefetch values.

    Items may be resources or (searchset) Bundles, which are opened; ``None`` items (a
    prefetch key with no data) are skipped; OperationOutcomes are reported. Locations in
    problems are ``("resources", i, ...)``. Raises :class:`InputError` for more than one
    patient. ``server`` is the FHIR base URL they came from (CDS Hooks ``fhirServer``):
    absolute references under it name the same patient as relative ones.
    """
    problems: list[Problem] = []
    raws: list[Raw] = []
    for i, res in enumerate(resources):
        if type(res) is dict and res.get("resourceType") != "Bundle":
            raws.append((("resources", i), None, res))  # the common case, without a call
        else:
            raws += _expand((("resources", i), None, res), problems, 0)
    return _derive(raws, as_of, "FHIR resources", problems, server)


def facts_from_ndjson(text: str, as_of: dt.date) -> tuple[Facts, tuple[Problem, ...]]:
    """Facts and warnings from bulk-data NDJSON (one resource per line) for one patient.
    A line that is not JSON is a warning; no resource at all is an :class:`InputError`."""
    return facts_from_ndjson_lines(text.splitlines(), as_of)


def facts_from_ndjson_lines(lines: Iterable[str | bytes], as_of: dt.date,
                            ) -> tuple[Facts, tuple[Problem, ...]]:
    """:func:`facts_from_ndjson` on lines already split: one patient's lines of a bulk
    export, as population screening hands them over (the same derivation, line by line)."""
    problems: list[Problem] = []
    raws: list[Raw] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            res = loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            why = e.msg if isinstance(e, json.JSONDecodeError) else "not UTF-8"
            problems.append(Problem("fhir_invalid_resource", ("line", n),
                                    f"line {n} is not valid JSON ({why}); it was not used",
                                    severity="warning"))
            continue
        except RecursionError:  # json stops by itself at about 1,000 levels, cheaply
            res = None
        if res is None or deeper_than(res):
            raise InputError([Problem("nesting", ("line", n), too_deep_message(f"line {n}"))])
        raws += _expand((("line", n), None, res), problems, 0)
    if not raws:
        raise InputError(problems or [Problem("empty", (), "the NDJSON file has no resources")])
    return _derive(raws, as_of, "NDJSON file", problems)


def read_fhir_input(data: object, today: dt.date) -> tuple[Facts, tuple[Problem, ...]] | None:
    """Reader for :data:`allnav.cli.inputs.READERS`: FHIR facts, or ``None`` if not FHIR."""
    if not is_fhir(data):
        return None
    if isinstance(data, str):
        return facts_from_ndjson(data, today)
    if isinstance(data, Mapping):
        if data.get("resourceType") == "Bundle":
            return facts_from_bundle(data, today)
        return facts_from_resources([data], today)
    return facts_from_resources(list(data), today)  # type: ignore[call-overload]


def _warn(problems: list[Problem], type_: str, loc: Loc, msg: str, **ctx: object) -> None:
    problems.append(Problem(type_, loc, msg, severity="warning", ctx=ctx))


def _bundle_entries(bundle: Mapping[str, Any], loc: Loc, problems: list[Problem], depth: int,
                    ) -> list[Raw]:
    btype = bundle.get("type")
    if not (isinstance(btype, str) and btype in _BUNDLE_TYPES):
        _warn(problems, "fhir_bundle_type", (*loc, "type"),
              f"Bundle type '{btype}' is not a set of patient records; its resources are read "
              "as they are")
    for link in map(as_map, as_list(bundle.get("link"))):
        if link is not None and link.get("relation") == "next":
            _warn(problems, "fhir_paged", (*loc, "link"), "the Bundle is one page of a larger "
                  "search (it has a 'next' link); records on other pages were not read")
    out: list[Raw] = []
    for i, entry in enumerate(as_list(bundle.get("entry"))):
        if type(entry) is not dict and not isinstance(entry, Mapping):
            _warn(problems, "fhir_invalid_resource", (*loc, "entry", i),
                  "is not an object; it was not used")
            continue
        if "resource" not in entry:
            request = as_map(entry.get("request")) or {}
            if request.get("method") != "DELETE":
                _warn(problems, "fhir_invalid_resource", (*loc, "entry", i),
                      "has no resource; skipped")
            continue
        res = entry["resource"]
        if res is None:
            continue
        full_url = entry.get("fullUrl")
        raw: Raw = ((*loc, "entry", i, "resource"),
                    full_url if isinstance(full_url, str) else None, res)
        if type(res) is dict and res.get("resourceType") != "Bundle":
            out.append(raw)  # the common case, without a call
        else:
            out += _expand(raw, problems, depth)
    return out


def _expand(raw: Raw, problems: list[Problem], depth: int) -> list[Raw]:
    loc, _, res = raw
    if res is None:
        return []
    if isinstance(res, Mapping) and res.get("resourceType") == "Bundle":
        if depth >= _MAX_DEPTH:
            _warn(problems, "fhir_invalid_resource", loc, "Bundles nested this deep are not read")
            return []
        return _bundle_entries(res, loc, problems, depth + 1)
    return [raw]


def _derive(raws: list[Raw], as_of: dt.date, where: str, problems: list[Problem],
            server: str | None = None) -> tuple[Facts, tuple[Problem, ...]]:
    book = load_codebook()
    by_type: dict[str, list[Item]] = {}
    patient_ids: dict[str, Item] = {}
    patient_urls: set[str] = set()
    servers = {server} if server else set()  # where the records came from
    new_item = tuple.__new__  # Item(...) without the call through its generated __new__
    for order, (loc, full_url, res) in enumerate(raws):
        if type(res) is dict and type(rtype := res.get("resourceType")) is str \
                and rtype in _VALID_TYPES and "component" not in res \
                and ((rid := res.get("id")) is None or valid_id(rid)) and choice_clash(res) is None:
            pass  # valid: the common case of resource_problem, checked inline
        elif (reason := resource_problem(res)) is not None:
            rid = res.get("id") if isinstance(res, Mapping) else None
            name = f"{res.get('resourceType')}/{rid}" if isinstance(res, Mapping) and \
                valid_id(rid) else "this resource"
            _warn(problems, "fhir_invalid_resource", loc,
                  f"{name} is not valid FHIR: it {reason}; it was not used", resource=name)
            continue
        else:
            res = cast(Mapping[str, Any], res)  # resource_problem checked it, and its id
            rtype = res["resourceType"]
            rid = res.get("id")
            if len(_VALID_TYPES) < 256:
                _VALID_TYPES.add(rtype)
        item: Item = new_item(Item, (order, loc, f"{rtype}/{rid}" if rid is not None else
                                     f"{rtype} at {format_loc(loc)}", res))
        if (same := by_type.get(rtype)) is None:
            by_type[rtype] = [item]
        else:
            same.append(item)
        if rtype == "Patient":
            patient_ids.setdefault(str(rid or full_url or item.ref), item)
            if full_url:
                patient_urls.add(full_url)
        if full_url is not None and "://" in full_url:
            servers.add(full_url.rsplit("/", 2)[0])  # https://host/fhir of .../Type/id
    patient = _one_patient(patient_ids, by_type)
    own = _own_references(patient, patient_urls, servers)
    deriver = Deriver(book, as_of, where)
    for item in by_type.get("Medication", []):
        deriver.medications[item.ref] = item.res
    for rtype, items in by_type.items():
        check = rtype in _READ_FOR_THE_PATIENT
        for item in items:
            if check:
                res = item.res
                subject = res.get("subject")
                # The common case first: a subject that is exactly this patient's reference.
                if not (type(subject) is dict and subject.get("reference") in own
                        and "patient" not in res) \
                        and (why := _not_this_patient(res, patient, own)) is not None:
                    type_, text = why
                    _warn(problems, type_, item.loc, f"{item.ref} {text}; it was not used",
                          resource=item.ref)
                    continue
            if rtype == "Observation":
                deriver.observation(item)
            elif rtype == "Patient":
                deriver.patient(item)
            elif rtype == "Condition":
                deriver.condition(item)
            elif rtype in _TREATMENT_TYPES:
                deriver.treatment(item, rtype)
            elif rtype == "OperationOutcome":
                _outcome(item, problems)
    facts, found = deriver.resolve()
    return facts, tuple(problems + found + consistency_warnings(facts))


def _one_patient(patients: Mapping[str, Item], by_type: Mapping[str, list[Item]]) -> str | None:
    """The reference of the one patient the input is about; more than one is an error."""
    if len(patients) > 1:
        raise InputError([Problem("fhir_many_patients", (), f"the input holds {len(patients)} "
                                  "different Patient resources; give one patient's records")])
    if patients:
        return next(iter(patients.values())).ref
    named = {r for items in by_type.values() for i in items for r in _subjects(i.res)}
    if len(named) > 1:
        raise InputError([Problem("fhir_many_patients", (), f"the records refer to {len(named)} "
                                  "different patients; give one patient's records")])
    # No Patient resource: the records are about the one patient they all name (if any).
    return next(iter(named)) if named else None


def _subjects(res: Mapping[str, Any]) -> list[str]:
    out = []
    for key in ("subject", "patient"):
        target = res.get(key)
        if target is None:
            continue
        ref = short_ref((as_map(target) or {}).get("reference"))
        if ref is not None and ref.startswith("Patient/"):
            out.append(ref)
    return out


def _own_references(patient: str | None, urls: set[str], servers: set[str]) -> frozenset[str]:
    """The reference texts that name ``patient`` (``Patient/id``): the relative reference,
    the Patient entry's ``fullUrl``, and its absolute URL on the servers the records came
    from (the CDS Hooks ``fhirServer``, the bases of the entries' ``fullUrl``)."""
    if patient is None:
        return frozenset()
    return frozenset({patient, *urls, *(f"{s.rstrip('/')}/{patient}" for s in servers)})


def _not_this_patient(res: Mapping[str, Any], patient: str | None, own: frozenset[str],
                      ) -> tuple[str, str] | None:
    """Why ``res`` cannot be read as this patient's (problem type, text); ``None`` if it can.

    Only a resource whose ``subject`` (or ``patient``) references this patient is used: one
    about a Group, identified only by an identifier, on another server, or with no subject
    at all could be anyone's (a fever read from it would drive this patient's urgent card).
    """
    targets = [res[key] for key in ("subject", "patient") if res.get(key) is not None]
    if not targets:
        return "fhir_no_subject", "names no subject (patient)"
    for target in targets:
        ref = (as_map(target) or {}).get("reference")
        if not isinstance(ref, str) or not ref:
            if "identifier" in (as_map(target) or {}):
                return "fhir_no_subject", "names its subject by an identifier only, not a reference"
            return "fhir_no_subject", "has a subject without a reference"
        if ref in own:
            continue
        if ref.startswith("#"):
            return "fhir_other_server", "names a contained resource as its subject, not this patient"
        short = short_ref(ref)
        if short is None or not short.startswith("Patient/"):
            kind = short.split("/")[0] if short else ref.split("/")[0][:40]
            return "fhir_not_a_patient", f"is about a {kind}, not this patient"
        if patient is not None and short != patient:
            return "fhir_other_patient", f"is about another patient than {patient}"
        if "://" in ref or ref.startswith("urn:"):
            return "fhir_other_server", f"refers to its patient on another server ({short})"
        if patient is None:
            return "fhir_no_subject", "names a patient who is not in the records"
        # A versioned or otherwise relative form of this patient's own reference.
    return None


def _outcome(item: Item, problems: list[Problem]) -> None:
    for issue in map(as_map, as_list(item.res.get("issue"))):
        if issue is not None and issue.get("severity") in ("fatal", "error", "warning"):
            code = issue.get("code") if isinstance(issue.get("code"), str) else "unknown"
            _warn(problems, "fhir_server_outcome", item.loc,
                  f"the server reported a problem ({issue.get('severity')}: {code}); some "
                  "records may be missing", resource=item.ref)
            return

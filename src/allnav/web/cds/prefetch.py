"""The FHIR data of a CDS Hooks call: prefetch first, the EHR's FHIR server for the rest.

How each prefetch key is read, as the spec says:

- **absent**: the EHR chose not to (or could not) prefetch it; fetch it over FHIR REST
  when ``fhirServer`` and ``fhirAuthorization`` are given;
- **null**: there is no such data (an empty result, not an error);
- **OperationOutcome** (or anything that is not a FHIR resource): the EHR hit an
  error; treated like absent;
- a **searchset Bundle**: its resources; ``OperationOutcome`` entries are skipped and
  a ``next`` page is followed on the same FHIR server when a token is given.

When a required key (:data:`REQUIRED`) can be had neither way, the call answers
412 Precondition Failed. Optional keys that are missing become a note on the cards.
The access token is sent only to ``fhirServer`` and never logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from allnav.interop.fhir_codes import load_codebook
from allnav.web.cds.models import CdsRequest
from allnav.web.settings import Settings

log = logging.getLogger("allnav.web.cds.prefetch")

PATIENT = "{{context.patientId}}"
#: The prefetch templates declared at discovery.
TEMPLATES: Mapping[str, str] = {
    "patient": f"Patient/{PATIENT}",
    "conditions": f"Condition?patient={PATIENT}",
    "observations": f"Observation?patient={PATIENT}&category=laboratory,vital-signs,survey"
                    "&_sort=-date&_count=200",
    "medications": f"MedicationRequest?patient={PATIENT}",
    "procedures": f"Procedure?patient={PATIENT}",
}
#: Without these the service cannot say anything about the patient (412 when missing).
REQUIRED = ("patient", "conditions", "observations")
_WHAT = {
    "medications": "medication orders (prior treatments may be unknown)",
    "procedures": "procedures (a prior transplant may be unknown)",
    "observations": "observations",
    "conditions": "conditions",
    "patient": "the patient record",
}
MAX_PAGES = 5
_REF = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})$")
_ssl_context: ssl.SSLContext | None = None


class PreconditionFailed(Exception):
    """Required FHIR data could be had neither from prefetch nor from the FHIR server."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = tuple(keys)
        super().__init__(", ".join(self.keys))


class WrongPatient(Exception):
    """The prefetched Patient is not the patient in context."""


@dataclass
class Gathered:
    resources: list[Mapping[str, Any]] = field(default_factory=list)
    #: Plain-words notes for the clinician about data that could not be read.
    notes: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    dropped_other_patient: int = 0


def render(template: str, patient_id: str) -> str:
    """A prefetch template with the (already validated, URL-safe) patient id filled in."""
    return template.replace(PATIENT, patient_id)


def _is_error(value: object) -> bool:
    """True when a prefetch value is not usable data (an OperationOutcome or junk)."""
    if value is None:
        return False
    if not isinstance(value, Mapping) or not isinstance(value.get("resourceType"), str):
        return True
    return bool(value["resourceType"] == "OperationOutcome")


def _resources(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, Mapping):
        return []
    if value.get("resourceType") != "Bundle":
        return [value]
    out = []
    entries = value.get("entry")
    for e in entries if isinstance(entries, list) else []:
        # type() first: the isinstance check against the Mapping ABC is slow, and json
        # gives dicts (a searchset holds a few hundred entries).
        r = e.get("resource") if type(e) is dict or isinstance(e, Mapping) else None
        if (type(r) is dict or isinstance(r, Mapping)) \
                and isinstance(rtype := r.get("resourceType"), str) and rtype != "OperationOutcome":
            out.append(r)
    return out


def _next_link(value: object) -> str | None:
    if not isinstance(value, Mapping) or value.get("resourceType") != "Bundle":
        return None
    links = value.get("link")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, Mapping) and link.get("relation") == "next" \
                and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def _same_server(url: str, server: str) -> bool:
    """Only URLs under ``fhirServer`` may receive the access token."""
    a, b = urlsplit(url), urlsplit(server)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc) and a.path.startswith(b.path.rstrip("/"))


def _ssl() -> ssl.SSLContext:
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = ssl.create_default_context()
    return _ssl_context


class _Fetcher:
    def __init__(self, req: CdsRequest, settings: Settings) -> None:
        assert req.fhirServer is not None
        assert req.fhirAuthorization is not None
        self.server = req.fhirServer.rstrip("/")
        self.deadline = time.monotonic() + settings.fhir_timeout_seconds
        self.client = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {req.fhirAuthorization.access_token}",
                     "Accept": "application/fhir+json"},
            timeout=httpx.Timeout(settings.fhir_timeout_seconds),
            follow_redirects=False, transport=settings.fhir_transport, verify=_ssl(),
        )

    async def get(self, url: str) -> object:
        """The JSON at ``url``; raises on any failure (the caller decides what that means)."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or not _same_server(url, self.server):
            raise httpx.TimeoutException("no time left") if remaining <= 0 else ValueError(url)
        response = await asyncio.wait_for(self.client.get(url), remaining)
        if response.status_code == 404 or response.status_code == 410:
            return None
        response.raise_for_status()
        return response.json()

    async def key(self, template: str, patient_id: str) -> object:
        return await self.get(f"{self.server}/{render(template, patient_id)}")

    async def pages(self, value: object) -> list[Mapping[str, Any]]:
        """The resources of the pages after ``value`` (a Bundle), as far as time allows."""
        out: list[Mapping[str, Any]] = []
        for _ in range(MAX_PAGES):
            url = _next_link(value)
            if url is None:
                break
            value = await self.get(url)
            out += _resources(value)
        return out


def _can_fetch(req: CdsRequest, settings: Settings) -> bool:
    if req.fhirServer is None or req.fhirAuthorization is None:
        return False
    return req.fhirServer.startswith("https://") or settings.fhir_allow_http


async def gather(req: CdsRequest, settings: Settings) -> Gathered:
    """All resources for the patient in context; raises :class:`PreconditionFailed`."""
    patient_id = req.context.patientId
    prefetch = req.prefetch or {}
    out = Gathered()
    values: dict[str, object] = {}
    wanted: list[str] = []
    for key in TEMPLATES:
        if key in prefetch and not _is_error(prefetch[key]):
            values[key] = prefetch[key]
        else:
            wanted.append(key)
    fetcher = _Fetcher(req, settings) if _can_fetch(req, settings) else None
    unavailable: list[str] = []
    if fetcher is not None:
        async with fetcher.client:
            keys = list(wanted)
            results = await asyncio.gather(
                *(fetcher.key(TEMPLATES[k], patient_id) for k in keys), return_exceptions=True)
            for k, result in zip(keys, results, strict=True):
                if isinstance(result, BaseException) or _is_error(result):
                    log.warning("FHIR fetch of '%s' failed (%s)", k, type(result).__name__)
                    unavailable.append(k)
                else:
                    values[k] = result
                    out.fetched.append(k)
            more = await asyncio.gather(
                *(fetcher.pages(v) for v in values.values()), return_exceptions=True)
            extra = [r for m in more if not isinstance(m, BaseException) for r in m]
    else:
        unavailable = wanted
        extra = []
        if any(_next_link(v) for v in values.values()):
            out.notes.append("Some results came in pages that could not be fetched; "
                             "older results may be missing.")
    failed = [k for k in unavailable if k in REQUIRED]
    if failed:
        raise PreconditionFailed(failed)
    for k in unavailable:
        out.notes.append(f"The EHR did not provide {_WHAT.get(k, k)}.")
    seen: set[tuple[str, str]] = set()
    patient = values.get("patient")
    if isinstance(patient, Mapping) and patient.get("resourceType") == "Patient" \
            and patient.get("id") not in (None, patient_id):
        raise WrongPatient()
    own = f"Patient/{patient_id}"
    keep = out.resources.append
    for r in [r for v in values.values() for r in _resources(v)] + extra:
        rid = r.get("id")
        if isinstance(rid, str):
            seen_key = (r["resourceType"], rid)
            if seen_key in seen:
                continue
            seen.add(seen_key)
        subject = r.get("subject")
        if type(subject) is dict and subject.get("reference") == own and "patient" not in r \
                and r["resourceType"] != "Patient":
            keep(r)  # the common case: about the patient in context, said plainly
        elif _other_patient(r, patient_id, own):
            out.dropped_other_patient += 1
        else:
            keep(r)
    if out.dropped_other_patient:
        log.warning("dropped %d resources about another patient", out.dropped_other_patient)
        out.notes.append("Some records named another patient and were left out.")
    return out


def _other_patient(r: Mapping[str, Any], patient_id: str, own: str) -> bool:
    if r.get("resourceType") == "Patient":
        return r.get("id") not in (None, patient_id)
    for key in ("subject", "patient"):
        ref = r.get(key)
        if type(ref) is dict or isinstance(ref, Mapping):
            text = ref.get("reference")
            if text == own or not isinstance(text, str):
                continue  # the common case, without a regular expression
            m = _REF.search(text)
            if m and m.group(1) != patient_id:
                return True
    return False


# -- Is this a patient the service is for? -------------------------------------------------
# patient-view fires for every chart opened; the service answers only when a Condition
# records acute lymphoblastic leukemia, and returns no cards otherwise. Codes come from
# the shared code list (knowledge/fhir-codes.yaml); free text is matched by name.
_ALL_TEXT = re.compile(
    r"lymphoblastic\s+leuk|acute\s+lympho(?:id|cytic)\s+leuk|(?<![A-Za-z0-9])[BT][- ]?ALL(?![A-Za-z0-9])")
_NOT_A_DIAGNOSIS = ("refuted", "entered-in-error")


def _codings(concept: object) -> Iterable[Mapping[str, Any]]:
    codings = concept.get("coding") if isinstance(concept, Mapping) else None
    return [c for c in codings if isinstance(c, Mapping)] if isinstance(codings, list) else []


def mentions_all(resources: Iterable[Mapping[str, Any]]) -> bool:
    """True when a Condition (not refuted) records acute lymphoblastic leukemia."""
    book = load_codebook()
    for r in resources:
        if r.get("resourceType") != "Condition":
            continue
        if any(c.get("code") in _NOT_A_DIAGNOSIS for c in _codings(r.get("verificationStatus"))):
            continue
        code = r.get("code")
        texts = [code.get("text")] if isinstance(code, Mapping) else []
        for c in _codings(code):
            system, value = c.get("system"), c.get("code")
            if isinstance(system, str) and isinstance(value, str) \
                    and book.key(system, value) in book.diagnoses:
                return True
            texts.append(c.get("display"))
        if any(isinstance(t, str) and _ALL_TEXT.search(t) for t in texts):
            return True
    return False

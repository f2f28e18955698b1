"""A test harness that plays the EHR (CDS Client) against the real app, in process.

It owns an ES384 key pair generated at test time, publishes its public JWK Set to
the app's settings, signs a fresh JWT for each call (``aud`` = the exact URL called),
and sends realistic CDS Hooks requests: prefetch present, missing, ``null`` or an
OperationOutcome. It can also misbehave on purpose: expired, replayed, wrong
audience, wrong issuer, ``alg: none``, HS256.

Nothing here touches the network: requests go through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI

from allnav.web.settings import Issuer, Settings

BASE = "http://allnav.test"
SERVICE = "allnav-rr-all"
SERVICE_PATH = f"/cds-services/{SERVICE}"
PATIENT_ID = "pat-7781"
USER_ID = "Practitioner/dr-okafor"
FHIR_SERVER = "https://ehr.test/fhir"
FHIR_TOKEN = "fhir-access-token-s3cr3t-5d1c"
AS_OF = dt.date(2026, 11, 29)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Ehr:
    """One EHR: an issuer URI, a signing key and its ``kid``."""

    iss: str = "https://ehr.test/issuer"
    kid: str = field(default_factory=lambda: f"k-{uuid.uuid4().hex[:8]}")
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP384R1()))

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "ES384", "use": "sig"})
        return dict(jwk)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def issuer(self, **kw: Any) -> Issuer:
        return Issuer(self.iss, self.jwks(), **kw)

    def settings(self, **kw: Any) -> Settings:
        """Settings trusting this EHR only, with a fixed date and no network."""
        base = Settings(issuers={self.iss: self.issuer()}, base_url=BASE, today=lambda: AS_OF)
        return replace(base, **kw)

    def claims(self, aud: str | list[str], **over: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.iss, "aud": aud, "exp": now + 300, "iat": now,
                                  "jti": str(uuid.uuid4())}
        claims.update(over)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, aud: str | list[str], *, headers: Mapping[str, Any] | None = None,
              key: Any = None, alg: str = "ES384", **over: Any) -> str:
        """A signed JWT for ``aud`` (``over`` replaces claims; ``None`` removes one)."""
        hdr = {"kid": self.kid, "typ": "JWT", **(headers or {})}
        hdr = {k: v for k, v in hdr.items() if v is not None}
        return jwt.encode(self.claims(aud, **over), key or self.key, algorithm=alg, headers=hdr)

    def none_token(self, aud: str) -> str:
        """An unsigned ``alg: none`` JWT, which the spec forbids."""
        header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": self.kid}).encode())
        payload = _b64(json.dumps(self.claims(aud)).encode())
        return f"{header}.{payload}."

    def hs256_token(self, aud: str) -> str:
        """A symmetric HS256 JWT keyed with the public JWK text (the classic confusion attack)."""
        secret = json.dumps(self.public_jwk()).encode()
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": self.kid}).encode())
        payload = _b64(json.dumps(self.claims(aud)).encode())
        mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(mac)}"


def rsa_ehr(iss: str = "https://rsa-ehr.test") -> tuple[rsa.RSAPrivateKey, Issuer, str]:
    """An RS384 issuer: its private key, its :class:`Issuer`, and its kid."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "rsa-1", "alg": "RS384"})
    return key, Issuer(iss, {"keys": [jwk]}), "rsa-1"


# -- Requests ------------------------------------------------------------------------------

def hook_request(prefetch: Mapping[str, Any] | None = None, *, fhir: bool = False,
                 **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": USER_ID, "patientId": PATIENT_ID},
    }
    if prefetch is not None:
        body["prefetch"] = dict(prefetch)
    if fhir:
        body["fhirServer"] = FHIR_SERVER
        body["fhirAuthorization"] = {
            "access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
            "scope": "patient/Patient.read patient/Observation.read", "subject": "allnav",
            "patient": PATIENT_ID,
        }
    body.update(over)
    return body


def send(app: FastAPI, method: str, path: str, *, token: str | None = None,
         json_body: Any = None, content: bytes | None = None,
         headers: Mapping[str, str] | None = None) -> httpx.Response:
    """One HTTP request to the app in process, as the EHR would send it."""
    hdrs = dict(headers or {})
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            if content is not None:
                hdrs.setdefault("Content-Type", "application/json")
                return await client.request(method, path, content=content, headers=hdrs)
            if json_body is not None:
                return await client.request(method, path, json=json_body, headers=hdrs)
            return await client.request(method, path, headers=hdrs)

    return asyncio.run(go())


def call(app: FastAPI, ehr: Ehr, body: Any, *, path: str = SERVICE_PATH) -> httpx.Response:
    """A correctly signed service call."""
    return send(app, "POST", path, token=ehr.token(BASE + path), json_body=body)


# -- FHIR data -----------------------------------------------------------------------------

def _ref() -> dict[str, str]:
    return {"reference": f"Patient/{PATIENT_ID}"}


def _loinc(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": "http://loinc.org", "code": code, "display": display}],
            "text": display}


def _obs(oid: str, code: str, display: str, category: str, when: dt.date,
         **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": oid, "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": category}]}],
        "code": _loinc(code, display), "subject": _ref(),
        "effectiveDateTime": when.isoformat(), **value,
    }


def _qty(v: float, unit: str, ucum: str) -> dict[str, Any]:
    return {"valueQuantity": {"value": v, "unit": unit, "system": "http://unitsofmeasure.org",
                              "code": ucum}}


def patient() -> dict[str, Any]:
    return {"resourceType": "Patient", "id": PATIENT_ID, "gender": "female",
            "birthDate": "1978-03-14", "name": [{"family": "Lindqvist", "given": ["Maren"]}]}


def conditions() -> list[dict[str, Any]]:
    return [{
        "resourceType": "Condition", "id": "cond-ball",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "relapse"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed"}]},
        "code": {"coding": [
            {"system": "http://snomed.info/sct", "code": "277571004",
             "display": "B-cell acute lymphoblastic leukemia"},
            {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C91.02",
             "display": "Acute lymphoblastic leukemia, in relapse"}],
            "text": "B-ALL, first relapse"},
        "subject": _ref(), "onsetDateTime": "2024-05-02",
    }, {
        "resourceType": "Condition", "id": "cond-htn",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003",
                             "display": "Hypertension"}]},
        "subject": _ref(),
    }]


#: A day of labs for a patient on treatment: blood count and chemistry (LOINC).
_HISTORY = (
    ("718-7", "Hemoglobin [Mass/volume] in Blood", 10.5, "g/dL"),
    ("777-3", "Platelets [#/volume] in Blood by Automated count", 120, "10*3/uL"),
    ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", 4.2, "10*3/uL"),
    ("751-8", "Neutrophils [#/volume] in Blood by Automated count", 2.1, "10*3/uL"),
    ("2951-2", "Sodium [Moles/volume] in Serum or Plasma", 139, "mmol/L"),
    ("2823-3", "Potassium [Moles/volume] in Serum or Plasma", 4.1, "mmol/L"),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", 0.9, "mg/dL"),
    ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", 31, "U/L"),
    ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", 28, "U/L"),
    ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", 0.8, "mg/dL"),
    ("2532-0", "Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma", 410, "U/L"),
    ("3084-1", "Urate [Mass/volume] in Serum or Plasma", 5.2, "mg/dL"),
)


def observations(n_history: int = 180, *, fever: bool = True) -> list[dict[str, Any]]:
    """Current findings and a long history of blood counts (most recent first)."""
    today = AS_OF
    out = [
        _obs("ecog-1", "89247-1", "ECOG performance status", "survey", today, valueInteger=1),
        _obs("dz-1", "97509-4", "Cancer disease progression", "survey", today,
             valueCodeableConcept={"coding": [{"system": "http://snomed.info/sct",
                                               "code": "271299001",
                                               "display": "Patient's condition worsened"}]}),
        _obs("temp-1", "8310-5", "Body temperature", "vital-signs", today,
             **_qty(38.7 if fever else 36.8, "Cel", "Cel")),
        _obs("anc-1", "751-8", "Neutrophils [#/volume] in Blood", "laboratory", today,
             **_qty(0.3, "10*3/uL", "10*3/uL")),
        _obs("hgb-1", "718-7", "Hemoglobin [Mass/volume] in Blood", "laboratory", today,
             **_qty(9.1, "g/dL", "g/dL")),
        _obs("plt-1", "777-3", "Platelets [#/volume] in Blood", "laboratory", today,
             **_qty(64, "10*3/uL", "10*3/uL")),
    ]
    for i in range(n_history):
        when = today - dt.timedelta(days=3 + i // len(_HISTORY))
        code, display, value, unit = _HISTORY[i % len(_HISTORY)]
        out.append(_obs(f"hist-{i}", code, display, "laboratory", when, **_qty(value, unit, unit)))
    return out


def medications() -> list[dict[str, Any]]:
    return [{
        "resourceType": "MedicationRequest", "id": "mr-hyper-cvad", "status": "completed",
        "intent": "order", "subject": _ref(), "authoredOn": "2024-05-10",
        "medicationCodeableConcept": {"text": "Hyper-CVAD (intensive chemotherapy)"},
    }]


def procedures() -> list[dict[str, Any]]:
    return [{"resourceType": "Procedure", "id": "proc-bm", "status": "completed",
             "subject": _ref(), "code": {"text": "Bone marrow aspiration"},
             "performedDateTime": "2026-11-20"}]


def searchset(resources: list[dict[str, Any]], *, next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle", "type": "searchset", "total": len(resources),
        "entry": [{"fullUrl": f"{FHIR_SERVER}/{r['resourceType']}/{r['id']}", "resource": r,
                   "search": {"mode": "match"}} for r in resources],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def full_prefetch(n_history: int = 180, *, fever: bool = True) -> dict[str, Any]:
    """Prefetch for every key, about ``n_history + 12`` resources in all."""
    return {
        "patient": patient(),
        "conditions": searchset(conditions()),
        "observations": searchset(observations(n_history, fever=fever)),
        "medications": searchset(medications()),
        "procedures": searchset(procedures()),
    }


OPERATION_OUTCOME = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "timeout", "diagnostics": "search timed out"}],
}


class FhirServer:
    """An in-process FHIR server for ``fhirServer`` calls (an httpx transport).

    Serves :func:`full_prefetch` data for the prefetch queries, records each request,
    and checks the bearer token.
    """

    def __init__(self, data: Mapping[str, Any] | None = None, *,
                 fail: Callable[[httpx.Request], httpx.Response | None] | None = None) -> None:
        self.data = dict(data or full_prefetch())
        self.requests: list[httpx.Request] = []
        self.fail = fail
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {FHIR_TOKEN}":
            return httpx.Response(401)
        if self.fail is not None:
            failed = self.fail(request)
            if failed is not None:
                return failed
        path = request.url.path.removeprefix("/fhir/")
        key = {"Patient": "patient", "Condition": "conditions", "Observation": "observations",
               "MedicationRequest": "medications", "Procedure": "procedures"}.get(
                   path.split("/")[0])
        if key is None or key not in self.data:
            return httpx.Response(404, json=OPERATION_OUTCOME)
        return httpx.Response(200, json=self.data[key])

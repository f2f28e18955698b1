"""CDS Hooks 2.0.1 messages as pydantic models: requests are parsed with them, responses
are described (OpenAPI) and checked (tests) with them.

Rules of the spec encoded here: a card summary is under 140 characters, the indicator is
``info``/``warning``/``critical``, ``selectionBehavior`` is present exactly when there
are suggestions, override reasons carry a ``display``, a ``create``/``update`` action
carries a resource, and optional fields are omitted rather than null or empty.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: FHIR ``id``: letters, digits, ``-`` and ``.``, at most 64 (it goes into FHIR query URLs).
FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"
_REFERENCE = re.compile(r"^(Practitioner|PractitionerRole|Patient|RelatedPerson)/[A-Za-z0-9\-.]{1,64}$")


class _Open(BaseModel):
    """Requests may carry fields from later spec versions or extensions: kept, not refused."""

    model_config = ConfigDict(extra="allow")


class FhirAuthorization(_Open):
    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int = Field(ge=0)
    scope: str
    subject: str
    patient: str | None = None


class PatientViewContext(_Open):
    userId: str = Field(description="The current user, e.g. Practitioner/abc")
    patientId: str = Field(pattern=FHIR_ID, description="The FHIR Patient.id")
    encounterId: str | None = Field(default=None, pattern=FHIR_ID)

    @field_validator("userId")
    @classmethod
    def _user(cls, v: str) -> str:
        if not _REFERENCE.match(v):
            raise ValueError("must be [ResourceType]/[id] with Practitioner, PractitionerRole, "
                             "Patient or RelatedPerson")
        return v


class CdsRequest(_Open):
    """The body of ``POST /cds-services/{id}``."""

    hook: str = Field(min_length=1)
    hookInstance: str = Field(min_length=1, max_length=200)
    fhirServer: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2000)
    fhirAuthorization: FhirAuthorization | None = None
    context: PatientViewContext
    prefetch: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _server_with_token(self) -> CdsRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirServer is required when fhirAuthorization is given")
        return self


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Coding(_Strict):
    system: str | None = None
    code: str = Field(min_length=1)
    display: str | None = Field(default=None, min_length=1)


class Source(_Strict):
    label: str = Field(min_length=1)
    url: str | None = Field(default=None, pattern=r"^https?://")
    icon: str | None = Field(default=None, pattern=r"^https?://")
    topic: Coding | None = None


class Action(_Strict):
    type: Literal["create", "update", "delete"]
    description: str = Field(min_length=1)
    resource: dict[str, Any] | None = None
    resourceId: str | None = None

    @model_validator(mode="after")
    def _resource(self) -> Action:
        if self.type in ("create", "update") and not self.resource:
            raise ValueError(f"a {self.type} action needs a resource")
        return self


class Suggestion(_Strict):
    label: str = Field(min_length=1)
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = Field(default=None, min_length=1)


class Link(_Strict):
    label: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://")
    type: Literal["absolute", "smart"]
    appContext: str | None = None
    autolaunchable: bool | None = None


class Card(_Strict):
    uuid: str | None = None
    summary: str = Field(min_length=1, max_length=139)
    detail: str | None = Field(default=None, min_length=1)
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = Field(default=None, min_length=1)
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] | None = Field(default=None, min_length=1)
    links: list[Link] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _rules(self) -> Card:
        if (self.suggestions is None) != (self.selectionBehavior is None):
            raise ValueError("selectionBehavior is required exactly when suggestions are given")
        for reason in self.overrideReasons or []:
            if not reason.display:
                raise ValueError("every override reason needs a display")
        return self


class CdsResponse(_Strict):
    cards: list[Card]
    systemActions: list[Action] | None = Field(default=None, min_length=1)


class Service(_Strict):
    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None


class Discovery(_Strict):
    services: list[Service]


class OverrideReason(_Open):
    reason: Coding | None = None
    userComment: str | None = None


class AcceptedSuggestion(_Open):
    id: str = Field(min_length=1)


class FeedbackItem(_Open):
    card: str = Field(min_length=1)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: str = Field(min_length=1, max_length=64)

    @field_validator("outcomeTimestamp")
    @classmethod
    def _rfc3339(cls, v: str) -> str:
        try:
            when = dt.datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError("must be a date and time as in RFC 3339, e.g. 2026-11-29T10:05:31Z") from None
        if when.tzinfo is None:
            raise ValueError("must give the time zone (UTC, e.g. 2026-11-29T10:05:31Z)")
        return v

    @model_validator(mode="after")
    def _accepted(self) -> FeedbackItem:
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions is required for an accepted outcome")
        return self


class Feedback(_Open):
    feedback: list[FeedbackItem] = Field(min_length=1)

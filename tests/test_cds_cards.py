"""Cards from assessments (pure): every card of every example patient follows the spec,
and the cards say what the assessment says."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from typing import Any

import pytest

from allnav.assessment import Assessment
from allnav.engine import assess
from allnav.facts import FactSource
from allnav.pathway import Pathway
from allnav.problems import Problem
from allnav.web.cds.cards import (
    KEY_CATEGORIES,
    MAX_RECORD_NOTES,
    PALLIATIVE_REFERRAL,
    assessment_cards,
    fit,
)
from allnav.web.cds.models import Card

from .conftest import AS_OF, example_facts, example_names
from .test_cds_service import no_empty

BASE = "https://allnav.example.org"
PATIENT = "pat-42"


def assessed(pathway: Pathway, name: str) -> Assessment:
    return assess(pathway, example_facts(name), AS_OF)


def cards_for(pathway: Pathway, a: Assessment, user: str = "Practitioner/p1", **kw: Any) -> list[dict[str, Any]]:
    return assessment_cards(a, pathway, base_url=BASE, patient_id=PATIENT, user_id=user, **kw)


@pytest.mark.parametrize("name", example_names())
def test_every_card_of_every_example_follows_the_spec(pathway: Pathway, name: str) -> None:
    a = assessed(pathway, name)
    cards = cards_for(pathway, a, encounter_id="enc-1", data_notes=["The EHR did not provide procedures."])
    assert cards
    for card in cards:
        Card.model_validate(card)
        no_empty(card)
        assert len(card["summary"]) < 140
        assert card["source"]["label"] == f"ALL Navigator pathway v{pathway.version}"
        assert card["source"]["topic"]["code"]
        assert [link["type"] for link in card["links"]] == ["absolute"]
        assert all(link["url"].startswith(f"{BASE}/clinician") for link in card["links"])
        assert PATIENT not in str(card["links"])
    indicators = [c["indicator"] for c in cards]
    order = {"critical": 0, "warning": 1, "info": 2}
    assert indicators == sorted(indicators, key=order.__getitem__)
    # One critical card per urgent option, and only then.
    assert indicators.count("critical") == len(a.urgent)


def test_fever_with_neutropenia_leads_with_a_critical_card(pathway: Pathway) -> None:
    a = assessed(pathway, "febrile-neutropenia")
    cards = cards_for(pathway, a)
    assert cards[0]["indicator"] == "critical"
    assert cards[0]["summary"] == "Fever with possible neutropenia: assess now"
    assert cards[0]["links"][0]["url"] == f"{BASE}/clinician#opt-febrile-neutropenia-emergency"
    assert "38.6" in cards[0]["detail"]


def test_unknown_neutrophils_with_fever_are_still_urgent(pathway: Pathway) -> None:
    cards = cards_for(pathway, assessed(pathway, "fever-neutrophils-unknown"))
    assert cards[0]["indicator"] == "critical"


SYMPTOMS = ("symptoms.temperature_c", "symptoms.anc_per_ul", "symptoms.hemoglobin_g_dl",
            "symptoms.platelets_per_ul", "symptoms.infection_signs", "symptoms.bleeding")
WEEK_AGO = AS_OF - dt.timedelta(days=7)


def _sourced(facts: Any, *, stale: set[str]) -> Any:
    """``facts`` as if read from FHIR: each symptom from an Observation of today, or of a week
    ago (flagged stale) for those in ``stale``."""
    sources = {n: FactSource("fhir", f"Observation/{n.split('.')[-1]}",
                             recorded=WEEK_AGO if n in stale else AS_OF, stale=n in stale)
               for n in SYMPTOMS}
    return replace(facts, sources=sources)


def test_an_emergency_seen_only_in_old_results_asks_for_a_check_not_an_alarm(pathway: Pathway) -> None:
    a = assess(pathway, _sourced(example_facts("febrile-neutropenia"), stale=set(SYMPTOMS)), AS_OF)
    assert a.urgent  # the engine still says urgent: the card says how sure that is
    cards = cards_for(pathway, a)
    urgent = [c for c in cards if c["source"]["topic"]["code"] == "urgent"]
    assert len(urgent) == len(a.urgent)
    assert cards[: len(urgent)] == urgent  # still first
    fever = urgent[0]
    assert fever["indicator"] == "warning"
    assert fever["summary"] == "Old results: fever with possible neutropenia; check now"
    assert f"the newest from {WEEK_AGO.isoformat()}" in fever["detail"]
    assert "if they do, this is an emergency" in fever["detail"]
    assert "critical" not in [c["indicator"] for c in cards]
    for card in cards:
        Card.model_validate(card)
        assert len(card["summary"]) < 140


def test_one_current_result_keeps_the_emergency_critical(pathway: Pathway) -> None:
    # Today's temperature, last week's counts: a fever now with possible neutropenia.
    old = set(SYMPTOMS) - {"symptoms.temperature_c"}
    a = assess(pathway, _sourced(example_facts("febrile-neutropenia"), stale=old), AS_OF)
    cards = cards_for(pathway, a)
    assert cards[0]["indicator"] == "critical"
    assert cards[0]["summary"] == "Fever with possible neutropenia: assess now"


def test_record_notes_are_capped_and_counted(pathway: Pathway) -> None:
    warnings = [Problem("fhir_invalid_resource", ("resources", i), f"Observation/o{i} is not valid "
                        "FHIR: it has more than one value[x]; it was not used", severity="warning")
                for i in range(12)]
    warnings.append(Problem("fhir_stale", ("ecog",), "ecog comes from Observation/e1, recorded "
                            "more than 30 day(s) before", severity="warning"))
    a = assess(pathway, example_facts("first-relapse-cd19-positive"), AS_OF, warnings)
    (card,) = [c for c in cards_for(pathway, a) if c["source"]["topic"]["code"] == "missing-facts"]
    data = card["detail"].split("**Data:**\n")[1].splitlines()
    assert len(data) == MAX_RECORD_NOTES
    assert data[0] == "- Observation/o0 is not valid FHIR: it has more than one value\\[x\\]; it was not used"
    assert data[-1] == f"- and {12 - MAX_RECORD_NOTES + 1} more notes on the records"
    assert "ecog comes from" not in card["detail"]  # stale results are flagged beside each fact
    # With every fact known, the card is there for the notes alone, and counts all of them.
    (card,) = [c for c in cards_for(pathway, a._replace(missing_facts=()))
               if c["source"]["topic"]["code"] == "missing-facts"]
    assert card["summary"] == "12 notes on the EHR data behind these options"
    assert card["indicator"] == "info"


def test_the_options_card_names_the_suitable_options_and_their_evidence(pathway: Pathway) -> None:
    a = assessed(pathway, "first-relapse-cd19-positive")
    (card,) = [c for c in cards_for(pathway, a) if c["source"]["topic"]["code"] == "options"]
    suitable = [o for o in a.options if o.status == "suitable" and o.category in KEY_CATEGORIES]
    assert suitable
    assert card["summary"].startswith("Suitable now: ")
    for o in suitable:
        assert o.title in card["detail"]
        for ev in o.evidence:
            assert pathway.evidence[ev].short.replace("_", "\\_").replace("*", "\\*") in card["detail"]
    for o in a.options:
        if o.category in KEY_CATEGORIES and o.status == "not-suitable":
            assert o.title.split(" (")[0] in card["detail"]


def test_missing_facts_that_hold_back_treatments_are_a_warning(pathway: Pathway) -> None:
    a = assessed(pathway, "unknown-markers")
    (card,) = [c for c in cards_for(pathway, a) if c["source"]["topic"]["code"] == "missing-facts"]
    assert card["indicator"] == "warning"
    assert card["summary"].startswith(f"{len(a.missing_facts)} unknown facts would change the options")
    for m in a.missing_facts:
        assert m.question in card["detail"].replace("\\", "")


def test_provenance_of_facts_is_shown(pathway: Pathway) -> None:
    facts = example_facts("first-relapse-cd19-positive")
    src = FactSource("fhir", "Observation/ecog-7", element="valueInteger", recorded=AS_OF)
    old = FactSource("fhir", "Observation/cd19-1", recorded=AS_OF.replace(year=2024), stale=True)
    a = assess(pathway, replace(facts, sources={"ecog": src, "cd19": old}), AS_OF)
    (card,) = [c for c in cards_for(pathway, a) if c["source"]["topic"]["code"] == "options"]
    assert f"(from Observation/ecog-7, {AS_OF.isoformat()})" in card["detail"]
    assert "(from Observation/cd19-1, 2024-11-29; old result: check it is still true)" in card["detail"]


def test_palliative_referral_is_a_servicerequest_suggestion(pathway: Pathway) -> None:
    a = assessed(pathway, "comfort-goals")
    (card,) = [c for c in cards_for(pathway, a) if "suggestions" in c]
    assert card["selectionBehavior"] == "at-most-one"
    (suggestion,) = card["suggestions"]
    (action,) = suggestion["actions"]
    resource = action["resource"]
    assert action["type"] == "create"
    assert resource["resourceType"] == "ServiceRequest"
    assert resource["code"]["coding"] == [PALLIATIVE_REFERRAL]
    assert PALLIATIVE_REFERRAL["code"] == "306237005"
    assert resource["subject"] == {"reference": f"Patient/{PATIENT}"}
    assert resource["requester"] == {"reference": "Practitioner/p1"}
    assert (resource["status"], resource["intent"]) == ("draft", "proposal")


def test_a_patient_viewing_their_record_gets_no_order_suggestions(pathway: Pathway) -> None:
    a = assessed(pathway, "comfort-goals")
    cards = cards_for(pathway, a, user=f"Patient/{PATIENT}")
    assert not any("suggestions" in c or "selectionBehavior" in c for c in cards)


def test_card_text_from_data_cannot_inject_markdown_links(pathway: Pathway) -> None:
    facts = example_facts("first-relapse-cd19-positive")
    evil = FactSource("fhir", "Observation/[click](https://evil.test)", recorded=AS_OF)
    a = assess(pathway, replace(facts, sources={"ecog": evil}), AS_OF)
    text = "\n".join(c.get("detail", "") for c in cards_for(pathway, a))
    assert "[click](https://evil.test)" not in text
    assert "\\[click\\]" in text


@pytest.mark.parametrize("n", [1, 50, 139, 140, 141, 500])
def test_fit_keeps_summaries_under_140(n: int) -> None:
    words = " ".join(itertools.islice(itertools.cycle(["alpha", "be", "gamma,"]), n))[:n]
    out = fit(words)
    assert len(out) <= 139
    assert out == words.strip() or out.endswith("…")

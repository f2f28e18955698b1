"""``assess_care(rules, facts, as_of)``: the care alerts for one patient. Pure and synchronous.

Safety rules that the code keeps by construction:

- **Fever with neutropenia is always an emergency.** A temperature of 38.0 °C
  or more with the IDSA fever definition met *or not ruled out* (duration not
  known yet) and neutropenia true *or not ruled out* (ANC unknown, or below
  1,000/µL with the trend unknown) gives the ``febrile-neutropenia`` alert,
  whose every variant the loader forces to ``emergency``. Nothing else in the
  facts can suppress it. This is the same rule as the pathway's
  ``crit.fever_neutropenia_not_ruled_out``; a property test checks they agree.
- **Unknown is not negative, and not alarming either.** An unknown count
  never fires a count alert; it is listed in ``needs`` where it matters.
- Each alert carries the values that triggered it, so a clinician can check
  the arithmetic (``T 38.4 °C, ANC 300/µL -> febrile neutropenia``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from allnav.care.mascc import mascc_score
from allnav.care.model import LEVELS, Alert, CareAssessment, Guidance, Trigger
from allnav.care.rules import RULES, CareRules, GuidanceText, show_number, show_quantity
from allnav.criteria import Tri
from allnav.facts import Facts, Symptoms
from allnav.problems import Problem

_MASCC_ONLY_FACTS = ("burden_of_illness", "systolic_bp_mmhg", "copd", "prior_fungal_infection",
                     "dehydration_needing_iv", "outpatient_at_fever_onset")


def fever(rules: CareRules, s: Symptoms) -> Tri:
    """IDSA fever: one reading at or above 38.3 °C, or 38.0 °C sustained over an hour."""
    t = s.temperature_c
    if t is None:
        return None
    th = rules.thresholds
    if th["fever_single"].met(t):
        return True
    if not th["fever_sustained"].met(t):
        return False
    return s.temperature_sustained_1h


def neutropenia(rules: CareRules, s: Symptoms) -> Tri:
    """IDSA neutropenia: ANC below 500/µL, or below 1,000/µL and expected to fall."""
    anc = s.anc_per_ul
    if anc is None:
        return None
    th = rules.thresholds
    if th["neutropenia"].met(anc):
        return True
    if not th["neutropenia_if_falling"].met(anc):
        return False
    return s.anc_expected_to_fall


def _t(fact: str, value: float) -> str:
    return show_quantity(fact, value).split(" (")[0]  # the clinician line keeps °C only


class _Builder:
    """Collects alerts; each ``add`` picks the rule's variant and fills in its words."""

    def __init__(self, rules: CareRules) -> None:
        self.rules = rules
        self.alerts: list[Alert] = []

    def add(self, rule_id: str, variant: str, triggers: Sequence[Trigger],
            extras: Sequence[str] = (), needs: Sequence[str] = ()) -> None:
        rule = self.rules.rules[rule_id]
        v = rule.variants[variant]
        patient = " ".join([v.patient, *(rule.extras[e].patient for e in extras)])
        clinician = " ".join([v.clinician, *(rule.extras[e].clinician for e in extras)])
        shown = ", ".join(t.shown for t in triggers)
        self.alerts.append(Alert(
            rule=rule_id, variant=variant, level=v.level, title=rule.title,
            triggers=tuple(triggers), patient_text=patient,
            clinician_text=f"{shown} -> {clinician}" if shown else clinician,
            evidence=rule.evidence, needs=tuple(dict.fromkeys(needs)),
        ))


def _temperature(rules: CareRules, s: Symptoms) -> list[Trigger]:
    assert s.temperature_c is not None
    shown = f"T {_t('symptoms.temperature_c', s.temperature_c)}"
    if not rules.thresholds["fever_single"].met(s.temperature_c) and s.temperature_sustained_1h:
        shown += " for 1 h or more"
    return [Trigger("symptoms.temperature_c", s.temperature_c, shown)]


def _anc(rules: CareRules, s: Symptoms) -> tuple[list[Trigger], list[str]]:
    if s.anc_per_ul is None:
        return [Trigger("symptoms.anc_per_ul", None, "ANC unknown")], ["symptoms.anc_per_ul"]
    shown = f"ANC {_t('symptoms.anc_per_ul', s.anc_per_ul)}"
    out = [Trigger("symptoms.anc_per_ul", s.anc_per_ul, shown)]
    th = rules.thresholds
    if not th["neutropenia"].met(s.anc_per_ul) and th["neutropenia_if_falling"].met(s.anc_per_ul):
        if s.anc_expected_to_fall is None:
            out[0] = Trigger("symptoms.anc_per_ul", s.anc_per_ul, shown + ", trend unknown")
            return out, ["symptoms.anc_expected_to_fall"]
        if s.anc_expected_to_fall:
            out[0] = Trigger("symptoms.anc_per_ul", s.anc_per_ul, shown + " and expected to fall")
    return out, []


def _flag(fact: str, words: str) -> Trigger:
    return Trigger(fact, True, words)


def _infections(b: _Builder, rules: CareRules, s: Symptoms) -> bool:
    """Febrile neutropenia, else signs of infection. Returns whether FN fired."""
    fev = fever(rules, s)
    neut = neutropenia(rules, s)
    # A temperature of 38.0 °C or more whose duration is not known yet is not waited on:
    # febrile neutropenia is ruled out only by a known duration or a known ANC.
    if s.temperature_c is not None and fev is not False and neut is not False:
        anc, anc_needs = _anc(rules, s)
        signs = [_flag("symptoms.infection_signs", "signs of infection")] if s.infection_signs \
            else []
        variant = ("fever-duration-unknown" if fev is None
                   else "confirmed" if neut else "not-ruled-out")
        duration = ["symptoms.temperature_sustained_1h"] if fev is None else []
        # The infection alert is not repeated: febrile neutropenia already covers it.
        b.add("febrile-neutropenia", variant, [*_temperature(rules, s), *anc, *signs],
              needs=[*duration, *anc_needs])
        return True
    any_fever = s.temperature_c is not None and rules.thresholds["fever_sustained"].met(
        s.temperature_c)
    if s.infection_signs is True or any_fever:
        triggers: list[Trigger] = []
        if any_fever:
            triggers += _temperature(rules, s)
        if s.infection_signs:
            triggers.append(_flag("symptoms.infection_signs", "signs of infection"))
        anc, anc_needs = _anc(rules, s)
        triggers += anc
        variant = "neutropenia-not-ruled-out" if neut is not False else "neutrophils-not-low"
        b.add("infection", variant, triggers, needs=anc_needs)
    return False


def _counts(b: _Builder, rules: CareRules, s: Symptoms) -> None:
    th = rules.thresholds
    plt = s.platelets_per_ul
    plt_trigger = ([Trigger("symptoms.platelets_per_ul", plt,
                            f"platelets {_t('symptoms.platelets_per_ul', plt)}")]
                   if plt is not None else [])
    if s.bleeding is True:
        b.add("bleeding", "bleeding", [_flag("symptoms.bleeding", "bleeding"), *plt_trigger],
              needs=[] if plt is not None else ["symptoms.platelets_per_ul"])
    if plt is not None and th["platelets"].met(plt):
        b.add("platelets", "at-or-below-threshold", plt_trigger)
    hb = s.hemoglobin_g_dl
    hb_trigger = ([Trigger("symptoms.hemoglobin_g_dl", hb,
                           f"Hb {_t('symptoms.hemoglobin_g_dl', hb)}")] if hb is not None else [])
    symptoms = []
    if s.breathlessness:
        symptoms.append(_flag("symptoms.breathlessness", "breathlessness"))
    if s.fatigue:
        symptoms.append(_flag("symptoms.fatigue", "fatigue limiting daily life"))
    needs = [] if hb is not None else ["symptoms.hemoglobin_g_dl"]
    if hb is not None and th["red_cells"].met(hb):
        b.add("red-cells", "hemoglobin-low", [*hb_trigger, *symptoms])
    elif s.breathlessness:
        b.add("red-cells", "breathless", [*symptoms, *hb_trigger], needs=needs)
    elif s.fatigue:
        b.add("red-cells", "fatigue", [*symptoms, *hb_trigger], needs=needs)


def _nsaids_unsafe(rules: CareRules, s: Symptoms) -> list[Trigger]:
    out: list[Trigger] = []
    plt = s.platelets_per_ul
    if plt is not None and rules.thresholds["nsaid_platelets"].met(plt):
        out.append(Trigger("symptoms.platelets_per_ul", plt,
                           f"platelets {_t('symptoms.platelets_per_ul', plt)}"))
    if s.bleeding is True:
        out.append(_flag("symptoms.bleeding", "bleeding"))
    return out


def _pain(b: _Builder, rules: CareRules, s: Symptoms) -> None:
    th = rules.thresholds
    score = s.pain_score
    triggers: list[Trigger] = []
    variant: str | None = None
    if score is not None and th["pain_any"].met(score):
        triggers.append(Trigger("symptoms.pain_score", score, f"pain {show_number(score)}/10"))
        variant = ("severe" if th["pain_severe"].met(score)
                   else "moderate" if th["pain_moderate"].met(score) else "mild")
    if s.localized_bone_pain:
        triggers.append(_flag("symptoms.localized_bone_pain", "pain in one bone or one spot"))
        variant = variant or "localized-only"
    if variant is None:
        return
    extras = []
    if s.localized_bone_pain:
        extras.append("localized-bone-pain")
    unsafe = _nsaids_unsafe(rules, s)
    if unsafe:
        extras.append("avoid-nsaids")
    needs = ["symptoms.pain_score"] if score is None else []
    if not unsafe and s.platelets_per_ul is None:
        needs.append("symptoms.platelets_per_ul")  # to know whether NSAIDs are safe
    b.add("pain", variant, [*triggers, *unsafe], extras=extras, needs=needs)


def _guidance(gid: str, g: GuidanceText) -> Guidance:
    return Guidance(gid, g.title, g.patient, g.clinician, g.evidence)


def assess_care(
    rules: CareRules,
    facts: Facts,
    as_of: dt.date | None = None,
    warnings: Sequence[Problem] = (),
) -> CareAssessment:
    """The care alerts, MASCC score and palliative guidance for ``facts``.

    ``as_of`` is the date of the assessment; it defaults to ``facts.as_of`` and
    must be given when that is unknown (the core never reads the clock). It
    is used to flag care rules whose clinical review is overdue. ``warnings``
    from reading the facts are carried into ``issues``.
    """
    when = as_of or facts.as_of
    if when is None:
        raise ValueError("assess_care() needs as_of: pass the date, or set facts.as_of")
    s = facts.symptoms
    b = _Builder(rules)
    fn = _infections(b, rules, s)
    _counts(b, rules, s)
    _pain(b, rules, s)
    unsafe = _nsaids_unsafe(rules, s)
    if unsafe:
        b.add("nsaid-caution", "low-platelets-or-bleeding", unsafe)
    if s.nausea or s.appetite_loss:
        flags = []
        if s.nausea:
            flags.append(_flag("symptoms.nausea", "nausea"))
        if s.appetite_loss:
            flags.append(_flag("symptoms.appetite_loss", "poor appetite"))
        b.add("nausea-appetite", "nausea-or-appetite", flags)
    order = list(RULES)
    alerts = tuple(sorted(b.alerts, key=lambda a: (LEVELS.index(a.level), order.index(a.rule))))

    mascc = None
    if fn or any(getattr(s, name) is not None for name in _MASCC_ONLY_FACTS):
        mascc = mascc_score(rules.mascc, facts, applies_now=fn)

    issues = list(warnings)
    if when > rules.review_due():
        issues.append(Problem(
            "stale_review", ("care",),
            f"the care rules' clinical review was due on {rules.review_due().isoformat()}; "
            "check the thresholds against current guidelines", severity="warning",
        ))
    return CareAssessment(
        as_of=when, rules_version=rules.version, rules_last_reviewed=rules.last_reviewed,
        alerts=alerts, call_right_away=tuple(c.text for c in rules.call_right_away),
        mascc=mascc, palliative=_guidance("palliative-care", rules.palliative),
        hospice=_guidance("hospice-care", rules.hospice) if facts.goals == "comfort" else None,
        issues=tuple(issues),
    )

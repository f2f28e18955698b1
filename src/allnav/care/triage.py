"""``assess_care(rules, facts, as_of)``: the care alerts for one patient. Pure and synchronous.

Safety rules that the code keeps by construction:

- **One source of truth for emergencies.** Every emergency alert belongs to a pathway
  option with an ``urgent_when`` criterion (``option:`` in ``care.yaml``) and appears
  exactly when the engine marks that option urgent: both read the same compiled pathway
  criteria, evaluated once here. The alert's "do now" and "why" are the option's urgent
  text, so the page, the PDF, the terminal and the EHR card say the same sentence.
- **Fever with leukemia is always an emergency.** A temperature of 38.0 °C or more gives
  the ``febrile-neutropenia`` alert unless a count taken *today* excludes neutropenia
  (``crit.neutropenia_not_excluded``: an unknown, out-of-date or expected-to-fall count,
  chemotherapy in the last 14 days, or active leukemia keep it open); then the fever still
  gives an emergency ``infection`` alert. The duration of the fever is not waited on.
- **No contradiction.** When an emergency alert is shown, no later-contact alert is shown
  for the same condition (a fever is not also "call today"; bleeding is not also "talk
  about platelets today"), and the "call right away if" list drops every line whose
  condition the facts already meet.
- **Hospice first.** For someone in hospice care every alert says to call the hospice
  team, with 911 only where minutes count.
- **Unknown is not negative, and not alarming either.** An unknown count never fires a
  count alert; it is listed in ``needs`` where it matters.
- Each alert carries the values that triggered it, so a clinician can check them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

from allnav.care.mascc import mascc_score
from allnav.care.model import LEVELS, Alert, CareAssessment, Guidance, Trigger
from allnav.care.rules import RULES, CareRules, GuidanceText, show_number, show_quantity
from allnav.criteria import Tri
from allnav.facts import Facts, Symptoms
from allnav.problems import Problem

_MASCC_ONLY_FACTS = ("burden_of_illness", "systolic_bp_mmhg", "copd", "prior_fungal_infection",
                     "dehydration_needing_iv", "outpatient_at_fever_onset")


def fever(rules: CareRules, s: Symptoms) -> Tri:
    """IDSA fever: one reading at or above 38.3 °C, or 38.0 °C sustained over an hour
    (the pathway's ``crit.fever``)."""
    return rules.pathway.criteria["crit.fever"].test.evaluate(Facts(symptoms=s))


def neutropenia(rules: CareRules, s: Symptoms) -> Tri:
    """IDSA neutropenia: ANC below 500/µL, or expected to fall below it within 48 hours
    (the pathway's ``crit.neutropenia``)."""
    return rules.pathway.criteria["crit.neutropenia"].test.evaluate(Facts(symptoms=s))


def _t(fact: str, value: float) -> str:
    return show_quantity(fact, value).split(" (")[0]  # the clinician line keeps °C only


def _split_urgent(text: str) -> tuple[str, str]:
    """An option's urgent text is "what to do now. Why." (checked by the knowledge tests)."""
    head, _, rest = text.partition(". ")
    return (head + "." if rest else head), rest


class _Builder:
    """Collects alerts; each ``add`` picks the rule's variant and fills in its words."""

    def __init__(self, rules: CareRules, facts: Facts) -> None:
        self.rules = rules
        self.hospice = facts.in_hospice is True
        self.alerts: list[Alert] = []

    def add(self, rule_id: str, variant: str, triggers: Sequence[Trigger],
            extras: Sequence[str] = (), needs: Sequence[str] = ()) -> None:
        rule = self.rules.rules[rule_id]
        v = rule.variants[variant]
        more = [rule.extras[e].patient for e in extras]
        do_now = why = None
        if self.hospice:
            do_now, why = rule.hospice.for_level(v.level)
            more = [m.replace("your care team", "your hospice team") for m in more]
            patient = " ".join([do_now, why, *more])
        elif v.level == "emergency" and rule.option is not None:
            # What to do now and why come first, in the words of the EHR card.
            urgent = self.rules.pathway.option(rule.option).urgent_text or ""
            do_now, why = _split_urgent(urgent)
            patient = " ".join([do_now, why, v.patient, *more])
        else:
            patient = " ".join([v.patient, *more])
        clinician = " ".join([v.clinician, *(rule.extras[e].clinician for e in extras)])
        if self.hospice:
            clinician += " In hospice care: the hospice team is the first call."
        shown = ", ".join(t.shown for t in triggers)
        self.alerts.append(Alert(
            rule=rule_id, variant=variant, level=v.level, title=rule.title,
            triggers=tuple(triggers), patient_text=patient,
            clinician_text=f"{shown} -> {clinician}" if shown else clinician,
            evidence=rule.evidence, needs=tuple(dict.fromkeys(needs)),
            do_now=do_now, why=why, option=rule.option,
        ))


def _temperature(s: Symptoms) -> list[Trigger]:
    assert s.temperature_c is not None
    shown = f"T {_t('symptoms.temperature_c', s.temperature_c)}"
    if s.temperature_sustained_1h:
        shown += " for 1 h or more"
    return [Trigger("symptoms.temperature_c", s.temperature_c, shown)]


def _anc(facts: Facts, named: Mapping[str, Tri]) -> tuple[list[Trigger], list[str]]:
    """The neutrophil count as the clinician reads it, with what keeps neutropenia open."""
    s = facts.symptoms
    out: list[Trigger] = []
    needs: list[str] = []
    # Only while neutropenia is still open do more facts help; once it is present (or the
    # leukemia is active) nothing more is needed to act.
    open_ = named.get("crit.neutropenia_not_excluded") is None
    if s.anc_per_ul is None:
        out.append(Trigger("symptoms.anc_per_ul", None, "ANC unknown"))
        needs.append("symptoms.anc_per_ul")
    else:
        shown = f"ANC {_t('symptoms.anc_per_ul', s.anc_per_ul)}"
        if s.counts_date is not None:
            shown += f" on {s.counts_date.isoformat()}"
            if named.get("crit.counts_out_of_date"):
                shown += " (before today)"
        elif open_:
            needs.append("symptoms.counts_date")
        if s.anc_expected_to_fall:
            shown += ", expected to fall"
        elif s.anc_expected_to_fall is None and open_:
            needs.append("symptoms.anc_expected_to_fall")
        out.append(Trigger("symptoms.anc_per_ul", s.anc_per_ul, shown))
    if facts.days_since_chemotherapy is not None and named.get("crit.counts_may_still_fall"):
        out.append(Trigger("days_since_chemotherapy", facts.days_since_chemotherapy,
                           f"day {show_number(facts.days_since_chemotherapy)} after chemotherapy"))
    elif facts.days_since_chemotherapy is None and open_:
        needs.append("days_since_chemotherapy")
    if named.get("crit.active_disease"):
        out.append(Trigger("disease_status", facts.disease_status,
                           "active leukemia (functional neutropenia possible)"))
    return out, needs


def _flag(fact: str, words: str) -> Trigger:
    return Trigger(fact, True, words)


def _infections(b: _Builder, facts: Facts, named: Mapping[str, Tri]) -> None:
    """Fever (febrile neutropenia until shown otherwise), else signs of infection."""
    s = facts.symptoms
    signs = [_flag("symptoms.infection_signs", "signs of infection")] if s.infection_signs \
        else []
    if named["crit.fever_neutropenia_not_ruled_out"]:
        anc, needs = _anc(facts, named)
        extras = []
        if named.get("crit.counts_out_of_date"):
            extras.append("counts-out-of-date")
        if named.get("crit.chemo_nadir"):
            extras.append("chemo-nadir")
        variant = "confirmed" if named["crit.febrile_neutropenia"] else "not-ruled-out"
        # The infection alert is not repeated: febrile neutropenia already covers it.
        b.add("febrile-neutropenia", variant, [*_temperature(s), *anc, *signs],
              extras=extras, needs=needs)
        return
    if named["crit.any_fever"]:
        anc, _ = _anc(facts, named)
        b.add("infection", "fever", [*_temperature(s), *signs, *anc])
        return
    if s.infection_signs is True:
        anc, needs = _anc(facts, named)
        open_ = named["crit.neutropenia_not_excluded"] is not False
        b.add("infection", "neutropenia-not-ruled-out" if open_ else "neutrophils-not-low",
              [*signs, *anc], needs=needs if open_ else [])


def _crs_icans(b: _Builder, facts: Facts, named: Mapping[str, Tri]) -> None:
    if not named["crit.crs_icans_not_ruled_out"]:
        return
    s = facts.symptoms
    triggers: list[Trigger] = []
    if named["crit.any_fever"]:
        triggers += _temperature(s)
    if named["crit.hypotension"]:
        assert s.systolic_bp_mmhg is not None
        triggers.append(Trigger("symptoms.systolic_bp_mmhg", s.systolic_bp_mmhg,
                                f"systolic BP {show_number(s.systolic_bp_mmhg)} mmHg"))
    if named["crit.neurologic_changes"]:
        triggers.append(_flag("symptoms.neurologic_changes", "new neurological signs"))
    needs: list[str] = []
    if named["crit.car_t_window"] is not False and (facts.days_since_car_t_infusion is not None
                                                    or not facts.on_blinatumomab):
        if facts.days_since_car_t_infusion is None:
            triggers.append(Trigger("days_since_car_t_infusion", None,
                                    "CAR-T cells given, date unknown"))
            needs.append("days_since_car_t_infusion")
        else:
            triggers.append(Trigger("days_since_car_t_infusion", facts.days_since_car_t_infusion,
                                    f"day {show_number(facts.days_since_car_t_infusion)} "
                                    "after CAR-T cells"))
        b.add("crs-icans", "car-t", triggers, needs=needs)
    else:
        triggers.append(_flag("on_blinatumomab", "on blinatumomab"))
        b.add("crs-icans", "blinatumomab", triggers)


def _neuro_circulation(b: _Builder, facts: Facts, named: Mapping[str, Tri]) -> None:
    s = facts.symptoms
    if named["crit.neurologic_changes"]:
        b.add("neurologic-or-circulation", "neurologic",
              [_flag("symptoms.neurologic_changes", "new neurological signs")])
    elif named["crit.hypotension"]:
        assert s.systolic_bp_mmhg is not None
        b.add("neurologic-or-circulation", "low-blood-pressure",
              [Trigger("symptoms.systolic_bp_mmhg", s.systolic_bp_mmhg,
                       f"systolic BP {show_number(s.systolic_bp_mmhg)} mmHg")])


def _counts(b: _Builder, rules: CareRules, s: Symptoms) -> None:
    th = rules.thresholds
    plt = s.platelets_per_ul
    plt_trigger = ([Trigger("symptoms.platelets_per_ul", plt,
                            f"platelets {_t('symptoms.platelets_per_ul', plt)}")]
                   if plt is not None else [])
    if s.bleeding is True:
        # The platelet count travels with the bleeding alert; a separate "talk about a
        # platelet transfusion today" would contradict "call now".
        b.add("bleeding", "bleeding", [_flag("symptoms.bleeding", "bleeding"), *plt_trigger],
              needs=[] if plt is not None else ["symptoms.platelets_per_ul"])
    elif plt is not None and th["platelets"].met(plt):
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


def _pain(b: _Builder, rules: CareRules, s: Symptoms, named: Mapping[str, Tri]) -> None:
    th = rules.thresholds
    score = s.pain_score
    triggers: list[Trigger] = []
    variant: str | None = None
    if score is not None and th["pain_any"].met(score):
        triggers.append(Trigger("symptoms.pain_score", score, f"pain {show_number(score)}/10"))
        variant = ("severe" if named["crit.severe_pain"]
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
    dates the blood counts and flags care rules whose clinical review is
    overdue. ``warnings`` from reading the facts are carried into ``issues``.
    """
    when = as_of or facts.as_of
    if when is None:
        raise ValueError("assess_care() needs as_of: pass the date, or set facts.as_of")
    if facts.as_of != when:
        facts = replace(facts, as_of=when)
    named = rules.pathway.evaluate_criteria(facts)
    s = facts.symptoms
    b = _Builder(rules, facts)
    _infections(b, facts, named)
    _crs_icans(b, facts, named)
    _neuro_circulation(b, facts, named)
    _counts(b, rules, s)
    _pain(b, rules, s, named)
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

    fn = named["crit.fever_neutropenia_not_ruled_out"] is True
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
    # A line whose condition the facts already meet is an alert now, not a "call if".
    calls = tuple(c.text for c in rules.call_right_away
                  if c.when is None or named[c.when] is not True)
    return CareAssessment(
        as_of=when, rules_version=rules.version, rules_last_reviewed=rules.last_reviewed,
        alerts=alerts, call_right_away=calls,
        mascc=mascc, palliative=_guidance("palliative-care", rules.palliative),
        hospice=_guidance("hospice-care", rules.hospice) if facts.goals == "comfort" else None,
        issues=tuple(issues), in_hospice=facts.in_hospice is True,
    )

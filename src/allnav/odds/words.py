"""Numbers into words people understand, and into icon counts that match the words.

Rules (docs/odds.md):

- natural frequencies: "about 34 in 100 people"; below 1 in 100, "fewer than 1 in 100
  (about 3 in 1,000)" with a 1,000-icon array;
- every estimate with its uncertainty: "Our best estimate is 34 in 100. The true number
  could be between 28 and 40." or a plain reason why no range can be given;
- a comparison only with the same trial's control arm; otherwise "There was no
  comparison group in this study.";
- never a probability word ("rare", "likely") without a number in the same sentence;
- the counts in the words and in the icon array are the same numbers: each arm is rounded
  to whole icons once (largest remainder), and the array's segments are differences of
  those counts, so the legend always adds up to the total.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from allnav.odds.numbers import ArmNumbers, Interval, OutcomeNumbers
from allnav.stats import largest_remainder

SegmentKey = Literal["base", "extra", "fewer", "rest"]
ArrayRole = Literal["benefit", "harm", "context"]


@dataclass(frozen=True, slots=True)
class SourcedSentence:
    """One sentence for people, with the source of every number in it: an evidence id,
    or ``"your details"`` for what was read from the patient's facts."""

    text: str
    source: str


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of icons of one kind: ``base`` (dark), ``extra`` (lighter, hatched: the extra
    people compared with the control arm), ``fewer`` (outlined: fewer than the control
    arm), ``rest`` (light grey)."""

    key: SegmentKey
    count: int
    label: str


@dataclass(frozen=True, slots=True)
class IconArray:
    """Everything an icon-array renderer needs; counts add up to ``total`` (100 or 1,000)."""

    id: str
    role: ArrayRole
    total: int
    segments: tuple[Segment, ...]
    title: str
    subtitle: str
    description: str
    source: str
    unverified: bool


def scale_for(result: float, comparator: float | None = None) -> int:
    """100 icons, or 1,000 when a figure is below 1 in 100 (icon arrays lose force there)."""
    if result < 0.01 or (comparator is not None and 0 < comparator < 0.01):
        return 1000
    return 100


def icons(fraction: float, scale: int) -> int:
    """``fraction`` as whole icons out of ``scale`` (largest remainder of two parts)."""
    fraction = min(1.0, max(0.0, fraction))
    if fraction in (0.0, 1.0):
        return round(fraction * scale)
    return largest_remainder([fraction, 1.0 - fraction], scale)[0]


def frequency(count: int, scale: int, *, estimate: float | None = None) -> str:
    """``about 34 in 100``; ``fewer than 1 in 100 (about 3 in 1,000)``."""
    if scale == 100:
        return f"about {count} in 100"
    if count == 0 and estimate:
        return "fewer than 1 in 1,000"
    if count < 10:
        return f"fewer than 1 in 100 (about {count} in 1,000)"
    return f"about {count:,} in 1,000"


def _per(scale: int) -> str:
    return "100" if scale == 100 else "1,000"


def _pct(value: float) -> str:
    return f"{round(value * 100, 1):g}"


def _range_sentence(interval: Interval | None, n: OutcomeNumbers, scale: int) -> str:
    if interval is not None and interval.low is not None and interval.high is not None:
        lo, hi = icons(interval.low, scale), icons(interval.high, scale)
        return f"The true number could be between {lo:,} and {hi:,} in {_per(scale)}."
    if n.time_to_event:
        return ("No published range for this estimate is in our registry, and none can be "
                "worked out, because it follows people over time rather than counting them once.")
    if n.result.total is None:
        return ("The sources we hold do not say how many people this is out of, so we cannot "
                "give a range.")
    return ("The published percentage does not match a whole number of people, so we "
            "cannot work out a range.")


def proportion_words(n: OutcomeNumbers, treated: str, plain: str, control: str | None, *,
                     where: str = "") -> tuple[tuple[str, ...], tuple[int, int | None, int]]:
    """Sentences for a proportion, and the counts ``(result, control or None, scale)``.

    ``where`` opens the first sentence ("In TOWER"); ``control`` names the same trial's
    control arm, or is ``None`` when there is none to compare with."""
    r = n.result.estimate
    assert r is not None, "a proportion always has an estimate"
    c = n.comparator.estimate if (control and n.comparator is not None) else None
    scale = scale_for(r, c)
    x = icons(r, scale)
    y = None if c is None else icons(c, scale)
    unverified = " (not yet verified)" if n.verification == "recalled" else ""
    out = [f"{where or 'In ' + n.evidence_short}, {frequency(x, scale, estimate=r)} people "
           f"given {treated} {plain}{unverified}."]
    if y is not None and c is not None:
        assert n.comparator is not None
        none = c == 0 and n.comparator.total
        them = (f"none of the {n.comparator.total} people" if none
                else f"{frequency(y, scale, estimate=c)} people")
        out.append(f"In the same trial, {them} given {control} {plain}.")
        if x > y:
            out.append(f"So about {x - y:,} more in {_per(scale)} people {plain} with {treated}.")
        elif x < y:
            out.append(f"So about {y - x:,} fewer in {_per(scale)} people {plain} with "
                       f"{treated}.")
        else:
            out.append("The numbers were about the same in both groups.")
    else:
        out.append(_no_comparison(n))
    best = (f"Our best estimate is {frequency(x, scale, estimate=r).removeprefix('about ')}."
            if scale == 1000 else f"Our best estimate is {x} in 100.")
    out.append(f"{best} {_range_sentence(n.result.interval, n, scale)}")
    return tuple(out), (x, y, scale)


def _no_comparison(n: OutcomeNumbers) -> str:
    if any(c.kind == "randomized" for c in n.cautions):
        return ("The source gives this number for the treatment group only, so there is no "
                "comparison for it.")
    return "There was no comparison group in this study."


def median_words(n: OutcomeNumbers, treated: str, plain: str, control: str | None, *,
                 where: str = "") -> tuple[str, ...]:
    """Sentences for a median (survival, remission duration), in months."""
    m = n.result.estimate
    out = [f"{where or 'In ' + n.evidence_short}, half of the people given {treated} {plain} "
           f"longer than {m:g} months, and half for less time."]
    if control and n.comparator is not None and n.comparator.estimate is not None:
        out.append(f"In the same trial, half of the people given {control} {plain} longer than "
                   f"{n.comparator.estimate:g} months.")
    else:
        out.append(_no_comparison(n))
    iv = n.result.interval
    best = f"Our best estimate is {m:g} months."
    if iv is not None and iv.low is not None and iv.high is not None:
        out.append(f"{best} The true number could be between {iv.low:g} and {iv.high:g} months.")
    elif iv is not None and iv.low is not None:
        out.append(f"{best} The true number could be {iv.low:g} months or longer; the study "
                   "could not estimate an upper limit.")
    else:
        out.append(f"{best} No published range for this number is in our registry.")
    return tuple(out)


def segments(x: int, y: int | None, scale: int, treated: str, plain: str,
             control: str | None) -> tuple[Segment, ...]:
    """The icon runs for one array, PREDICT style: control-arm count dark, the extra people
    with this option lighter and hatched, the rest grey. Counts add up to ``scale``."""
    rest = Segment("rest", 0, f"the rest of the {_per(scale)}")
    if y is None or control is None:
        return (Segment("base", x, plain), Segment("rest", scale - x, rest.label))
    if x >= y:
        base = Segment("base", y, f"{plain} with {control} as well")
        extra = Segment("extra", x - y, f"extra people who {plain} with {treated}")
        return (base, extra, Segment("rest", scale - x, rest.label))
    base = Segment("base", x, f"{plain} with either treatment")
    fewer = Segment("fewer", y - x, f"{plain} with {control} but not with {treated}")
    return (base, fewer, Segment("rest", scale - y, rest.label))


def _arm_text(a: ArmNumbers, n: OutcomeNumbers) -> str:
    iv = a.interval
    if a.measure == "proportion":
        est = "?" if a.estimate is None else _pct(a.estimate)
        head = (f"{a.events}/{a.total} = {est}%" if a.events is not None and a.total
                else f"{est}%" + (f" of {a.total}" if a.total else " (n not stated)"))
        if iv is None or iv.low is None or iv.high is None:
            ci = "; KM estimate, no published CI" if n.time_to_event else "; no CI"
        else:
            how = {"clopper-pearson": "Clopper-Pearson",
                   "clopper-pearson-implied": f"Clopper-Pearson over {iv.basis}",
                   "published": "published", "published-in-note": "published, KM"}[iv.method]
            if iv.method.startswith("clopper"):
                ci = f" (95% CI {iv.low * 100:.1f}-{iv.high * 100:.1f}, {how})"
            else:
                ci = f" (95% CI {_pct(iv.low)}-{_pct(iv.high)}, {how})"
        return head + ci
    if a.measure == "median":
        if iv is None or iv.low is None:
            return f"median {a.estimate:g} mo"
        hi = "NE" if iv.high is None else f"{iv.high:g}"
        return f"median {a.estimate:g} mo (95% CI {iv.low:g}-{hi})"
    if a.measure == "hazard-ratio":
        ci = "" if iv is None else f" ({iv.level * 100:g}% CI {iv.low:g}-{iv.high:g})"
        return f"HR {a.estimate:g}{ci}"
    return f"{a.estimate:g} {a.unit or ''}".strip()


def clinician_line(n: OutcomeNumbers, also: tuple[OutcomeNumbers, ...] = (),
                   comparator: str = "control-arm") -> str:
    """One dense line for clinicians: figures, intervals and their method, the source.

    ``comparator`` says what the comparator arm is (see
    :func:`allnav.odds.numbers.comparator_kind`), so a subgroup is never read as a control.
    """
    parts = [f"{n.label}: {n.result.arm} {_arm_text(n.result, n)}"]
    if n.comparator is not None:
        what = {"control-arm": " vs control", "as-published": "; vs (as published)",
                "other-group": "; other group (not a control arm):"}[comparator]
        parts[0] += f"{what} {n.comparator.arm} {_arm_text(n.comparator, n)}"
    for a in also:
        cmp_ = "" if a.comparator is None else f" vs {_arm_text(a.comparator, a)}"
        parts.append(f"{a.label}: {_arm_text(a.result, a)}{cmp_}")
    mark = "" if n.verification == "verified" else f" [{n.verification.upper()}]"
    return "; ".join(parts) + f"{mark} ({n.evidence_short}, {n.ref})"

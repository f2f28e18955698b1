"""Read an eligibility text's outline into criteria, the way a trial coordinator would.

The outline (:mod:`allnav.trials.structure`) says where each sentence sits; this
module decides what that means for an ALL patient:

- **Donor sections** are not the patient's criteria and are not read; items under
  a lead-in about the donor are read with a doubt (real texts run on into the
  recipient's criteria without a header).
- **Diagnosis lists**: bullets under "1 of the following:", or a run of sibling
  bullets that each open with a disease, are alternatives. The ALL branch's
  criteria apply; other diseases' branches (and everything under them) do not.
  A list that leaves ALL out, or a diagnosis sentence naming only other diseases,
  is the one diagnosis criterion that fails with confidence.
- **Alternatives** ("any of the following") whose items are not all read become
  one criterion with a doubt: an alternative not read may be the one that fits.
- **Parts of the study** (phase II portion, cohort, stratum, arm) put a doubt on
  what they say, unless every part of the item says the same thing.
- EligibilitySentence cues (:mod:`allnav.trials.cues`): age bands become conditions, lab-by-
  age tables lose their ages, waiting periods become "not recently", upper limits on
  prior lines and transplant candidacy become questions.

A doubt never rules a study out: :func:`allnav.trials.evaluate.judge` shows a
failed criterion with a doubt as unknown. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from allnav.trials import cues
from allnav.trials.diagnoses import (
    DIAGNOSIS_CUE,
    covers_all,
    diagnosis_head,
    names_all,
    other_diseases,
)
from allnav.trials.model import EligibilitySection, TrialCriterion, TrialRequirement
from allnav.trials.recognise import (
    _COND_KINDS,
    _alternatives,
    _hits,
    _requirement,
    _sentence,
    normalise,
)
from allnav.trials.structure import Node, parse
from allnav.trials.text import EligibilitySentence, split_sentences

#: Changes whenever the reading changes: a store keeps readings made by the same version only.
READER_VERSION = "2026-12-07.3"

_PART_DOUBT = "it may hold for one part of the study only"
_DONOR_DOUBT = "it may be about the donor, not the patient"
_ALT_DOUBT = "it is one of several alternatives, and not every alternative is read here"
_EXCEPTION_DOUBT = "the sentence makes exceptions the facts cannot check"
_MIXED_DOUBT = "the sentence is about several diseases"


class _Out:
    """What the reading collects: criteria in order, and sentences not read."""

    def __init__(self) -> None:
        self.criteria: list[TrialCriterion] = []
        self.unread = 0

    def add(self, found: Sequence[TrialCriterion]) -> None:
        keys = {c.key for c in self.criteria}
        for c in found:
            if c.key not in keys:
                self.criteria.append(c)
                keys.add(c.key)


def read_criteria(text: str | None) -> tuple[tuple[TrialCriterion, ...], int]:
    """The criteria of an eligibility text, and how many sentences gave none."""
    out = _Out()
    _read_nodes(parse(text), "", None, out)
    return tuple(out.criteria), out.unread


def _section(node: Node) -> EligibilitySection:
    return node.section


def _branch(node: Node) -> str | None:
    """``all`` (names ALL), ``cover`` (a term that takes ALL in), ``other`` (another
    disease only), or ``None`` when the item does not open with a diagnosis."""
    if node.section != "inclusion" or node.part != "inclusion":
        return None
    head = diagnosis_head(node.text)
    if head is None:
        return None
    if names_all(head):
        return "all"
    if covers_all(head):
        return "cover"
    return "other"


def _read_nodes(nodes: list[Node], lead: str, doubt: str | None, out: _Out) -> None:
    i = 0
    while i < len(nodes):
        j = i
        while j < len(nodes) and _branch(nodes[j]) is not None:
            j += 1
        run = nodes[i:j]
        if (len(run) >= 2 and len({_branch(n) for n in run}) >= 2) or (
                len(run) == 1 and _branch(run[0]) == "other"):
            _read_diagnoses(run, lead, doubt, out)
            i = j
            continue
        _read_node(nodes[i], lead, doubt, out)
        i += 1


def _read_diagnoses(items: list[Node], lead: str, doubt: str | None, out: _Out) -> None:
    """Diagnosis items that are alternatives: the ALL branches decide."""
    branches = [n for n in items if _branch(n) in ("all", "cover")]
    quoted = (f"{lead} " if lead else "") + "; ".join(n.text.rstrip(":;. ") for n in items)
    if not branches:
        names = sorted({d for n in items for d in other_diseases(n.text)})
        # An item that does not open with a disease, or one that names ALL further on, may
        # be the ALL branch: then the list does not rule the patient out.
        unsure = any(_branch(n) is None or covers_all(n.text) for n in items) or not (
            DIAGNOSIS_CUE.search(lead) or any(DIAGNOSIS_CUE.search(n.text) for n in items))
        out.add([TrialCriterion("inclusion", quoted, (TrialRequirement("diagnosis", "+".join(names)),),
                           None, doubt or (_ALT_DOUBT if unsure else None))])
        out.unread += sum(len(n.children) > 0 for n in items)
        return
    found: list[list[TrialCriterion]] = []
    for n in branches:
        sub = _Out()
        if len(n.children) >= 2 and not (n.lead and n.combine == "all" and "follow" in n.text):
            # The states listed under a disease ("In CR1 ...", "In CR2 or CR3", "With
            # chemosensitive primary refractory disease") are alternatives.
            _read_alternatives(n, lead, doubt, sub)
        else:
            _read_node(n, lead, doubt, sub)
        found.append(sub.criteria)
        out.unread += sub.unread
    if len(found) == 1:
        out.add(found[0])
        return
    if any(not f for f in found):
        return  # one ALL branch asks nothing we read: the diagnosis may fit as it is
    alts: list[TrialRequirement] = []
    for f in found:
        alts += [r for r in f[0].any_of if r not in alts]
    plain = all(len(f) == 1 and f[0].when is None for f in found)
    out.add([TrialCriterion("inclusion", quoted, tuple(alts), None,
                       doubt if plain else (doubt or _ALT_DOUBT))])


def _read_node(node: Node, lead: str, doubt: str | None, out: _Out) -> None:
    if node.part == "donor":
        out.unread += 1 + len(node.children)
        return
    if node.part == "donor?":
        doubt = doubt or _DONOR_DOUBT
    s = normalise(node.text)
    if node.lead and cues.other_disease_only(s) and len(s.split()) <= 8:
        # "Solid tumors:" / "CML:": what follows is for another disease's patients.
        out.unread += 1 + len(node.children)
        return
    if node.lead and node.children and node.combine == "any" and not any(
            _branch(c) for c in node.children):
        _read_alternatives(node, lead, doubt, out)
        return
    if node.lead and node.children and node.combine == "any":
        own = _read_text(node.section, node.text, lead, doubt)
        out.add(own)
        _read_diagnoses(node.children, node.text, doubt, out)
        return
    found = _read_text(node.section, node.text, lead, doubt)
    if not found:
        out.unread += 1
    out.add(found)
    if node.children:
        child_lead = node.text if node.lead else lead
        child_doubt = doubt or (_PART_DOUBT if cues.part_of_study(s) else None)
        if node.lead and cues.PERMISSION.search(s):
            # "Prior allogeneic SCT allowed if all of the following are met:" the items are
            # the conditions of a permission, not requirements for everyone.
            child_doubt = child_doubt or "it is a condition of something the study permits"
        _read_nodes(node.children, child_lead, child_doubt, out)


def _read_alternatives(node: Node, lead: str, doubt: str | None, out: _Out) -> None:
    own = _read_text(node.section, node.text, lead, doubt)
    sents = [EligibilitySentence(c.section, f"{node.text} {c.text}", c.text, node.text, 0)
             for c in node.children if c.part != "donor"]
    if not sents:
        out.add(own)
        return
    found = _alternatives(sents)
    # The lead's own criteria came back first; the last one holds the alternatives.
    alt = [c for c in found if c.key not in {o.key for o in own}]
    if not alt:
        out.add(own)
        return
    if any(r.kind == "disease" for r in alt[-1].any_of):
        # "Relapsed or refractory B-ALL, defined as one of the following:" the list decides.
        own = [c for c in own if c.any_of[0].kind != "disease"]
    out.add(own)
    read_all = all(_sentence(EligibilitySentence(s.section, s.body, s.body, "", None)) for s in sents)
    crit = alt[-1]
    if not read_all or doubt:
        crit = dataclasses.replace(crit, doubt=doubt or _ALT_DOUBT)
    out.add([*alt[:-1], crit])


def _read_text(section: EligibilitySection, text: str, lead: str, doubt: str | None) -> list[TrialCriterion]:
    """Every sentence of one item, with the item's doubt and each sentence's cues."""
    pieces = split_sentences(text.rstrip(":").strip()) if not text.rstrip().endswith(":") else \
        [text.rstrip(": ")]
    per: list[tuple[bool, list[TrialCriterion]]] = []
    for piece in pieces:
        s = normalise(piece)
        per.append((cues.part_of_study(s), _read_sentence(section, piece, lead, doubt)))
    parted = [found for part, found in per if part and found]
    shared: set[str] = set()
    if len(parted) >= 2:
        # Said alike in every part of the study ("dose escalation ... must have T-ALL;
        # expansion ... must have T-ALL"): it holds for the whole study.
        keys = [{c.key for c in f} for f in parted]
        shared = set.intersection(*keys)
    out: list[TrialCriterion] = []
    for part, found in per:
        for c in found:
            if part and c.key not in shared and not c.doubt:
                c = dataclasses.replace(c, doubt=_PART_DOUBT)
            out.append(c)
    return out


def _read_sentence(section: EligibilitySection, piece: str, lead: str, doubt: str | None
                   ) -> list[TrialCriterion]:
    body = " ".join(piece.split())
    quoted = f"{lead} {body}" if lead and not body.startswith(lead) else body
    s = normalise(body)
    if cues.about_other_group(body):
        return []  # about another disease's patients ("Age > 60 years with AML")
    extra: list[TrialCriterion] = []
    if cues.transplant_candidacy(s):
        extra.append(TrialCriterion(section, quoted, (TrialRequirement("ask", "hsct-candidate"),)))
    if cues.previous_study(s):
        extra.append(TrialCriterion(section, quoted, (TrialRequirement("ask", "previous-study"),)))
    limit = cues.lines_limit(s) if section == "inclusion" else cues.lines_excluded(s)
    if limit is not None:
        extra.append(TrialCriterion(section, quoted, (TrialRequirement("lines", f"<={limit}"),)))
    when, rest, bands = cues.age_group(s)
    text = cues.strip_reference(rest if bands == 1 else s)
    group, text = cues.group_clause(text)
    group_doubt = None
    if group is not None and when is None:
        # "(for Ph+ patients)": a condition when the group is one the facts can tell.
        named = [h for h in _hits(group, False) if h.kind in _COND_KINDS]
        when = _requirement(named[0], False) if named else None
        bands = 1 if when is not None else bands
        group_doubt = None if when is not None else "it may hold for a group of patients only"
    found = _sentence(EligibilitySentence(section, text, text, "", None))
    found = [dataclasses.replace(c, sentence=quoted) for c in found]
    lab = cues.lab_sentence(s)
    waiting = cues.waiting_period(s)
    diagnosis_age = cues.at_diagnosis(s)
    ages = sum(r.kind == "age" for c in found for r in c.any_of)
    # "Age >= 60, or age 18-59 and unfit for intensive chemotherapy": limits joined by "or"
    # are alternatives the criteria above cannot hold; never a reason to fail.
    several_ages = ages >= 3 or (ages >= 2 and " or " in s)
    kept: list[TrialCriterion] = []
    for c in found:
        reqs: list[TrialRequirement] = []
        for r in c.any_of:
            if r.kind == "age" and (lab or bands > 1):
                continue  # lab values by age band, or several age bands: not an age limit
            if r.kind == "age" and diagnosis_age:
                r = TrialRequirement("age_dx", r.expect)
            if r.kind.startswith("prior_") and (limit is not None or cues.transplant_candidacy(s)):
                continue  # "no more than 3 courses ... after transplant" is a count
            if r.kind.startswith("prior_") and waiting and r.expect == "required":
                r = TrialRequirement(r.kind, "none-recent")
            reqs.append(r)
        if not reqs:
            continue
        c = dataclasses.replace(c, any_of=tuple(reqs))
        if bands == 1 and when is not None and c.when is None:
            c = dataclasses.replace(c, when=when)
        why = doubt or group_doubt
        if why is None and bands > 1:
            why = "the sentence sets different limits for different age groups"
        if why is None and cues.has_exception(s) and (
                section == "inclusion" or any(r.kind.startswith("prior_") for r in reqs)):
            why = _EXCEPTION_DOUBT
        if why is None and several_ages and any(r.kind == "age" for r in reqs):
            why = "the sentence gives several age limits, some joined by \"or\""
        if why is None and cues.mixed_diseases(body) and not names_all(body.split(",")[0]):
            why = _MIXED_DOUBT
        kept.append(dataclasses.replace(c, doubt=why) if why else c)
    if doubt:
        extra = [dataclasses.replace(c, doubt=doubt) for c in extra]
    return extra + kept


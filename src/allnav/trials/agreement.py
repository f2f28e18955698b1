"""How far the trial finder agrees with a trial coordinator's labels on real studies.

A labelled set is a folder of API v2 study records with ``patients.json`` (five
patients, facts v1) and ``labels.json``: for each (patient, study) the coordinator's
verdict (``eligible``, ``not-eligible``, ``unknown``) and the sentences that decide
it, each ``met``, ``not-met`` or ``unknown``. Studies are judged whatever their
recruiting status and place, as the labels are. The figure that matters most is
the number of pairs a coordinator calls eligible (or unknown) that the finder
rules out: each one is a patient who loses a trial that may fit.

Pure: the caller reads the files and hands over parsed JSON.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from allnav.facts import Facts
from allnav.trials.match import TrialMatch, match_study
from allnav.trials.model import Status3, Study

_WORDS = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class PairResult:
    """One (patient, study) pair: the label and what the finder said."""

    patient: str
    nct_id: str
    label: str
    found: str
    #: Labelled sentences: (text, label verdict, finder verdict or None when not read).
    criteria: tuple[tuple[str, str, str | None], ...] = ()


@dataclass(frozen=True, slots=True)
class Agreement:
    """The figures of one labelled set."""

    pairs: tuple[PairResult, ...]
    confusion: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @property
    def agree(self) -> int:
        """Pairs whose fit agrees with the label."""
        return sum(p.label == p.found for p in self.pairs)

    def ruled_out(self, label: str) -> list[PairResult]:
        """Pairs with this label that the finder called not eligible."""
        return [p for p in self.pairs if p.label == label and p.found == "not-eligible"]

    def count(self, label: str) -> int:
        """How many pairs carry this label."""
        return sum(p.label == label for p in self.pairs)

    @property
    def criteria_read(self) -> tuple[int, int, int]:
        """(labelled sentences, sentences the finder judged, judged the same way)."""
        rows = [c for p in self.pairs for c in p.criteria]
        judged = [c for c in rows if c[2] is not None]
        return len(rows), len(judged), sum(c[1] == c[2] for c in judged)


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORDS.findall(text.lower()))


def _covers(label_text: str, sentence: str) -> bool:
    """A quoted sentence is the labelled one when it holds most of the label's words."""
    want = _words(label_text)
    if not want:
        return False
    return len(want & _words(sentence)) >= 0.8 * len(want)


def _criterion_verdict(m: TrialMatch, text: str) -> str | None:
    found: list[Status3] = [j.status for j in m.judged if _covers(text, j.criterion.sentence)]
    if not found:
        return None
    return "not-met" if "not-met" in found else "unknown" if "unknown" in found else "met"


def measure(studies: Sequence[Study], patients: Mapping[str, Facts],
            labels: Sequence[Mapping[str, object]]) -> Agreement:
    """Judge every labelled pair and compare it with its label."""
    by_id = {s.nct_id: s for s in studies}
    pairs: list[PairResult] = []
    confusion: Counter[tuple[str, str]] = Counter()
    for row in labels:
        nct, who, verdict = str(row["nct"]), str(row["patient"]), str(row["verdict"])
        study, facts = by_id.get(nct), patients.get(who)
        if study is None or facts is None:
            raise ValueError(f"label for {who}/{nct}: no such {'study' if study is None else 'patient'}")
        # Labels ignore status and place: judge the study as if it were recruiting.
        m = match_study(_as_open(study), facts)
        crit_rows = row.get("criteria")
        crits = tuple((str(c["text"]), str(c["verdict"]), _criterion_verdict(m, str(c["text"])))
                      for c in (crit_rows if isinstance(crit_rows, list) else [])
                      if isinstance(c, Mapping))
        pairs.append(PairResult(who, nct, verdict, m.fit, crits))
        confusion[(verdict, m.fit)] += 1
    return Agreement(tuple(pairs), dict(confusion))


def _as_open(study: Study) -> Study:
    return replace(study, status="RECRUITING")


def agreement_figures(a: Agreement) -> dict[str, object]:
    """The figures as plain data (for ``--format json``, the tests and the docs)."""
    labelled, judged, same = a.criteria_read
    n = len(a.pairs)
    return {
        "format": "allnav-trials-agreement/1",
        "pairs": n, "agree": a.agree, "agreement": a.agree / n if n else 0.0,
        "eligible": a.count("eligible"), "eligible_ruled_out": len(a.ruled_out("eligible")),
        "unknown": a.count("unknown"), "unknown_ruled_out": len(a.ruled_out("unknown")),
        "not_eligible": a.count("not-eligible"),
        "criteria_labelled": labelled, "criteria_judged": judged, "criteria_agree": same,
        "criteria_accuracy": same / judged if judged else 0.0,
        "confusion": {f"{k[0]}->{k[1]}": v for k, v in sorted(a.confusion.items())},
        "disagreements": [{"patient": p.patient, "nct": p.nct_id, "label": p.label,
                           "finder": p.found} for p in a.pairs if p.label != p.found],
    }

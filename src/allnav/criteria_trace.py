"""The clinician trace: every sub-expression of a criterion with its own outcome.

As cql-execution keeps a results map beside the answer, the trace says which part of
an ``all``/``any`` decided it, and an "unknown" names the part that is unknown and the
fact that was not recorded. It re-walks the criterion tree with the reference
``evaluate`` of each kind (the same meaning as the generated code; a property test
keeps them equal), so it is computed only for the clinician view and ``allnav pathway
explain``: the engine's fast path is untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from allnav import criteria as C
from allnav.facts import Facts
from allnav.pathway import Pathway

_WORDS = {True: "true", False: "false", None: "unknown"}


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One sub-expression: its depth in the tree, what it tests, and its outcome."""

    depth: int
    description: str
    outcome: C.Tri
    #: Facts not recorded that keep this part unknown (empty unless the outcome is unknown).
    missing: tuple[str, ...] = ()

    def text(self) -> str:
        """E.g. ``symptoms.anc_per_ul below 500 /µL: unknown (not recorded: symptoms.anc_per_ul)``."""
        word = _WORDS[self.outcome]
        if self.outcome is None and self.missing:
            word += f" (not recorded: {', '.join(self.missing)})"
        return f"{self.description}: {word}"


@dataclass(frozen=True, slots=True)
class Trace:
    """A criterion's outcome and, in tree order (parents first), every sub-expression's."""

    criterion_id: str
    steps: tuple[TraceStep, ...]

    @property
    def outcome(self) -> C.Tri:
        return self.steps[0].outcome

    def unknown_parts(self) -> tuple[TraceStep, ...]:
        """The innermost unknown parts that keep the whole unknown.

        A part counts only if every part above it is unknown too: an unknown under an
        ``any`` that is already true decides nothing."""
        path: list[C.Tri] = []  # outcomes of the current step's ancestors, by depth
        out: list[TraceStep] = []
        for i, s in enumerate(self.steps):
            del path[s.depth:]
            if s.outcome is None and all(o is None for o in path) and not self._has_unknown_child(i):
                out.append(s)
            path.append(s.outcome)
        return tuple(out)

    def _has_unknown_child(self, i: int) -> bool:
        depth = self.steps[i].depth
        for s in self.steps[i + 1:]:
            if s.depth <= depth:
                return False
            if s.depth == depth + 1 and s.outcome is None:
                return True
        return False

    def lines(self) -> list[str]:
        return ["  " * s.depth + s.text() for s in self.steps]


def trace_criterion(test: C.Criterion, facts: Facts) -> tuple[TraceStep, ...]:
    """Every sub-expression of ``test`` with its outcome on ``facts`` (references expanded)."""
    steps: list[TraceStep] = []
    _walk(test, facts, 0, steps)
    return tuple(steps)


def _walk(c: C.Criterion, facts: Facts, depth: int, out: list[TraceStep]) -> None:
    outcome = c.evaluate(facts)
    missing = tuple(c.missing(facts)) if outcome is None else ()
    # Composites describe only their kind ("all of"); their parts follow as their own steps.
    out.append(TraceStep(depth, c.describe(), outcome, missing))
    children: Sequence[C.Criterion] = c.children()
    for child in children:
        _walk(child, facts, depth + 1, out)


def explain_criterion(pathway: Pathway, criterion_id: str, facts: Facts) -> Trace:
    """The trace of the pathway's named criterion ``criterion_id`` for ``facts``.

    Raises ``KeyError`` naming the id if the pathway has no such criterion."""
    named = pathway.criteria.get(criterion_id)
    if named is None:
        raise KeyError(f"no criterion {criterion_id!r} in pathway {pathway.id}")
    steps = trace_criterion(named.test, facts)
    return Trace(criterion_id, (TraceStep(0, f"{named.id} ({named.title})", steps[0].outcome,
                                          steps[0].missing),
                                *(TraceStep(s.depth + 1, s.description, s.outcome, s.missing)
                                  for s in steps)))

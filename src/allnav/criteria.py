"""Criterion kinds: the closed set of tests the pathway may ask of a patient's facts.

Each kind is one small frozen class in :data:`KINDS`; its docstring is the
clinician-facing definition shown by ``allnav pathway show`` and in
``docs/pathway.md``. A criterion answers ``True``, ``False`` or ``None``
(unknown) with Kleene's three-valued logic, so an unknown fact flows through
``all``/``any``/``not`` exactly as in CQL: ``any(unknown, true)`` is true,
``all(unknown, false)`` is false, and everything else that touches the unknown
stays unknown.
"""

from __future__ import annotations

import hashlib
import linecache
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from allnav.facts import FIELDS, Facts

#: ``True``/``False``/``None`` (unknown). Plain values keep evaluation fast.
Tri = bool | None

_OPS: Mapping[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}
_OP_WORDS = {">=": "at least", ">": "above", "<=": "at most", "<": "below"}


def _getter(name: str) -> Callable[[Facts], object]:
    # attrgetter understands dotted paths, which is how symptoms are named.
    return operator.attrgetter(name)


def show_value(value: object) -> str:
    """A fact value as a clinician reads it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) if value else "none"
    return str(value)


class Emitter:
    """Builds one Python function that evaluates every named criterion of a pathway.

    The engine's hot path: an assessment must take tens of microseconds, and a tree
    of method calls costs several times that. Each criterion kind emits straight-line
    code with the same meaning as its ``evaluate`` (a property test checks they agree
    on random facts). Only validated fact names (attributes of :class:`Facts`) and
    ``repr`` of validated values reach the generated source.
    """

    def __init__(self, name: str = "pathway criteria") -> None:
        #: Names the generated source in tracebacks (e.g. a criterion id).
        self.name = name
        self.lines: list[str] = []
        self.fact_vars: dict[str, str] = {}
        self.named_vars: dict[str, str] = {}
        self._n = 0

    def temp(self, expression: str) -> str:
        self._n += 1
        name = f"t{self._n}"
        self.lines.append(f"    {name} = {expression}")
        return name

    def fact(self, name: str) -> str:
        if name not in self.fact_vars:
            if name not in FIELDS or not all(p.isidentifier() for p in name.split(".")):
                raise ValueError(f"not a fact: {name!r}")
            var = f"v{len(self.fact_vars)}"
            self.fact_vars[name] = var
            self.lines.append(f"    {var} = facts.{name}")
        return self.fact_vars[name]

    def function(self, returns: Mapping[str, str]) -> Callable[[Facts], dict[str, Tri]]:
        """The generated function, returning a dict of the given variables by name."""
        result = ", ".join(f"{k!r}: {v}" for k, v in returns.items())
        return self._build(f"{{{result}}}")  # type: ignore[return-value]

    def missing_function(self, test: Criterion) -> Callable[[Facts], tuple[str, ...]]:
        """A generated function giving ``test.missing(facts)`` (see :meth:`Criterion.emit_missing`)."""
        _, missing = test.emit_missing(self)
        return self._build(missing)  # type: ignore[return-value]

    def _build(self, returns: str) -> Callable[[Facts], object]:
        body = "\n".join(self.lines) or "    pass"
        source = f"def evaluate(facts):\n{body}\n    return {returns}\n"
        namespace: dict[str, object] = {}
        filename = _register_source(self.name, source)
        # Generated from validated knowledge only; see the class docstring.
        exec(compile(source, filename, "exec"), namespace)
        fn = namespace["evaluate"]
        assert callable(fn)
        return fn


def _register_source(name: str, source: str) -> str:
    """Put generated source in :mod:`linecache` (as attrs does) so a traceback shows its lines.

    The filename carries a digest of the source: reloading the same pathway reuses the entry
    instead of growing the cache, and two different sources never share a name.
    """
    digest = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()[:10]
    filename = f"<allnav criterion {name} {digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    return filename


class Criterion:
    """Base of all criterion kinds. Subclasses are frozen dataclasses.

    ``evaluate`` is the readable definition; ``compile`` returns a closure with the
    same meaning that the engine calls on its hot path (one patient is assessed in
    tens of microseconds). Tests check that the two agree on random facts.
    """

    kind: ClassVar[str]

    def evaluate(self, facts: Facts) -> Tri:  # pragma: no cover - abstract
        raise NotImplementedError

    def emit(self, code: Emitter) -> str:  # pragma: no cover - abstract
        """Append Python statements computing this criterion; return the variable holding it."""
        raise NotImplementedError

    def emit_missing(self, code: Emitter) -> tuple[str, str]:  # pragma: no cover - abstract
        """Like :meth:`emit`, plus a variable holding :meth:`missing` as a tuple of names.
        References are inlined, so the generated function stands alone."""
        raise NotImplementedError

    def facts_used(self) -> tuple[str, ...]:
        """Every fact this criterion may read, in order, without repeats."""
        return ()

    def missing(self, facts: Facts) -> list[str]:
        """The unknown facts that keep this criterion unknown for ``facts``.

        Only meaningful when :meth:`evaluate` is unknown: those are the facts
        whose values could settle it.
        """
        return [name for name in self.facts_used() if facts.value(name) is None]

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def children(self) -> Sequence[Criterion]:
        return ()


@dataclass(frozen=True, slots=True)
class _FactTest(Criterion):
    fact: str
    get: Callable[[Facts], object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "get", _getter(self.fact))

    def facts_used(self) -> tuple[str, ...]:
        return (self.fact,)

    def missing(self, facts: Facts) -> list[str]:
        return [self.fact] if self.get(facts) is None else []

    def emit_missing(self, code: Emitter) -> tuple[str, str]:
        outcome = self.emit(code)
        v = code.fact(self.fact)
        return outcome, code.temp(f"({self.fact!r},) if {v} is None else ()")


@dataclass(frozen=True, slots=True)
class Equals(_FactTest):
    """The fact has exactly this value (e.g. lineage is B). Unknown if the fact is unknown."""

    kind: ClassVar[str] = "equals"
    value: str = ""

    def evaluate(self, facts: Facts) -> Tri:
        v = self.get(facts)
        return None if v is None else v == self.value

    def emit(self, code: Emitter) -> str:
        v = code.fact(self.fact)
        return code.temp(f"None if {v} is None else {v} == {self.value!r}")

    def describe(self) -> str:
        return f"{self.fact} is {self.value}"


@dataclass(frozen=True, slots=True)
class OneOf(_FactTest):
    """The fact has one of these values. Unknown if the fact is unknown."""

    kind: ClassVar[str] = "one-of"
    values: tuple[str, ...] = ()

    def evaluate(self, facts: Facts) -> Tri:
        v = self.get(facts)
        return None if v is None else v in self.values

    def emit(self, code: Emitter) -> str:
        v = code.fact(self.fact)
        return code.temp(f"None if {v} is None else {v} in {frozenset(self.values)!r}")

    def describe(self) -> str:
        return f"{self.fact} is one of {', '.join(self.values)}"


@dataclass(frozen=True, slots=True)
class Compare(_FactTest):
    """A number compared with a threshold: ``>=``, ``>``, ``<=`` or ``<`` (e.g. ANC below 500/µL).
    Thresholds are exact: 38.3 °C meets ``>= 38.3``. Unknown if the number is unknown."""

    kind: ClassVar[str] = "compare"
    op: str = ">="
    value: float = 0.0
    test: Callable[[float, float], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _FactTest.__post_init__(self)
        object.__setattr__(self, "test", _OPS[self.op])

    def evaluate(self, facts: Facts) -> Tri:
        v = self.get(facts)
        return None if v is None else self.test(v, self.value)  # type: ignore[arg-type]

    def emit(self, code: Emitter) -> str:
        v = code.fact(self.fact)
        return code.temp(f"None if {v} is None else {v} {self.op} {float(self.value)!r}")

    def describe(self) -> str:
        unit = FIELDS[self.fact].unit
        return f"{self.fact} {_OP_WORDS[self.op]} {show_value(float(self.value))}" + (
            f" {unit}" if unit else "")


@dataclass(frozen=True, slots=True)
class DaysSince(Compare):
    """Whole days from a date fact to the assessment date, compared with a number (e.g. blood
    counts taken 1 day or more before the assessment: ``>= 1``). Unknown if the date is
    unknown. A date after the assessment date counts as 0 days."""

    kind: ClassVar[str] = "days-since"

    def evaluate(self, facts: Facts) -> Tri:
        v = self.get(facts)
        if v is None or facts.as_of is None:
            return None
        days = max((facts.as_of - v).days, 0)  # type: ignore[operator]
        return self.test(float(days), self.value)

    def emit(self, code: Emitter) -> str:
        v = code.fact(self.fact)
        return code.temp(f"None if {v} is None or facts.as_of is None else "
                         f"max((facts.as_of - {v}).days, 0) {self.op} {float(self.value)!r}")

    def describe(self) -> str:
        return f"{self.fact} {_OP_WORDS[self.op]} {show_value(float(self.value))} days before the assessment"


@dataclass(frozen=True, slots=True)
class Includes(_FactTest):
    """A list fact contains this value (e.g. relapse sites include the CNS). A list that is
    present is complete, so a value not in it is false; an absent list is unknown."""

    kind: ClassVar[str] = "includes"
    value: str = ""

    def evaluate(self, facts: Facts) -> Tri:
        v = self.get(facts)
        return None if v is None else self.value in v  # type: ignore[operator]

    def emit(self, code: Emitter) -> str:
        v = code.fact(self.fact)
        return code.temp(f"None if {v} is None else {self.value!r} in {v}")

    def describe(self) -> str:
        return f"{self.fact} includes {self.value}"


@dataclass(frozen=True, slots=True)
class IncludesAny(_FactTest):
    """A list fact contains at least one of these values. Unknown if the list is unknown."""

    kind: ClassVar[str] = "includes-any"
    values: tuple[str, ...] = ()

    def evaluate(self, facts: Facts) -> Tri:
        v = self.get(facts)
        if v is None:
            return None
        return any(x in v for x in self.values)  # type: ignore[operator]

    def emit(self, code: Emitter) -> str:
        v = code.fact(self.fact)
        tests = " or ".join(f"{x!r} in {v}" for x in self.values)
        return code.temp(f"None if {v} is None else ({tests})")

    def describe(self) -> str:
        return f"{self.fact} includes any of {', '.join(self.values)}"


@dataclass(frozen=True, slots=True)
class IsTrue(_FactTest):
    """A yes/no fact is yes (e.g. a donor is available). Unknown if not recorded."""

    kind: ClassVar[str] = "is-true"

    def evaluate(self, facts: Facts) -> Tri:
        v = self.get(facts)
        return None if v is None else v is True

    def emit(self, code: Emitter) -> str:
        v = code.fact(self.fact)
        return code.temp(f"None if {v} is None else {v} is True")

    def describe(self) -> str:
        return f"{self.fact} is yes"


@dataclass(frozen=True, slots=True)
class All(Criterion):
    """Every part holds (Kleene AND): false if any part is false, else unknown if any part
    is unknown, else true."""

    kind: ClassVar[str] = "all"
    of: tuple[Criterion, ...] = ()

    def evaluate(self, facts: Facts) -> Tri:
        result: Tri = True
        for c in self.of:
            r = c.evaluate(facts)
            if r is False:
                return False
            if r is None:
                result = None
        return result

    def facts_used(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for c in self.of for n in c.facts_used()))

    def missing(self, facts: Facts) -> list[str]:
        # Ask in order: the first open part is what to learn next (a temperature
        # before how long it lasted; disease status before MRD).
        for c in self.of:
            if c.evaluate(facts) is None:
                return c.missing(facts)
        return []

    def emit(self, code: Emitter) -> str:
        return self._combine(code, [c.emit(code) for c in self.of])

    @staticmethod
    def _combine(code: Emitter, parts: list[str]) -> str:
        false = " or ".join(f"{p} is False" for p in parts)
        unknown = " or ".join(f"{p} is None" for p in parts)
        return code.temp(f"False if ({false}) else (None if ({unknown}) else True)")

    def emit_missing(self, code: Emitter) -> tuple[str, str]:
        parts = [c.emit_missing(code) for c in self.of]
        outcome = self._combine(code, [t for t, _ in parts])
        chain = "()"
        for t, m in reversed(parts):  # the first open part, as in missing()
            chain = f"({m} if {t} is None else {chain})"
        return outcome, code.temp(chain)

    def describe(self) -> str:
        return "all of"

    def children(self) -> Sequence[Criterion]:
        return self.of


@dataclass(frozen=True, slots=True)
class Any(Criterion):
    """At least one part holds (Kleene OR): true if any part is true, else unknown if any
    part is unknown, else false."""

    kind: ClassVar[str] = "any"
    of: tuple[Criterion, ...] = ()

    def evaluate(self, facts: Facts) -> Tri:
        result: Tri = False
        for c in self.of:
            r = c.evaluate(facts)
            if r is True:
                return True
            if r is None:
                result = None
        return result

    def facts_used(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for c in self.of for n in c.facts_used()))

    def missing(self, facts: Facts) -> list[str]:
        return _missing_from(self.of, facts)

    def emit(self, code: Emitter) -> str:
        return self._combine(code, [c.emit(code) for c in self.of])

    @staticmethod
    def _combine(code: Emitter, parts: list[str]) -> str:
        true = " or ".join(f"{p} is True" for p in parts)
        unknown = " or ".join(f"{p} is None" for p in parts)
        return code.temp(f"True if ({true}) else (None if ({unknown}) else False)")

    def emit_missing(self, code: Emitter) -> tuple[str, str]:
        parts = [c.emit_missing(code) for c in self.of]
        outcome = self._combine(code, [t for t, _ in parts])
        joined = " + ".join(f"({m} if {t} is None else ())" for t, m in parts)
        return outcome, code.temp(joined)

    def describe(self) -> str:
        return "any of"

    def children(self) -> Sequence[Criterion]:
        return self.of


@dataclass(frozen=True, slots=True)
class Not(Criterion):
    """The part does not hold (Kleene NOT): unknown stays unknown."""

    kind: ClassVar[str] = "not"
    of: Criterion = field(default_factory=lambda: All())

    def evaluate(self, facts: Facts) -> Tri:
        r = self.of.evaluate(facts)
        return None if r is None else not r

    def facts_used(self) -> tuple[str, ...]:
        return self.of.facts_used()

    def missing(self, facts: Facts) -> list[str]:
        return self.of.missing(facts)

    def emit(self, code: Emitter) -> str:
        p = self.of.emit(code)
        return code.temp(f"None if {p} is None else not {p}")

    def emit_missing(self, code: Emitter) -> tuple[str, str]:
        t, m = self.of.emit_missing(code)
        return code.temp(f"None if {t} is None else not {t}"), m

    def describe(self) -> str:
        return "not"

    def children(self) -> Sequence[Criterion]:
        return (self.of,)


@dataclass(frozen=True, slots=True)
class NotRuledOut(Criterion):
    """The part is true or still unknown: "cannot be ruled out". Used where waiting for a
    missing fact is dangerous (a fever with an unknown neutrophil count is treated as
    febrile neutropenia until the count is back). Never unknown itself."""

    kind: ClassVar[str] = "not-ruled-out"
    of: Criterion = field(default_factory=lambda: All())

    def evaluate(self, facts: Facts) -> Tri:
        return self.of.evaluate(facts) is not False

    def facts_used(self) -> tuple[str, ...]:
        return self.of.facts_used()

    def missing(self, facts: Facts) -> list[str]:
        return self.of.missing(facts) if self.of.evaluate(facts) is None else []

    def emit(self, code: Emitter) -> str:
        p = self.of.emit(code)
        return code.temp(f"{p} is not False")

    def emit_missing(self, code: Emitter) -> tuple[str, str]:
        t, m = self.of.emit_missing(code)
        return code.temp(f"{t} is not False"), code.temp(f"{m} if {t} is None else ()")

    def describe(self) -> str:
        return "not ruled out"

    def children(self) -> Sequence[Criterion]:
        return (self.of,)


@dataclass(frozen=True, slots=True)
class Ref(Criterion):
    """Another named criterion of the pathway, by id (e.g. ``crit.cd19_positive``)."""

    kind: ClassVar[str] = "ref"
    id: str = ""
    target: Criterion = field(default_factory=lambda: All(), compare=False)

    def evaluate(self, facts: Facts) -> Tri:
        return self.target.evaluate(facts)

    def facts_used(self) -> tuple[str, ...]:
        return self.target.facts_used()

    def missing(self, facts: Facts) -> list[str]:
        return self.target.missing(facts)

    def emit(self, code: Emitter) -> str:
        # Named criteria are emitted once, in dependency order: a reference reuses the variable.
        return code.named_vars[self.id]

    def emit_missing(self, code: Emitter) -> tuple[str, str]:
        return self.target.emit_missing(code)

    def describe(self) -> str:
        return self.id

    def children(self) -> Sequence[Criterion]:
        return (self.target,)


def _missing_from(parts: Sequence[Criterion], facts: Facts) -> list[str]:
    # Only the unknown parts keep a composite unknown; facts of parts that
    # already answered are not "needed".
    out: list[str] = []
    for c in parts:
        if c.evaluate(facts) is None:
            for name in c.missing(facts):
                if name not in out:
                    out.append(name)
    return out


#: The closed registry of criterion kinds, by the name used in the YAML ``kind`` key.
KINDS: Mapping[str, type[Criterion]] = {
    cls.kind: cls
    for cls in (Equals, OneOf, Compare, DaysSince, Includes, IncludesAny, IsTrue, All, Any, Not,
                NotRuledOut, Ref)
}

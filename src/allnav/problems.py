"""Problems found in input data, reported as data.

The shape follows pydantic-core's errors: a machine-readable ``type``, a location
``loc`` (the path of the offending field), a human message ``msg`` and a small
``ctx`` with what is allowed. Problems are returned alongside a result (warnings)
or raised together in :class:`InputError` (errors). Exceptions are reserved for
input the program cannot use; bugs are not caught.

Exception tree::

    AllnavError
     ├── InputError          bad patient facts (exit code 2 at the CLI)
     └── KnowledgeError      a knowledge file (pathway, evidence) is invalid
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
Loc = tuple[str | int, ...]


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The known name a misspelt ``name`` most likely meant, or ``None``.

    Plain similarity alone prefers ``ph_status`` for ``cd19_staus``; people
    rarely get the start of a word wrong, so a shared prefix counts first.
    """
    options = list(candidates)
    close = difflib.get_close_matches(name, options, n=len(options) or 1, cutoff=0.5)
    if not close:
        return None

    def score(c: str) -> tuple[int, float]:
        prefix = 0
        for a, b in zip(name.lower(), c.lower(), strict=False):
            if a != b:
                break
            prefix += 1
        return (min(prefix, 4), difflib.SequenceMatcher(None, name, c).ratio())

    return max(close, key=score)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` or an empty string."""
    hint = suggest(name, candidates)
    return f" (did you mean '{hint}'?)" if hint else ""


def format_loc(loc: Loc) -> str:
    """Render a location as a readable path: ``symptoms.temperature_c`` or ``prior_treatments[2]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in input data: where it is, what is wrong, and what is allowed."""

    type: str
    loc: Loc
    msg: str
    severity: Severity = "error"
    ctx: Mapping[str, object] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return format_loc(self.loc)

    def __str__(self) -> str:
        return f"{self.path}: {self.msg}"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form. Carries no input values, so it is safe to log."""
        return {
            "type": self.type,
            "loc": list(self.loc),
            "path": self.path,
            "msg": self.msg,
            "severity": self.severity,
        }


class AllnavError(Exception):
    """Base of the errors this package raises on purpose."""


class InputError(AllnavError):
    """The input could not be used; ``problems`` says every place that is wrong."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class KnowledgeError(AllnavError):
    """A knowledge file is invalid; ``problems`` gives each path and reason."""

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.source = source
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = "\n".join(f"  {source}: {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in {source}:\n{lines}")

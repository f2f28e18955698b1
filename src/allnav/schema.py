"""Small helpers to validate knowledge files with path-addressed messages.

The knowledge files are data that clinicians review; a typo must fail loudly
at load time with the exact place (``pathway.options[3].requires[1].criterion``),
never surface later as a silently wrong answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from allnav.problems import Loc, Problem, did_you_mean, format_loc

ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*([._-][a-z0-9]+)*$")


class Checker:
    """Collects problems while walking a knowledge document."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, loc: Loc, msg: str, type_: str = "knowledge") -> None:
        self.problems.append(Problem(type_, loc, msg))

    def warn(self, loc: Loc, msg: str, type_: str = "knowledge") -> None:
        self.problems.append(Problem(type_, loc, msg, severity="warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def mapping(
        self, node: object, loc: Loc, required: Iterable[str], optional: Iterable[str] = ()
    ) -> Mapping[str, Any] | None:
        """Check ``node`` is a mapping with the required keys and no unknown ones."""
        if not isinstance(node, Mapping):
            self.error(loc, f"must be a mapping, got {type(node).__name__}")
            return None
        req = list(required)
        allowed = req + list(optional)
        for key in req:
            if key not in node:
                self.error((*loc, key), "is required")
        for key in node:
            if key not in allowed:
                extra = did_you_mean(str(key), allowed) or f"; allowed: {', '.join(allowed)}"
                self.error((*loc, str(key)), f"unknown key '{key}'{extra}")
        return node

    def text(self, node: Mapping[str, Any], key: str, loc: Loc, *, required: bool = True) -> str:
        value = node.get(key)
        if value is None:
            if required and key in node:
                self.error((*loc, key), "must not be empty")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error((*loc, key), "must be non-empty text")
            return ""
        return value.strip()

    def ident(self, node: Mapping[str, Any], key: str, loc: Loc, prefix: str = "") -> str:
        value = self.text(node, key, loc)
        if value and (not ID_PATTERN.match(value) or not value.startswith(prefix)):
            want = f"start with '{prefix}' and " if prefix else ""
            self.error((*loc, key), f"id '{value}' must {want}use lowercase letters, digits, "
                       "'.', '-' or '_'")
        return value

    def date(self, node: Mapping[str, Any], key: str, loc: Loc) -> dt.date | None:
        value = node.get(key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        if key in node:
            self.error((*loc, key), "must be a date as YYYY-MM-DD")
        return None

    def number(self, node: Mapping[str, Any], key: str, loc: Loc, *, integer: bool = False) -> float | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or (
            integer and not float(value).is_integer()
        ):
            self.error((*loc, key), "must be a whole number" if integer else "must be a number")
            return None
        return float(value)

    def choice(self, node: Mapping[str, Any], key: str, loc: Loc, allowed: Iterable[str]) -> str:
        value = node.get(key)
        options = list(allowed)
        if value is None:
            return ""
        if value not in options:
            extra = did_you_mean(str(value), options)
            self.error((*loc, key), f"'{value}' is not one of {', '.join(options)}{extra}")
            return ""
        return str(value)

    def text_list(self, node: Mapping[str, Any], key: str, loc: Loc) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error((*loc, key), "must be a list of non-empty text")
            return ()
        return tuple(v.strip() for v in value)


def describe_problems(source: str, problems: Iterable[Problem]) -> str:
    """One line per problem, prefixed by the file it is in."""
    return "\n".join(f"{source}: {format_loc(p.loc)}: {p.msg}" for p in problems)

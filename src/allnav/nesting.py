"""A limit on how deeply nested input may be, checked cheaply while or right after parsing.

Patient facts are at most three levels deep and a FHIR Bundle of one patient's records about
twenty (nested Bundles, extensions, contained resources). Text nested 1,500 deep made YAML's
recursive composer spend 1.7 s of CPU and end in a RecursionError traceback of 200 KiB
(issue 17); the code that reads parsed data recurses too. So every parser of outside input
refuses nesting beyond :data:`MAX_NESTING` with one clear problem, before the deep part is
built:

- YAML: :class:`DepthLimitedLoader` counts levels as it composes them (it stops at level
  ``MAX_NESTING + 1``, having read only the text before it);
- JSON and TOML: their parsers stop by themselves at about 1,000 levels (cheaply, in C for
  JSON); :func:`deeper_than` then checks the result without recursion.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import yaml

#: Deepest nesting of lists and objects accepted in any input (facts, FHIR, config).
MAX_NESTING = 64


class TooDeep(ValueError):
    """The input is nested more than :data:`MAX_NESTING` levels."""

    def __init__(self) -> None:
        super().__init__(too_deep_message())


def too_deep_message(what: str = "the input") -> str:
    return (f"{what} is nested more than {MAX_NESTING} levels deep (lists or objects inside "
            f"each other); the limit is {MAX_NESTING}, and patient facts or FHIR records need "
            "far fewer")


def deeper_than(data: object, limit: int = MAX_NESTING) -> bool:
    """Whether ``data`` (parsed JSON, YAML or TOML) nests lists and dicts over ``limit`` deep.

    Without recursion, and each shared list or dict (a YAML alias) is walked once per depth
    it is reached at and never deeper than ``limit``: an alias bomb costs its unique nodes,
    not its 10^9 paths.
    """
    stack: list[tuple[object, int]] = [(data, 1)]
    deepest_seen: dict[int, int] = {}
    while stack:
        node, depth = stack.pop()
        if type(node) is dict:
            children: Any = node.values()
        elif type(node) is list:
            children = node
        else:
            continue
        if depth > limit:
            return True
        if deepest_seen.get(id(node), 0) >= depth:
            continue  # reached before at this depth or deeper: nothing new below
        deepest_seen[id(node)] = depth
        stack.extend((child, depth + 1) for child in children
                     if type(child) is dict or type(child) is list)
    return False


class DepthLimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that raises :class:`TooDeep` past :data:`MAX_NESTING` levels.

    Composing is where PyYAML recurses (about three frames a level), so the count is kept
    there; constructing the Python objects afterwards does not recurse.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise TooDeep()
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _flow_deeper_than(text: str, limit: int) -> bool:
    """Whether the brackets of ``text`` open more than ``limit`` deep (quotes not considered).

    PyYAML's scanner looks ahead up to 1,024 characters for each ``[`` or ``{`` that could
    start a key, at a cost that grows with the depth: 1,500 nested brackets took 0.3 s before
    the composer saw level 65. Counting brackets first is cheap (the rest of the text is
    dropped by one regex). A bracket inside a quoted string is counted too, so text with more
    than ``limit`` unclosed brackets inside quotes is refused; no patient record has that.
    """
    brackets = _NOT_BRACKETS.sub("", text)
    if len(brackets) <= limit:
        return False
    return max(itertools.accumulate(1 if c in "[{" else -1 for c in brackets)) > limit


def safe_load_yaml(text: str) -> object:
    """``yaml.safe_load(text)`` with the nesting limit (raises :class:`TooDeep`)."""
    if _flow_deeper_than(text, MAX_NESTING):
        raise TooDeep()
    loader = DepthLimitedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()

"""The structure of an eligibility text: a tokenizer and a small grammar.

Real ClinicalTrials.gov texts are outlines, not lists of sentences: section
headers (inclusion, exclusion, DONOR, RECIPIENT), bullets nested by indent or
by numbering, paragraphs, and lead-ins ending with a colon whose bullets are
either all required ("as follows:") or alternatives ("1 of the following:").
Reading them sentence by sentence loses what a coordinator sees at once: whose
criterion it is (the donor's), which list it belongs to, and that an item
belongs to one disease of several.

Tokens, one per non-blank line::

    HEADER   "Inclusion Criteria:", "DONOR:", "Exclusion Criteria"
    BULLET   "* text", "- text", "1. text", "a) text"   (with its indent)
    TEXT     a paragraph line, or a line that wraps the one above

Grammar (indent decides nesting; a lead-in's bullets at its own indent are its
children when the lead is a paragraph)::

    text    := block*
    block   := HEADER | item
    item    := (BULLET | TEXT) TEXT* item*        (children: deeper items)

Each :class:`Node` carries its section (``inclusion``, ``exclusion``, ``donor``)
and how its children combine (``all`` or ``any``). Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

#: ``donor?``: under a lead-in about the donor ("Must have related donor who is:"), where
#: real texts go on to list the recipient's own criteria without a header.
Part = Literal["inclusion", "exclusion", "donor", "donor?"]
Combine = Literal["all", "any"]

_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>~^|=])")
_HEADER = re.compile(
    r"^(?:key|main|major|general|additional|specific|other|patient|subject|participant)?\s*"
    r"(inclusion|exclusion|eligibility|ineligibility)\s*(?:criteria|criterion)?\b[^:]{0,60}:?\s*$",
    re.IGNORECASE)
_ROLE = re.compile(r"^(?:(?:inclusion|exclusion)\s+criteria\s+(?:for\s+)?(?:the\s+)?)?"
                   r"(donors?|recipients?|patients?)(?:\s+(?:inclusion|exclusion|eligibility)"
                   r"(?:\s+criteria)?)?\s*:?\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^(\s*)(?:[*\-•·o]|\d{1,2}[.)]|[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)]|"
                     r"\(\d{1,2}\)|\([a-z]\))\s+")
_NUMBERED = re.compile(r"^\s*\(?(\d{1,2})[.)]\s+")
#: Lead-ins whose bullets are alternatives: one is enough.
ANY_OF = re.compile(r"\b(?:one|1|any|either|at least one|one or more) of (?:the )?(?:following|"
                    r"these|below|the below)\b|\bany one of\b|\bone or more of\b", re.IGNORECASE)
_DONOR_LEAD = re.compile(r"\bdonors?\b.*\b(?:who|that|must|should|is|are|with)\b.*:\s*$|"
                         r"^donors?\b.*:\s*$|\bdonor (?:selection|eligibility|criteria)\b",
                         re.IGNORECASE)


@dataclass
class Token:
    """One line of the text, classified."""

    kind: Literal["header", "bullet", "text"]
    indent: int
    text: str
    #: For headers: the part they open; for numbered bullets: True.
    part: Part | None = None
    #: For numbered bullets ("2. Diagnosis"): the number.
    number: int | None = None


@dataclass
class Node:
    """An item of the outline: its text, its part of the text, and its children."""

    text: str
    part: Part
    indent: int
    bullet: bool
    children: list[Node] = field(default_factory=list)
    number: int | None = None
    #: The inclusion or exclusion section the node sits in (donor parts keep theirs).
    section: Literal["inclusion", "exclusion"] = "inclusion"

    @property
    def lead(self) -> bool:
        """A lead-in introduces the items under it (ends with a colon)."""
        return self.text.rstrip().endswith(":")

    @property
    def combine(self) -> Combine:
        """How this lead's children combine."""
        return "any" if ANY_OF.search(self.text) else "all"


def unescape(text: str) -> str:
    """Undo the backslash escapes ClinicalTrials.gov puts before markdown characters."""
    return _ESCAPED.sub(r"\1", text)


def _header(line: str) -> Part | None:
    bare = line.strip().strip("*#_ ").strip()
    if len(bare) > 80:
        return None
    role = _ROLE.match(bare)
    if role:
        return "donor" if role.group(1).lower().startswith("donor") else None
    m = _HEADER.match(bare)
    if not m:
        return None
    return "exclusion" if m.group(1).lower() in ("exclusion", "ineligibility") else "inclusion"


def _is_role_header(line: str) -> bool:
    bare = line.strip().strip("*#_ ").strip()
    return len(bare) <= 80 and _ROLE.match(bare) is not None


def tokenize(text: str) -> list[Token]:
    """Classify every non-blank line; a line after a non-blank one that is not a bullet
    wraps it (kept as ``text`` with ``wrap`` semantics decided by the parser)."""
    out: list[Token] = []
    blank = True
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not raw.strip():
            blank = True
            continue
        indent = len(raw) - len(raw.lstrip())
        part = _header(raw)
        if part is not None or _is_role_header(raw):
            # RECIPIENT / PATIENT headers return to the section the text was in.
            out.append(Token("header", indent, raw.strip(), part))
        else:
            m = _BULLET.match(raw)
            if m:
                num = _NUMBERED.match(raw)
                out.append(Token("bullet", indent, unescape(raw[m.end():].strip()),
                                 number=int(num.group(1)) if num else None))
            elif not blank and out and out[-1].kind != "header":
                out[-1].text += " " + unescape(raw.strip())  # a wrapped line
            else:
                out.append(Token("text", indent, unescape(raw.strip())))
        blank = False
    return out


def parse(text: str | None) -> list[Node]:
    """The outline of an eligibility text: top-level nodes in order.

    Text before any header counts as inclusion (older records have no headers).
    A header for the donor puts what follows in the ``donor`` part until the next
    inclusion/exclusion/recipient header.
    """
    if not text:
        return []
    roots: list[Node] = []
    section: Literal["inclusion", "exclusion"] = "inclusion"
    part: Part = "inclusion"
    # Open nodes that may take children, with the indent a child must exceed
    # (a paragraph lead takes bullets at its own indent too).
    stack: list[tuple[int, Node]] = []
    for tok in tokenize(text):
        if tok.kind == "header":
            if tok.part == "inclusion" or tok.part == "exclusion":
                section = part = tok.part
            elif tok.part == "donor":
                part = "donor"
            else:
                part = section  # RECIPIENT / PATIENT
            stack = []
            continue
        is_bullet = tok.kind == "bullet"
        if tok.number is not None:
            _pop_numbered(stack, tok)
        while stack and (tok.indent < stack[-1][0] or (
                not is_bullet and tok.indent <= stack[-1][0] and stack[-1][1].number is None)):
            stack.pop()
        node_part: Part = part
        parent = stack[-1][1] if stack else None
        if parent is not None and parent.part in ("donor", "donor?"):
            node_part = parent.part
        elif parent is not None and _DONOR_LEAD.search(parent.text):
            node_part = "donor?"
        node = Node(tok.text, node_part, tok.indent, is_bullet, number=tok.number,
                    section=section)
        (parent.children if parent is not None else roots).append(node)
        # Children of a bullet are indented further; a paragraph lead, or a numbered
        # heading ("2. Diagnosis"), also owns what follows at its own indent.
        own = not is_bullet or tok.number is not None
        stack.append((tok.indent if own else tok.indent + 1, node))
    return roots


def _pop_numbered(stack: list[tuple[int, Node]], tok: Token) -> None:
    """Numbered items at one indent: "2." closes "1." and what is under it; "1." under a
    numbered heading starts a sub-list ("4. Prior therapy" then "1. Prior anthracycline")."""
    n = tok.number or 0
    for i in range(len(stack) - 1, -1, -1):
        node = stack[i][1]
        if node.number is not None and node.indent == tok.indent and node.number == n - 1:
            del stack[i:]
            return
    if n == 1:
        return
    # No predecessor found: close numbered items at this indent.
    while stack and stack[-1][1].indent >= tok.indent and stack[-1][1].number is not None:
        stack.pop()


def walk(nodes: list[Node]) -> list[Node]:
    """Every node, depth first, in text order."""
    out: list[Node] = []
    for n in nodes:
        out.append(n)
        out += walk(n.children)
    return out

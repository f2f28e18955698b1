"""Reading one Observation's value into fact values, as the code list says.

Each reader returns what it found (:class:`Found`) and what it refused (:class:`Refused`,
later a warning naming the element). A value outside the fact's possible range, in a unit not
listed, or given only as a bound ("<0.5") is refused, never used as it stands.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from allnav.facts import FIELDS
from allnav.interop.fhir_codes import CodeBook, Concept, norm_text, norm_unit
from allnav.interop.fhir_values import as_list, as_map, codings, concept_keys, concept_text, number

UCUM = "http://unitsofmeasure.org"
_MARKERS = {"19": "cd19", "22": "cd22"}
_AA3 = {"Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
        "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
        "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*"}
_AA1 = "ACDEFGHIKLMNPQRSTVWY"
_P3 = re.compile(r"p\.\(?(" + "|".join(_AA3) + r")(\d{1,4})(" + "|".join(_AA3) + r"|\*)\)?")
_P1 = re.compile(rf"(?<![A-Za-z0-9])(?:p\.)?([{_AA1}])(\d{{2,4}})([{_AA1}*])(?![A-Za-z0-9])")
_SIGN = re.compile(r"\bcd(19|22)\s*(\+|-|positive|negative|pos\b|neg\b|dim|bright|partial|weak)")
_FOR = re.compile(r"\b(positive|negative|expressing|lacking|without|pos|neg)\s+(?:for\s+)?"
                  r"((?:cd\d+[a-z]?|tdt|hla dr|[a-z]{2,5}\d*)(?:\s*(?:,|and|or|/)\s*"
                  r"(?:cd\d+[a-z]?|tdt|hla dr|[a-z]{2,5}\d*))*)")


class Found(NamedTuple):
    """A value read for a fact, and the element it came from."""

    fact: str
    value: object
    element: str
    note: str | None = None


class Refused(NamedTuple):
    """A value not used, and why (becomes a warning naming the element)."""

    element: str
    msg: str
    type: str = "fhir_value"


Result = tuple[list[Found], list[Refused]]


def _in_range(fact: str | None, concept: Concept, value: float) -> tuple[bool, str]:
    lo, hi, unit = concept.limits
    if lo <= value <= hi:
        return True, ""
    return False, f"{lo:g} to {hi:g} {unit}".strip()


def read_quantity(book: CodeBook, concept: Concept, res: Mapping[str, Any]) -> Result:
    """A number with a known unit, converted to the fact's unit and range-checked."""
    q = as_map(res.get("valueQuantity"))
    if q is None:
        if res.get("valueString") is not None or res.get("valueCodeableConcept") is not None:
            return [], [Refused("value[x]", "is not a number with a unit, so it was not used")]
        return [], []
    value = number(q.get("value"))
    if value is None:
        return [], [Refused("valueQuantity.value", "is not a number, so it was not used")]
    if q.get("comparator") is not None:
        return [], [Refused("valueQuantity.comparator",
                            "gives only a bound (such as '<'), not a value, so it was not used")]
    code, unit, system = q.get("code"), q.get("unit"), q.get("system")
    conversion = None
    # The UCUM code first, then the unit text.
    spellings = [code] if type(code) is str and (system == UCUM or system is None) else []
    if type(unit) is str:
        spellings.append(unit)
    table = book.units[str(concept.unit)]
    for spelling in spellings:
        if (conversion := table.get(norm_unit(spelling))) is not None:
            break
    if len(spellings) == 2 and conversion is not None \
            and (by_text := table.get(norm_unit(spellings[1]))) is not None and by_text != conversion:
        # unit 'Cel' with code '[degF]': either could be the mistake; reading one of them
        # would be a guess (issue 17). A unit text we do not know is display text only.
        return [], [Refused("valueQuantity.unit",
                            f"says '{spellings[1]}' but its code says '{spellings[0]}'; they "
                            "disagree, so it was not used", type="fhir_unit_disagreement")]
    if conversion is None:
        known = ", ".join(sorted(table))
        what = f"unit '{spellings[0]}' is not one ALL Navigator converts" if spellings else "has no unit"
        return [], [Refused("valueQuantity.unit", f"{what} (known: {known}), so it was not used")]
    factor, offset = conversion
    converted = round((value + offset) * factor, 6)
    ok, allowed = _in_range(concept.fact, concept, converted)
    if not ok:
        return [], [Refused("valueQuantity.value",
                            f"is outside the possible range ({allowed}), so it was not used",
                            type="fhir_out_of_range")]
    note = None
    if factor != 1 or offset:
        note = f"converted from {value:g} {spellings[0]}"
    if concept.fact is None:  # blasts: kept for consistency checks only
        return [Found(f"blasts:{concept.id}", converted, "valueQuantity", note)], []
    final: object = int(converted) if FIELDS[concept.fact].kind == "integer" else converted
    return [Found(concept.fact, final, "valueQuantity", note)], []


def read_score(book: CodeBook, concept: Concept, res: Mapping[str, Any]) -> Result:
    """A whole-number score (ECOG): valueInteger, a whole valueQuantity, or a coded answer."""
    fact = str(concept.fact)
    raw: object = None
    element = "valueInteger"
    if "valueInteger" in res:
        raw = res.get("valueInteger")
    elif (q := as_map(res.get("valueQuantity"))) is not None:
        raw, element = q.get("value"), "valueQuantity.value"
    else:
        for source in ("valueCodeableConcept", "interpretation"):
            items = as_list(res.get(source)) if source == "interpretation" else [res.get(source)]
            for item in items:
                for key in concept_keys(book, item):
                    if key in concept.values:
                        raw, element = concept.values[key][0][1], source
                        break
    if raw is None:
        return [], []
    value = number(raw)
    if value is None or not value.is_integer():
        return [], [Refused(element, "is not a whole-number score, so it was not used")]
    ok, allowed = _in_range(fact, concept, value)
    if not ok:
        return [], [Refused(element, f"is outside the range this tool uses ({allowed}), so it "
                                     "was not used", type="fhir_out_of_range")]
    return [Found(fact, int(value), element)], []


def read_coded(book: CodeBook, concept: Concept, res: Mapping[str, Any]) -> Result:
    """A coded value whose codes each imply facts (mCODE cancer disease status)."""
    found = []
    for key in concept_keys(book, res.get("valueCodeableConcept")):
        for fact, value in concept.values.get(key, ()):
            found.append(Found(fact, value, "valueCodeableConcept"))
    return found, []


def polarity(book: CodeBook, res: Mapping[str, Any]) -> tuple[bool | None, str | None]:
    """Positive (True) / negative (False) from the value, or its interpretation; ``None`` if
    neither or both are said. The second item names the element used."""
    votes: dict[bool, str] = {}
    value_cc = res.get("valueCodeableConcept")
    for key in concept_keys(book, value_cc):
        if key in book.answers:
            votes.setdefault(book.answers[key], "valueCodeableConcept")
    texts = [("valueCodeableConcept", concept_text(value_cc))] if not votes else []
    if isinstance(res.get("valueString"), str):
        texts.append(("valueString", norm_text(res["valueString"])))
    for element, text in texts:
        for flag in book.answer_text.find(text):
            votes.setdefault(flag, element)
    if isinstance(res.get("valueBoolean"), bool):
        votes.setdefault(res["valueBoolean"], "valueBoolean")
    if not votes:
        for item in as_list(res.get("interpretation")):
            for key in concept_keys(book, item):
                if key in book.answers:
                    votes.setdefault(book.answers[key], "interpretation")
    if len(votes) != 1:
        return None, None
    flag, element = next(iter(votes.items()))
    return flag, element


def read_presence(book: CodeBook, concept: Concept, res: Mapping[str, Any]) -> Result:
    """A positive / negative result; a transcript ratio counts as positive above zero."""
    q = as_map(res.get("valueQuantity"))
    if q is not None and concept.quantity_positive:
        value = number(q.get("value"))
        if value is None or value < 0:
            return [], [Refused("valueQuantity.value", "is not a usable number, so it was not used")]
        if value == 0:  # a molecular response under treatment, not a Ph-negative leukemia
            return [], []
        return [Found(f, v, "valueQuantity", "fusion transcript above zero")
                for f, v in concept.positive], []
    flag, element = polarity(book, res)
    if flag is None:
        if q is not None or any(k in res for k in ("valueString", "valueCodeableConcept")):
            return [], [Refused("value[x]", "does not say clearly positive or negative, so it "
                                            "was not used")]
        return [], []
    return [Found(f, v, str(element)) for f, v in (concept.positive if flag else concept.negative)], []


def parse_markers(text: str) -> tuple[dict[str, tuple[bool, str | None]], set[str]]:
    """CD19 / CD22 positive or negative from an immunophenotype narrative.

    Reads "positive for CD10, CD19 and CD20", "negative for CD22", "CD19+", "CD22 dim".
    Returns the facts found and the facts said both ways (left unknown).
    """
    low = text.lower().replace("−", "-").replace("–", "-")
    calls: dict[str, set[bool]] = {}
    notes: dict[str, str] = {}
    for m in _FOR.finditer(low):
        flag = m.group(1) in ("positive", "expressing", "pos")
        for num in re.findall(r"cd(\d+)", m.group(2)):
            if num in _MARKERS:
                calls.setdefault(_MARKERS[num], set()).add(flag)
    for m in _SIGN.finditer(low):
        word = m.group(2)
        flag = word not in ("-", "negative", "neg")
        calls.setdefault(_MARKERS[m.group(1)], set()).add(flag)
        if word in ("dim", "partial", "weak"):
            notes[_MARKERS[m.group(1)]] = f"reported as {word} expression"
    found = {f: (next(iter(v)), notes.get(f)) for f, v in calls.items() if len(v) == 1}
    return found, {f for f, v in calls.items() if len(v) > 1}


def read_immunophenotype(book: CodeBook, concept: Concept, res: Mapping[str, Any]) -> Result:
    """CD19 / CD22 from a narrative (valueString) or a coded result for one named marker."""
    text = res.get("valueString")
    if isinstance(text, str):
        found, both = parse_markers(text)
        refused = [Refused("valueString", f"says {f.upper()} both positive and negative, so it "
                                          "was not used") for f in sorted(both)]
        return [Found(f, "positive" if v else "negative", "valueString", n)
                for f, (v, n) in found.items()], refused
    named = {_MARKERS[n] for n in re.findall(r"\bcd(19|22)\b", concept_text(res.get("code")))}
    if len(named) != 1:
        return [], []
    flag, element = polarity(book, res)
    if flag is None:
        return [], []
    return [Found(named.pop(), "positive" if flag else "negative", str(element))], []


def mutations(text: str) -> list[str]:
    """Protein changes such as T315I from 'p.Thr315Ile', 'p.T315I' or 'T315I'."""
    out = [f"{_AA3[a]}{n}{_AA3.get(b, b)}" for a, n, b in _P3.findall(text)]
    out += [f"{a}{n}{b}" for a, n, b in _P1.findall(text)]
    return list(dict.fromkeys(out))


def read_variant(book: CodeBook, concept: Concept, res: Mapping[str, Any]) -> Result:
    """ABL1 mutations, BCR::ABL1 fusion and KMT2A rearrangement from a genomic observation."""
    genes: set[str] = set()
    changes: list[str] = []
    for comp in as_list(res.get("component")):
        c = as_map(comp) or {}
        keys = set(concept_keys(book, c.get("code")))
        if keys & book.gene_component:
            genes.update(book.genes[k] for k in concept_keys(book, c.get("valueCodeableConcept"))
                         if k in book.genes)
        elif keys & book.protein_component:
            vcc = as_map(c.get("valueCodeableConcept")) or {}
            words = [s for s in (vcc.get("text"), c.get("valueString")) if isinstance(s, str)]
            words += [x for _, code, d in codings(vcc) for x in (code, d) if x]
            changes += mutations(" ".join(words))
    text = concept_text(res.get("code"))
    raw_text = res.get("valueString")
    narrative = raw_text if isinstance(raw_text, str) else ""
    if not genes and "abl1" in text.split():
        genes.add("ABL1")
        changes += mutations(narrative)
    flag, element = polarity(book, res)
    found: list[Found] = []
    if genes == {"ABL1"} or (genes == {"ABL1", "BCR"} and changes):
        if changes and flag is not False:
            found += [Found("abl1_mutations", m, "component") for m in changes]
        elif flag is False:
            found.append(Found("abl1_mutations", None, str(element), "tested, none found"))
        elif narrative or res.get("valueCodeableConcept") is not None:
            return [], [Refused("value[x]", "no ABL1 protein change could be read, so it was "
                                            "not used")]
    elif {"ABL1", "BCR"} <= genes and flag is not None:
        found.append(Found("ph_status", "positive" if flag else "negative", str(element)))
    elif "KMT2A" in genes and len(genes) > 1 and flag is not None:
        # Two genes studied = a fusion; a KMT2A point mutation is not a rearrangement.
        found.append(Found("kmt2a", "rearranged" if flag else "not-rearranged", str(element)))
    return found, []


READERS = {
    "quantity": read_quantity, "score": read_score, "coded": read_coded,
    "presence": read_presence, "immunophenotype": read_immunophenotype, "variant": read_variant,
}

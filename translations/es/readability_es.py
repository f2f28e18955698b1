"""Spanish reading level, offline and pure Python (issue 15 item 3).

Two formulas used for Spanish health texts:

* Fernández-Huerta (1959): ``206.84 - 0.60 * P - 1.02 * F``, P = syllables per 100 words,
  F = sentences per 100 words.
* INFLESZ (Szigriszt-Pazos perspicuity, Barrio-Cantalejo 2008 scale):
  ``206.835 - 62.3 * syllables / words - words / sentences``.

Both read higher = easier. On the INFLESZ scale 55-65 is "normal" (about grades 6-8 in
US terms, the level of a general newspaper) and above 65 is "quite easy"; Fernández-Huerta
60-70 is "normal", 70-80 "quite easy".

The syllable counter splits a word into vowel groups: a group of adjacent vowels is one
nucleus, except that two strong vowels (a, e, o, also with accents á é ó) are in hiatus, and an
accented weak vowel (í, ú) next to any vowel breaks the group (hiatus). ``y`` at the end of a
word after a vowel ("hoy", "muy") is a vowel of the diphthong; elsewhere it is a consonant.
``u`` in "que", "qui", "gue", "gui" is silent; ``ü`` is a weak vowel.

>>> syllables("leucemia")    # leu-ce-mia: "eu" and "ia" are diphthongs (RAE)
3
>>> syllables("leucemia", final_hiatus=True)   # leu-ce-mi-a, the slower reading
4
>>> syllables("transfusión")  # trans-fu-sión
3
>>> syllables("neutropenia")  # neu-tro-pe-nia
4
>>> syllables("emergencia")   # e-mer-gen-cia
4
>>> syllables("día")          # dí-a: accented í breaks the diphthong
2
>>> syllables("país")         # pa-ís
2
>>> syllables("hoy")
1
>>> syllables("que")
1
>>> syllables("aeropuerto")   # a-e-ro-puer-to: a-e strong+strong is a hiatus
5
>>> syllables("38,3")
0
>>> sentences("Llame al 911. Su temperatura es de 38,3 °C o más.")
2
>>> # 7 words, 11 syllables, 2 sentences: 206.835 - 62.3 * 11 / 7 - 7 / 2 = 105.4
>>> round(inflesz("La casa es roja. El perro come."), 1)
105.4
>>> # 206.84 - 0.60 * (100 * 11 / 7) - 1.02 * (100 * 2 / 7) = 83.4
>>> round(fernandez_huerta("La casa es roja. El perro come."), 1)
83.4

Note on "leucemia": the rules above (the RAE's) give leu-ce-mia, 3
syllables; the count of 4 (leu-ce-mi-a) often given is the slow, spelled-out reading, which the
RAE accepts as a possible hiatus in careful speech. ``final_hiatus=True`` counts a final
unaccented weak+strong pair after a consonant ("-ia", "-io", "-ua", "-uo", "-ie") as two
syllables, which gives 4; it only ever adds syllables, so it lowers the score (more cautious).
The scores in README.md are given both ways.
"""

from __future__ import annotations

import re

STRONG = set("aeoáéó")
WEAK = set("iuü")
ACCENTED_WEAK = set("íú")
VOWELS = STRONG | WEAK | ACCENTED_WEAK

_WORD = re.compile(r"[a-záéíóúüñ]+", re.IGNORECASE)
# A sentence ends at . ! ? ; or : followed by a space or the end (not "38.3" or "38,3").
_SENTENCE_END = re.compile(r"[.!?;:]+(?=\s|$)")
# Word-final weak+strong vowel pairs counted as two syllables (see the module docstring).
_FINAL_HIATUS = ("ia", "io", "ua", "uo", "ie")


def _clean(word: str) -> str:
    w = word.lower()
    w = re.sub(r"(?<=[qg])u(?=[eéií])", "", w)  # silent u: que, qui, gue, gui
    if w.endswith("y") and len(w) > 1 and w[-2] in VOWELS:
        w = w[:-1] + "i"  # hoy, muy, rey: final y is a vowel
    return w


def syllables(word: str, final_hiatus: bool = False) -> int:
    """Number of syllables of one Spanish word (0 for a token with no letters)."""
    w = _clean(word)
    if not _WORD.fullmatch(w):
        return 0
    count = 0
    prev: str | None = None
    for ch in w:
        if ch in VOWELS:
            if prev is None:
                count += 1
            elif (prev in STRONG and ch in STRONG) or ch in ACCENTED_WEAK or prev in ACCENTED_WEAK:
                count += 1  # hiatus
            prev = ch
        else:
            prev = None
    # A final "-ia"/"-io"/... after a consonant: counted as two syllables (mi-a).
    if final_hiatus and len(w) >= 3 and w[-2:] in _FINAL_HIATUS and w[-3] not in VOWELS:
        count += 1
    return max(count, 1)


def words(text: str) -> list[str]:
    """The words of a text: letter runs (numbers and symbols are not words here)."""
    return _WORD.findall(text)


def sentences(text: str) -> int:
    """Number of sentences: at least 1 for a non-empty text."""
    n = len(_SENTENCE_END.findall(text.strip()))
    if text.strip() and not _SENTENCE_END.search(text.strip()[-1:] + " "):
        n += 1  # a last sentence without a full stop
    return max(n, 1) if text.strip() else 0


def _counts(text: str, final_hiatus: bool) -> tuple[int, int, int]:
    ws = words(text)
    if not ws:
        raise ValueError("no words to measure")
    return len(ws), sum(syllables(w, final_hiatus) for w in ws), sentences(text)


def fernandez_huerta(text: str, final_hiatus: bool = False) -> float:
    """Fernández-Huerta reading ease (higher = easier)."""
    n_words, n_syll, n_sent = _counts(text, final_hiatus)
    p = 100 * n_syll / n_words
    f = 100 * n_sent / n_words
    return 206.84 - 0.60 * p - 1.02 * f


def inflesz(text: str, final_hiatus: bool = False) -> float:
    """INFLESZ / Szigriszt-Pazos perspicuity (higher = easier)."""
    n_words, n_syll, n_sent = _counts(text, final_hiatus)
    return 206.835 - 62.3 * n_syll / n_words - n_words / n_sent


def inflesz_band(score: float) -> str:
    """The INFLESZ scale's words for a score (Barrio-Cantalejo 2008)."""
    if score < 40:
        return "muy difícil"
    if score < 55:
        return "algo difícil"
    if score < 65:
        return "normal"
    if score < 80:
        return "bastante fácil"
    return "muy fácil"


if __name__ == "__main__":  # measure the Spanish emergency texts of this folder
    import pathlib
    import sys

    import yaml

    here = pathlib.Path(__file__).parent
    for name in sys.argv[1:] or ["knowledge-care.yaml", "knowledge-pathway.yaml"]:
        entries = yaml.safe_load((here / name).read_text(encoding="utf-8"))
        text = " ".join(e["es"] for e in entries if len(words(e["es"])) > 3)
        for fh in (False, True):
            score = inflesz(text, fh)
            print(f"{name} (final_hiatus={fh}): {len(entries)} entries, "
                  f"{len(words(text))} words, INFLESZ {score:.1f} ({inflesz_band(score)}), "
                  f"Fernández-Huerta {fernandez_huerta(text, fh):.1f}")

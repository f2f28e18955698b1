"""The offline reading-grade measure: syllables, Flesch-Kincaid, and what counts as page text."""

from __future__ import annotations

import pytest

from tests.support.readability import fk_grade, measure, page_text, sentence_count, syllables

# Dictionary syllable counts (Merriam-Webster) of words common on the pages.
KNOWN = {
    "cat": 1, "blood": 1, "cure": 1, "time": 1, "asked": 1, "comes": 1, "care": 1, "pill": 1,
    "treatment": 2, "people": 2, "simple": 2, "tested": 2, "donor": 2, "changes": 2, "question": 2,
    "special": 2, "remission": 3, "infection": 3, "hospital": 3, "family": 3, "medicine": 3,
    "quality": 3, "different": 3, "radiation": 4, "leukemia": 4, "chemotherapy": 5,
    "transplant": 2, "options": 2, "palliative": 4, "symptoms": 2, "about": 2,
}


@pytest.mark.parametrize(("word", "count"), sorted(KNOWN.items()))
def test_syllables_match_the_dictionary_on_common_words(word: str, count: int) -> None:
    assert syllables(word) == count


def test_syllables_are_close_on_a_longer_list() -> None:
    # The heuristic is allowed a few misses, never a large total error.
    words = {"every": 3, "likely": 2, "platelets": 2, "nausea": 3, "usual": 3, "radio": 3,
             "video": 3, "create": 2, "area": 3, "idea": 3, "science": 2, "being": 2}
    errors = sum(abs(syllables(w) - n) for w, n in words.items())
    assert errors <= 5


def test_flesch_kincaid_grade_by_hand() -> None:
    # 2 sentences, 11 words, 11 syllables: 0.39*5.5 + 11.8*1 - 15.59 = -1.645
    assert fk_grade("The cat sat on the mat. It was a good day.") == pytest.approx(-1.645)
    # 1 sentence, 4 words: "Chemotherapy" 5, "helps" 1, "many" 2, "people" 2 -> 10 syllables.
    assert fk_grade("Chemotherapy helps many people.") == pytest.approx(
        0.39 * 4 + 11.8 * 10 / 4 - 15.59)


def test_a_block_without_a_full_stop_is_one_sentence() -> None:
    assert sentence_count("Clinical trials") == 1
    assert sentence_count("One. Two! Three? 3.5 is a number.") == 4
    assert sentence_count("") == 0
    assert measure([]).grade == 0.0


def test_page_text_reads_main_only_and_skips_citations_svg_and_scripts() -> None:
    html = """<html><head><title>T</title><script>var x = 'skip';</script></head><body>
    <header><p>Header words</p></header>
    <main><h1>Your options</h1><p>First <em>sentence</em>. Second one.</p>
    <ul><li>Item one</li><li>Item two</li></ul>
    <svg><text>icon words</text></svg>
    <p data-readability="skip">Kantarjian H, et al. N Engl J Med.</p>
    <div hidden>hidden words</div><input type="text" value="x"><br>
    <p>Last.</p></main><footer><p>Footer words</p></footer></body></html>"""
    assert page_text(html) == ["Your options", "First sentence. Second one.", "Item one", "Item two",
                               "Last."]

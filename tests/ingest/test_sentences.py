"""Sentence boundaries: scholarly abbreviations and initials do not split; offsets are exact."""
from __future__ import annotations

import pytest

from ingest.sentences import sentence_spans


def _split(text: str, offset: int = 0) -> list[str]:
    return [text[s - offset:e - offset] for s, e in sentence_spans(text, offset)]


@pytest.mark.parametrize(
    "text",
    [
        "As shown by Wang et al. in their study, the model improves.",
        "Several modalities, e.g. CT and MRI, are covered.",
        "Results differ, i.e. The baseline is weaker.",
        "As shown in Fig. 3, accuracy rises.",
        "See Figs. 2 and 3 and Eq. 4 for details.",
        "The method of H. Liu and Y. J. Lee works well.",
        "Compared with CNNs vs. transformers, the gap is small.",
    ],
)
def test_abbreviations_and_initials_do_not_split(text):
    assert _split(text) == [text]


def test_citation_before_the_period_splits_after_it():
    text = "Prior work exists [12]. Next sentence follows."
    assert _split(text) == ["Prior work exists [12].", "Next sentence follows."]


def test_citation_after_the_period_stays_with_its_sentence():
    text = "Prior work exists. [12] Next sentence follows."
    assert _split(text)[0] in ("Prior work exists.", "Prior work exists. [12]")
    assert _split(text)[-1].endswith("Next sentence follows.")


def test_et_al_followed_by_a_citation_and_period_ends_the_sentence():
    text = "This was proposed by Wang et al. [7]. Then it was extended."
    assert _split(text) == ["This was proposed by Wang et al. [7].", "Then it was extended."]


def test_question_exclamation_quotes_and_brackets():
    text = 'Is it robust? It is! He said "it works." (It does.) Next one.'
    assert _split(text) == ["Is it robust?", "It is!", 'He said "it works."', "(It does.)", "Next one."]


def test_lowercase_after_a_period_does_not_start_a_sentence():
    text = "Values such as 0.5 vs. the baseline. and more text here."
    assert _split(text) == [text]


def test_line_breaks_after_a_finished_sentence_split():
    text = "1. Introduction\nThe first sentence.\nThe second sentence."
    assert _split(text) == ["1. Introduction", "The first sentence.", "The second sentence."]


def test_offsets_are_exact_and_shifted_by_offset():
    text = "  Leading space. Second one [3, 5].\n\nThird after a blank line.  "
    spans = sentence_spans(text, offset=100)
    assert [text[s - 100:e - 100] for s, e in spans] == [
        "Leading space.", "Second one [3, 5].", "Third after a blank line."
    ]
    assert spans[0] == (102, 116)
    for start, end in spans:
        piece = text[start - 100:end - 100]
        assert piece == piece.strip()


def test_min_chars_drops_tiny_fragments_and_empty_text_gives_nothing():
    assert sentence_spans("") == []
    assert sentence_spans("   \n  ") == []
    assert _split("A. B.") == ["A. B."]
    assert sentence_spans("Ok. Fine sentence here.", min_chars=4) == [(4, 23)]


def test_a_leading_section_number_is_not_a_sentence_but_a_closing_year_is():
    assert _split("3. Adaptation Strategies for VLMs\nBody text.") == ["3. Adaptation Strategies for VLMs", "Body text."]
    assert _split("2.1. Pretraining") == ["2.1. Pretraining"]
    assert _split("It was published in 2021. Then it spread.") == ["It was published in 2021.", "Then it spread."]


def test_a_long_run_is_cut_at_line_breaks_else_spaces_else_the_limit():
    from ingest.sentences import MAX_SENTENCE_CHARS

    lines = "".join(f"short line {i}\n" for i in range(1000))  # no sentence ends: one soft-broken run
    words = " ".join(["word"] * 1000)
    for text in (lines, words, "x" * 5000):
        spans = sentence_spans(text)
        assert all(0 < e - s <= MAX_SENTENCE_CHARS for s, e in spans) and len(spans) > 1
        gaps = [text[e:s] for (_, e), (s, _) in zip(spans, spans[1:])]
        assert spans[0][0] == 0 and spans[-1][1] == len(text.rstrip()) and not "".join(gaps).strip()
    assert all(lines[e] == "\n" for _, e in sentence_spans(lines)[:-1])
    assert all(words[e] == " " for _, e in sentence_spans(words)[:-1])
    assert [e - s for s, e in sentence_spans("x" * 5000)] == [2000, 2000, 1000]

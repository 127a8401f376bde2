"""Structure of plain-text surveys: title, headings and the section path of every chunk."""
from __future__ import annotations

import pytest

from ingest.structure import MINOR_LEVEL, find_title, heading, parse_text
from ingest.blocks import split_lines
from tests.ingest.conftest import chunk_with, kinds, parsed

LONG = "This paragraph is long enough to follow a short heading. " * 5


@pytest.mark.parametrize(
    "name, title",
    [
        ("elsevier_survey.txt", "Taming Test Models for Medical Image Analysis: A Compact Review"),
        ("ieee_survey.txt", "Foundation Test Models in Medical Image Analysis: A Systematic Review"),
        # skips "Preprint", "Review" and the one-sentence notice before the real title
        ("mdpi_preprint.txt", "Advances in Multimodal Test Models for Healthcare: A Short Review"),
    ],
)
def test_title_is_the_first_title_like_line(name, title):
    result = parsed(name)
    assert result.title == title
    assert all(c.doc_title == title for c in result.chunks)


def test_title_falls_back_to_the_file_name():
    lines = split_lines("short\n\nThis is a sentence and not a title.\n")
    assert find_title(lines, "notes.txt") == "notes.txt"


def test_numbered_headings_nest_and_pop_by_level():
    result = parsed("elsevier_survey.txt")
    assert chunk_with(result, "Medical image analysis supports").section == ["1. Introduction"]
    assert chunk_with(result, "This section describes").section == ["2. Methods"]
    assert chunk_with(result, "Pretraining aligns images").section == ["2. Methods", "2.1. Pretraining"]
    assert chunk_with(result, "Fine-tuning adapts").section == ["2. Methods", "2.2. Fine-tuning"]
    assert chunk_with(result, "promising for clinical practice").section == ["3. Conclusion"]
    assert chunk_with(result, "Modern vision-language models").section == ["Abstract"]


def test_all_caps_headings_and_numbers_without_trailing_dot():
    result = parsed("ieee_survey.txt")
    assert chunk_with(result, "Foundation models have changed").section == ["ABSTRACT"]
    assert chunk_with(result, "cornerstone of modern healthcare").section == ["1. INTRODUCTION"]
    assert chunk_with(result, "split an image into patches").section == [
        "2. FOUNDATIONS AND TERMINOLOGY",
        "2.1 Vision Transformers",
    ]


def test_front_matter_before_the_first_heading_has_an_empty_section_path():
    result = parsed("ieee_survey.txt")
    front = result.chunks[0]
    assert front.section == [] and front.start == 0
    assert "*Email: jane.doe@example.edu" in front.text


def test_heading_line_starts_the_first_chunk_of_its_section_only():
    result = parsed("elsevier_survey.txt", chunk_chars=200)
    text = result.document.text
    section = [c for c in result.chunks if c.kind == "text" and c.section == ["2. Methods", "2.1. Pretraining"]]
    assert len(section) > 2
    first, rest = section[0], section[1:]
    assert first.text.startswith("2.1. Pretraining\n\nPretraining aligns images")
    assert text[first.start:].startswith("2.1. Pretraining\n")
    assert text.splitlines()[first.line_start - 1] == "2.1. Pretraining"
    assert not any(c.text.startswith("2.1. Pretraining") for c in rest)
    intro = next(c for c in result.chunks if c.section == ["1. Introduction"])
    assert intro.text.startswith("1. Introduction\n\n")


def test_dates_and_email_lines_are_not_headings():
    result = parsed("mdpi_preprint.txt")
    paths = {tuple(c.section) for c in result.chunks}
    assert not any("June" in part or "@" in part for path in paths for part in path)
    front = chunk_with(result, "12 June 2026")
    assert front.section == [] and "16 June 2026" in front.text
    assert chunk_with(result, "central element of medical artificial").section == ["Abstract"]
    # the two rules are what keeps these lines out (they would otherwise match a heading shape)
    assert heading("12 June 2026", LONG, True) is None
    assert heading("12 Methods 2026", LONG, True) is not None
    assert heading("Jane Doe jane.doe@example.edu", LONG, True) is None
    assert heading("Jane Doe Example University", LONG, True) is not None


@pytest.mark.parametrize(
    "line, expected",
    [
        ("1. Introduction", (1, "1. Introduction")),
        ("2.1. Methods", (2, "2.1. Methods")),
        ("4.1.5 Domain Specific SAM", (3, "4.1.5 Domain Specific SAM")),
        ("ABSTRACT", (1, "ABSTRACT")),
        ("5. VISION-LANGUAGE FOUNDATION MODELS", (1, "5. VISION-LANGUAGE FOUNDATION MODELS")),
        ("References", (1, "References")),
        ("Conclusions:", None),  # ends with a colon: a label, not a heading
        ("Table 1: Summary of existing models", None),
        ("Figure 2. Overview of the pipeline", None),
        ("Models\tDate\tTasks", None),
        ("See https://example.org for details", None),
        ("This is an ordinary sentence that ends with a period.", None),
        # numbered or capitalised lines of PDF text that are not titles: a list item or wrapped sentence
        # with a sentence ending inside it, a line that stops mid-sentence, code and struct listings
        ("0. With this instruction another element is appended. The name of", None),
        ("1. Patients were recruited from three hospitals in", None),
        ("4 CARD32 FIRST_CHILD_OFFSET", None),
        ("y CHOICE {", None),
        (">0=__NOMAGIC__", None),
        ("2.3 Results of the U.S. Cohort", (2, "2.3 Results of the U.S. Cohort")),  # initials are no sentence end
        ("3. Comparison with GPT-4 and Med-PaLM", (1, "3. Comparison with GPT-4 and Med-PaLM")),
    ],
)
def test_heading_shapes(line, expected):
    assert heading(line, "Short next line.", True) == expected


def test_short_title_case_line_before_a_long_paragraph_is_a_minor_heading():
    assert heading("Predictive Learning", LONG, True) == (MINOR_LEVEL, "Predictive Learning")
    assert heading("Predictive Learning", LONG, False) is None  # needs a blank line before it
    assert heading("Predictive Learning", "Too short to follow a heading.", True) is None
    doc = parse_text(f"Some Title Of A Survey\n\n3. Methods\n\nPredictive Learning\n\n{LONG}\n", "x.txt")
    body = next(b for b in doc.blocks if b.kind == "text" and b.section[-1:] == ["Predictive Learning"])
    assert body.section == ["3. Methods", "Predictive Learning"]


def test_caption_lines_stay_searchable_as_text_in_the_current_section():
    result = parsed("elsevier_survey.txt")
    caption = chunk_with(result, "Table 1: Summary of existing VLMs", kind="text")
    assert caption.section == ["2. Methods", "2.1. Pretraining"]
    assert caption.text.rstrip().endswith("(M: million).")


def test_every_chunk_span_lies_within_the_document():
    for name in ("elsevier_survey.txt", "ieee_survey.txt", "mdpi_preprint.txt"):
        result = parsed(name)
        size = len(result.document.text)
        for chunk in result.chunks:
            assert 0 <= chunk.start < chunk.end <= size
            assert 1 <= chunk.line_start <= chunk.line_end
        assert kinds(result, "text")

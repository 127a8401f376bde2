"""Publisher boilerplate after the article is dropped; the article's last content is kept."""
from __future__ import annotations

import pytest

from ingest.blocks import split_lines
from ingest.boilerplate import article_end, is_boilerplate
from tests.ingest.conftest import kinds, parsed

FURNITURE = ("Disclaimer/Publisher’s Note", "Copyright: This open access", "Preprints.org logo", "Subscribe",
             "Terms of Use", "Privacy Policy", "Privacy Settings", "© 2026 Example Publisher")


def test_trailing_publisher_block_is_in_no_chunk():
    result = parsed("mdpi_preprint.txt")
    for chunk in result.chunks:
        for marker in FURNITURE:
            assert marker not in chunk.text
    cut = result.document.text.index("Disclaimer/Publisher’s Note")
    assert all(c.end <= cut for c in result.chunks)


def test_last_real_content_before_the_block_is_kept():
    result = parsed("mdpi_preprint.txt")
    rows = kinds(result, "table-row")
    assert rows[-1].text.endswith("Row: FedDerm [10] Skin 2024.01 - privacy-preserving 2M")
    refs = kinds(result, "reference")
    assert refs[-1].fields["number"] == "7"


@pytest.mark.parametrize(
    "line",
    ["Disclaimer/Publisher’s Note: The statements are solely those of the authors.",
     "Copyright: This open access article is published under a Creative Commons license.",
     "© 2026 MDPI (Basel, Switzerland) unless otherwise stated", "Privacy Policy", "Subscribe",
     "Site logo", "Share this article", "All rights reserved.", "Published by Example Press. All rights reserved."],
)
def test_furniture_lines(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    ["FedDerm [10] Skin 2024.01 - privacy-preserving 2M",
     "Federated learning keeps patient data private and supports privacy by design",
     "We thank the reviewers.", "Models trained on public data"],
)
def test_content_that_merely_mentions_a_marker_is_not_furniture(line):
    assert not is_boilerplate(line)


def _lines(*texts: str):
    return split_lines("\n".join(texts) + "\n")


def test_article_end_is_the_start_of_the_trailing_block():
    body = ["A long paragraph of real article content that easily exceeds one hundred characters in length, "
            "so it counts as content."] * 6
    lines = _lines(*body, "Short table row 1 2 3", "Copyright: 2026 the authors.", "", "Privacy Policy", "Subscribe")
    assert article_end(lines) == 7


def test_no_trailing_block_means_the_whole_document():
    lines = _lines("Title line", "Body text that mentions cookies in passing, which is fine here.", "Last line.")
    assert article_end(lines) == 3


def test_boilerplate_words_early_in_the_document_are_kept():
    body = ["Copyright: the first page carries a notice that is not trailing boilerplate at all."] + [
        "A long paragraph of real article content that easily exceeds one hundred characters in length, "
        "so it counts as content."] * 6
    lines = _lines(*body)
    assert article_end(lines) == len(lines)


def test_a_late_section_on_privacy_and_the_references_after_it_are_content():
    body = ["A long paragraph of real article content that easily exceeds one hundred characters in length, "
            "so it counts as content."] * 6
    lines = _lines(*body, "4.2. Patient Privacy", "", "Scans stay in the hospital.", "", "References", "",
                   "[1] A. Author, A short paper, Venue 1 (2020) 1-2.", "", "Privacy Policy")
    assert not is_boilerplate("4.2. Patient Privacy") and is_boilerplate("2026 Example Press. All rights reserved.")
    assert article_end(lines) == len(lines) - 1  # only the trailing "Privacy Policy" goes

"""Reference lists in three styles, reference chunks, and in-text ``[n]`` markers resolved to entries."""
from __future__ import annotations

import pytest

from ingest.records import Reference
from ingest.references import cited_numbers, entry_start, parse_reference, resolve
from ingest.structure import parse_text
from tests.ingest.conftest import chunk_with, kinds, parsed

MDPI = ("  6. Liu, H.; Li, C.; Wu, Q.; Lee, Y.J. Visual instruction tuning. Adv. Neural Inf. Process. Syst. 2023, "
        "36, 34892–34916. [Google Scholar] [CrossRef]")
ELSEVIER = ("- [1] J. S. Duncan, N. Ayache, Medical image analysis: Progress over two decades and the challenges "
            "ahead, *IEEE transactions on pattern analysis and machine intelligence* 22 (1) (2000) 85–106.")
IEEE = ('- [2] S. Wang *et al.*, "Unifying Biomedical Vision-Language Expertise," *arXiv* preprint '
        "arXiv:2506.22567, 2025.")


def _parse(line: str) -> Reference:
    number, rest = entry_start(line)
    return parse_reference(number, rest)


def test_mdpi_entry():
    ref = _parse(MDPI)
    assert ref.number == 6
    assert ref.authors == "Liu, H.; Li, C.; Wu, Q.; Lee, Y.J."
    assert ref.title == "Visual instruction tuning"
    assert ref.venue.startswith("Adv. Neural Inf. Process. Syst")
    assert ref.year == "2023"
    assert "Google Scholar" not in ref.raw and "CrossRef" not in ref.raw


def test_elsevier_entry():
    ref = _parse(ELSEVIER)
    assert ref.number == 1
    assert ref.authors == "J. S. Duncan, N. Ayache"
    assert ref.title == "Medical image analysis: Progress over two decades and the challenges ahead"
    assert ref.venue == "IEEE transactions on pattern analysis and machine intelligence"
    assert ref.year == "2000"
    assert "*" not in ref.raw


def test_ieee_entry():
    ref = _parse(IEEE)
    assert ref.number == 2
    assert ref.authors == "S. Wang et al."
    assert ref.title == "Unifying Biomedical Vision-Language Expertise"
    assert ref.venue == "arXiv"
    assert ref.year == "2025"


def test_elsevier_proceedings_title_does_not_keep_the_in_colon():
    ref = _parse("- [8] J. Li, D. Li, C. Xiong, S. Hoi, Blip: Bootstrapping language-image pre-training, in: "
                 "*International conference on machine learning*, PMLR, 2022, pp. 12888–12900.")
    assert ref.title == "Blip: Bootstrapping language-image pre-training"
    assert ref.venue == "International conference on machine learning"
    assert ref.year == "2022"


@pytest.mark.parametrize(
    "line, year",
    [
        ("  3. Kaplan, J.; Henighan, T. Scaling laws for neural language models. arXiv 2020, arXiv:2001.08361. "
         "[Google Scholar]", "2020"),
        ('- [4] M. Khalifa, "AI in imaging," *Update*, vol. 5, 2024, doi: 10.1016/j.cmpbup.2019.100146.', "2024"),
        ("- [9] A. Author, Some title, *arXiv preprint arXiv:1910.10699* (2019).", "2019"),
    ],
)
def test_year_is_not_read_from_arxiv_ids_or_dois(line, year):
    assert _parse(line).year == year


def test_mdpi_venue_may_contain_a_year_that_is_not_the_publication_year():
    ref = _parse("  4. He, K.; Chen, X. Masked Autoencoders Are Scalable Vision Learners. In Proceedings of the 2022 "
                 "IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR), 2022; pp. 15979–15988.")
    assert ref.venue == "In Proceedings of the 2022 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)"
    assert ref.year == "2022"


def test_short_form_is_one_line_with_number_authors_title_venue_year():
    assert _parse(ELSEVIER).short() == (
        "[1] J. S. Duncan, N. Ayache. Medical image analysis: Progress over two decades and the challenges ahead. "
        "IEEE transactions on pattern analysis and machine intelligence, 2000."
    )
    assert Reference(number=3, raw="Unparsed entry text 2019.").short() == "[3] Unparsed entry text 2019."


@pytest.mark.parametrize(
    "line, expected",
    [
        ("  6. Liu, H. Title.", (6, "Liu, H. Title.")),
        ("- [12] A. B. Title.", (12, "A. B. Title.")),
        ("[3] Plain bracket.", (3, "Plain bracket.")),
        ("Liu, H. Title without a number.", None),
        ("- M. Worring, a continuation line", None),
    ],
)
def test_entry_start(line, expected):
    assert entry_start(line) == expected


@pytest.mark.parametrize(
    "name, count, heading",
    [("mdpi_preprint.txt", 7, "References"), ("elsevier_survey.txt", 12, "References"),
     ("ieee_survey.txt", 4, "REFERENCES")],
)
def test_reference_chunks_are_their_own_kind_in_section_references(name, count, heading):
    result = parsed(name)
    refs = kinds(result, "reference")
    assert [int(c.fields["number"]) for c in refs] == list(range(1, count + 1))
    assert all(c.section == ["References"] and c.refs == {} for c in refs)
    for chunk in refs:
        assert chunk.text.startswith(f"[{chunk.fields['number']}] ")
        assert {"authors", "title", "year"} <= set(chunk.fields)
    ref_start = result.document.text.index(f"\n{heading}\n")
    for chunk in kinds(result, "text"):
        assert chunk.section != ["References"]
        assert chunk.end <= ref_start or "[1]" not in chunk.text  # no entry inside a text chunk
    assert not any("J. S. Duncan, N. Ayache" in c.text or "Liu, H.; Li, C." in c.text
                   for c in kinds(result, "text"))


def test_entry_continued_after_a_page_break_blank_line_stays_one_reference():
    result = parsed("elsevier_survey.txt")
    six = chunk_with(result, "[6] ", kind="reference")
    assert six.fields["title"] == "Multi-modal recursive prompt learning with mixup embedding for generalization recognition"
    assert six.fields["venue"] == "Knowledge-Based Systems" and six.fields["year"] == "2024"
    seven = chunk_with(result, "[7] ", kind="reference")
    assert seven.fields["authors"] == "T. Van Sonsbeek, M. M. Derakhshani, I. Najdenkoska, C. G. Snoek, M. Worring"
    assert seven.fields["title"] == "Open-ended medical visual question answering through prefix tuning of language models"
    text = result.document.text
    assert text[seven.start:seven.end].endswith("pp. 726–736.")  # span covers the continuation line
    assert not any("M. Worring" in c.text for c in kinds(result, "text"))


def test_finished_entry_does_not_absorb_a_paragraph_after_a_blank_line():
    doc = parse_text(
        "A Title For A Small Test Survey\n\nReferences\n\n[1] A. Author, A title, *Venue* 1 (2020) 1–2.\n\n"
        "This closing paragraph is not part of any reference entry.\n",
        "x.txt",
    )
    assert doc.references[1].raw == "A. Author, A title, Venue 1 (2020) 1–2."


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("see [12]", [12]),
        ("see [3, 5]", [3, 5]),
        ("see [7-9]", [7, 8, 9]),
        ("see [7–9]", [7, 8, 9]),
        ("see [2, 4-6] and [2]", [2, 4, 5, 6]),
        ("reversed [9-7] and huge [1-400]", [9, 1]),
        ("no markers (2020) or [a]", []),
    ],
)
def test_cited_numbers(text, numbers):
    assert cited_numbers(text) == numbers


def test_markers_in_text_chunks_resolve_to_one_line_entries():
    result = parsed("elsevier_survey.txt")
    intro = chunk_with(result, "Early work is reviewed in [12]")
    assert set(intro.refs) == {"1", "2", "4", "12", "3", "5", "7", "8", "9"}
    assert intro.refs["12"] == parse_text(result.document.text, "x").references[12].short()
    assert intro.refs["12"].startswith("[12] Z. Wang, Z. Wu, D. Agarwal, J. Sun. Medclip")
    assert all(k.isdigit() and v.startswith(f"[{k}] ") and "\n" not in v for k, v in intro.refs.items())


def test_markers_without_an_entry_are_ignored():
    intro = chunk_with(parsed("elsevier_survey.txt"), "Early work is reviewed in [12]")
    assert "[99]" in intro.text and "99" not in intro.refs
    assert resolve("cites [99] and [1]", {1: Reference(1, "x")}) == {"1": "[1] x."}


def test_mdpi_and_ieee_markers_resolve_too():
    mdpi = chunk_with(parsed("mdpi_preprint.txt"), "scaling laws [3]")
    assert mdpi.refs["6"].startswith("[6] Liu, H.; Li, C.; Wu, Q.; Lee, Y.J. Visual instruction tuning.")
    ieee = chunk_with(parsed("ieee_survey.txt"), "split an image into patches")
    assert set(ieee.refs) == {"2", "4"}
    assert ieee.refs["4"].startswith("[4] A. Dosovitskiy et al. An image is worth 16x16 words")


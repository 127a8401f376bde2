"""Tests for ingest.pdf.load_pdf on reportlab-generated fixtures."""
from __future__ import annotations

import re
from functools import partial

import pypdf
import pytest

from ingest.errors import UnreadableFile
from ingest.pdf import dehyphenate, is_page_number, load_pdf, normalise_unicode, remove_running_lines, tidy_whitespace
from tests.data import make_pdfs


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    path = make_pdfs.single_column(tmp_path_factory.mktemp("pdf") / "single.pdf")
    return load_pdf(path)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def test_page_spans_are_contiguous_1_based_and_slice_each_page(single):
    text, spans = single
    assert [s.page for s in spans] == [1, 2, 3]
    assert spans[0].start == 0 and spans[-1].end == len(text)
    for prev, nxt in zip(spans, spans[1:]):
        assert nxt.start == prev.end + 2 and text[prev.end : nxt.start] == "\n\n"
    pages = [text[s.start : s.end] for s in spans]
    assert pages[0].startswith("A Survey of Testing Methods\n1. Introduction")
    assert pages[0].endswith("19 and testing demand followed.")
    assert pages[1].startswith("2. Background") and pages[1].endswith("over five seeds.")
    assert pages[2].startswith("3. Conclusion") and pages[2].endswith("Other Venue, 2021.")


def test_ligatures_are_expanded(single):
    text, _ = single
    for word in ("efficient", "field", "flexible", "five"):
        assert word in text
    assert not re.search("[\ufb00-\ufb06]", text)


def test_word_split_across_lines_is_joined_only_before_lowercase(single):
    text, _ = single
    assert "Recent work applies the transformer architecture to many problems in this area.\n" in text
    assert "transfor-" not in text
    assert "such as SAM-\nMed2D adapt" in text
    assert "during COVID-\n19 and" in text


def test_running_header_and_page_numbers_removed_body_kept(single):
    text, _ = single
    assert "Journal of Testing" not in text
    assert not [line for line in _lines(text) if line.strip().isdigit()]
    assert "Testing is an efficient way to study a field of research and its methods." in text
    for heading in ("1. Introduction", "2.1 Methods", "3. Conclusion", "References"):
        assert heading in _lines(text)


def test_references_survive(single):
    lines = _lines(single[0])
    refs = lines[lines.index("References") + 1 :]
    assert refs == ["[1] A. Author, B. Author, Title one, Venue, 2020.", "[2] C. Author, Title two, Other Venue, 2021."]


def test_two_columns_read_left_before_right_per_page(tmp_path):
    text, spans = load_pdf(make_pdfs.two_column(tmp_path / "two.pdf"))
    assert [s.page for s in spans] == [1, 2]
    for span in spans:
        page = text[span.start : span.end]
        left = [page.index(s) for s in make_pdfs.two_column_sentences(span.page, "left")]
        right = [page.index(s) for s in make_pdfs.two_column_sentences(span.page, "right")]
        assert left == sorted(left) and right == sorted(right)
        assert max(left) < min(right)


def test_page_whose_extraction_fails_keeps_an_empty_span(tmp_path, monkeypatch):
    original = pypdf.PageObject.extract_text

    def flaky(page, *args, **kwargs):
        if page.page_number == 1:
            raise ValueError("broken content stream")
        return original(page, *args, **kwargs)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", flaky)
    text, spans = load_pdf(make_pdfs.single_column(tmp_path / "single.pdf"))
    assert [s.page for s in spans] == [1, 2, 3]
    assert spans[1].start == spans[1].end
    assert "1. Introduction" in text[spans[0].start : spans[0].end]
    assert "3. Conclusion" in text[spans[2].start : spans[2].end]
    assert "2. Background" not in text


def test_encrypted_with_empty_user_password_is_read(tmp_path):
    text, _ = load_pdf(make_pdfs.encrypted(tmp_path / "open.pdf", user_password=""))
    assert text == "This text is encrypted."


@pytest.mark.parametrize(
    "make, words",
    [
        (make_pdfs.encrypted, ["encrypted", "password"]),
        (make_pdfs.image_only, ["no extractable text", "OCR"]),
        (make_pdfs.corrupt, ["corrupt"]),
        (make_pdfs.not_a_pdf, ["not a PDF"]),
        (partial(make_pdfs.not_a_pdf, kind="text"), ["not a PDF"]),
        (make_pdfs.empty, ["empty file"]),
    ],
    ids=["encrypted", "image-only", "truncated", "png", "text", "empty"],
)
def test_bad_files_raise_unreadable_with_reason(tmp_path, make, words):
    path = make(tmp_path / "bad.pdf")
    with pytest.raises(UnreadableFile) as info:
        load_pdf(path)
    assert info.value.path == str(path)
    for word in words:
        assert word in info.value.reason


def test_missing_file_raises_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="cannot read"):
        load_pdf(tmp_path / "missing.pdf")


@pytest.mark.parametrize("line", ["3", " 12 ", "Page 3", "page 3 of 12", "3 / 12", "- 3 -", "– 14 –"])
def test_page_number_lines_recognised(line):
    assert is_page_number(line)


@pytest.mark.parametrize("line", ["3. Conclusion", "[3]", "2020 results", "Table 3", ""])
def test_other_lines_are_not_page_numbers(line):
    assert not is_page_number(line)


def test_running_lines_need_enough_pages():
    body = "Body {} text.\nMore body {}.\nShared middle line.\nEnd {}."
    pages = [f"Header X\n{body.format(*'abc'[i] * 3)}\nFooter" for i in range(3)]
    cleaned = remove_running_lines(pages)
    assert all("Header X" not in p and "Footer" not in p and "Shared middle line." in p for p in cleaned)
    four = [f"Only here\n{body.format(*'abcd'[i] * 3)}" if i < 2 else body.format(*"abcd"[i] * 3) for i in range(4)]
    assert all("Only here" in p for p in remove_running_lines(four)[:2])  # 2 of 4 pages < 3 needed
    assert remove_running_lines(["Title\nBody.\nTitle"]) == ["Title\nBody.\nTitle"]  # one page: nothing repeats


def test_running_lines_two_pages_and_mixed_page_numbers():
    pages = ["Survey 2024\nFirst page body.\n- 1 -", "Survey 2024\nSecond page body.\nPage 2 of 2"]
    assert remove_running_lines(pages) == ["First page body.", "Second page body."]


def test_cleaning_helpers():
    assert normalise_unicode("trans\u00adformer ﬁeld ﬂow") == "transformer field flow"
    assert dehyphenate("a transfor-  \nmer block\nnext") == "a transformer block\nnext"
    assert dehyphenate("SAM-\nMed2D") == "SAM-\nMed2D"
    assert tidy_whitespace("\n a  \n\n\n\nb \n") == "a\n\nb"

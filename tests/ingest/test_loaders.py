"""Loaders: .txt/.md are read as UTF-8 with exact offsets; anything else fails with a clear reason."""
from __future__ import annotations

import pytest

from ingest.errors import UnreadableFile
from ingest.loaders import load_document
from ingest.pipeline import parse_file
from tests.ingest.conftest import MINI


def _text_chunks_match_slices(path):
    result = parse_file(path)
    text_chunks = [c for c in result.chunks if c.kind == "text" and not c.text.startswith("Section '")]
    assert text_chunks
    for chunk in text_chunks:
        assert result.document.text[chunk.start:chunk.end] == chunk.text
    return result


@pytest.mark.parametrize("name", ["elsevier_survey.txt", "ieee_survey.txt", "mdpi_preprint.txt", "paper_list.md"])
def test_text_and_markdown_load_as_utf8_with_chunk_offsets_into_the_text(name):
    path = MINI / name
    doc = load_document(path)
    assert doc.doc == name and doc.path == str(path)
    assert doc.text == path.read_text(encoding="utf-8")
    assert doc.pages == [] and doc.page_at(0) is None
    assert len(doc.checksum) == 64
    _text_chunks_match_slices(path)


def test_non_ascii_text_survives_decoding():
    doc = load_document(MINI / "mdpi_preprint.txt")
    assert "Dollár" in doc.text and "Publisher’s Note" in doc.text and "–" in doc.text


def test_crlf_file_keeps_offsets_and_lines_right(tmp_path):
    source = (MINI / "elsevier_survey.txt").read_text(encoding="utf-8")
    path = tmp_path / "crlf.txt"
    path.write_bytes(source.replace("\n", "\r\n").encode("utf-8"))
    doc = load_document(path)
    assert "\r\n" in doc.text  # newlines are kept as in the file, so offsets are file offsets
    result = _text_chunks_match_slices(path)
    intro = next(c for c in result.chunks if c.text.startswith("1. Introduction"))
    assert intro.section == ["1. Introduction"]
    assert doc.text.split("\r\n")[intro.line_start - 1] == "1. Introduction"
    # same structure as the LF original
    lf = parse_file(MINI / "elsevier_survey.txt")
    assert [(c.kind, c.section, c.line_start) for c in result.chunks] == [
        (c.kind, c.section, c.line_start) for c in lf.chunks
    ]
    assert not any("\r" in c.text for c in result.chunks if c.kind != "text")


def test_utf8_bom_is_dropped_and_offsets_count_from_the_text(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + (MINI / "ieee_survey.txt").read_bytes())
    doc = load_document(path)
    assert not doc.text.startswith("\ufeff")
    assert doc.text.startswith("Foundation Test Models")
    result = _text_chunks_match_slices(path)
    assert result.title == "Foundation Test Models in Medical Image Analysis: A Systematic Review"


def test_latin1_bytes_are_refused_with_a_utf8_hint(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Café survey of médical imaging.\n".encode("latin-1"))
    with pytest.raises(UnreadableFile) as info:
        load_document(path)
    assert "UTF-8" in info.value.reason
    assert info.value.path == str(path)
    assert str(path) in str(info.value)


def test_binary_renamed_to_txt_is_refused_as_binary(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(UnreadableFile) as info:
        load_document(path)
    assert "binary" in info.value.reason


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  \n", b"\xef\xbb\xbf", "\u00a0\u3000\n".encode("utf-8")])
def test_empty_or_whitespace_only_files_are_refused_as_empty(tmp_path, data):
    path = tmp_path / "blank.md"
    path.write_bytes(data)
    with pytest.raises(UnreadableFile) as info:
        load_document(path)
    assert "empty" in info.value.reason  # (the reason alone: tmp_path names contain the test name)


@pytest.mark.parametrize("name", ["notes.docx", "README"])
def test_unsupported_suffix_names_the_type_and_the_supported_ones(tmp_path, name):
    path = tmp_path / name
    path.write_text("Some text that would otherwise be readable.", encoding="utf-8")
    with pytest.raises(UnreadableFile) as info:
        load_document(path)
    reason = info.value.reason
    assert "unsupported file type" in reason
    assert (path.suffix or "(none)") in reason
    assert ".txt" in reason and ".md" in reason and ".pdf" in reason


def test_missing_file_is_an_unreadable_file_not_an_oserror(tmp_path):
    with pytest.raises(UnreadableFile) as info:
        load_document(tmp_path / "gone.txt")
    assert info.value.reason.startswith("cannot read file")


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                          ("utf-16-le", b""), ("utf-16-be", b"")])
def test_utf16_text_is_decoded_with_or_without_a_byte_order_mark(tmp_path, encoding, bom):
    source = (MINI / "mdpi_preprint.txt").read_text(encoding="utf-8")
    path = tmp_path / "utf16.txt"
    path.write_bytes(bom + source.encode(encoding))
    doc = load_document(path)
    assert doc.text == source
    _text_chunks_match_slices(path)


def test_utf16_with_a_bad_sequence_is_refused_as_utf16_not_binary(tmp_path):
    path = tmp_path / "broken16.txt"
    path.write_bytes(b"\xff\xfe" + "A survey of models.\n".encode("utf-16-le") + b"\x00\xd8A\x00")  # lone surrogate
    with pytest.raises(UnreadableFile) as info:
        load_document(path)
    assert "UTF-16" in info.value.reason and "binary" not in info.value.reason


def test_a_nul_byte_anywhere_makes_the_file_binary(tmp_path):
    path = tmp_path / "late-nul.txt"
    path.write_bytes(b"A survey of segmentation models.\n" * 1000 + b"hidden\x00payload\n")
    assert path.stat().st_size > 8192
    with pytest.raises(UnreadableFile) as info:
        load_document(path)
    assert "NUL" in info.value.reason

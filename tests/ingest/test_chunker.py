"""Chunker: sentence-bounded text windows within the size limit, stable ids, exact line numbers."""
from __future__ import annotations

import re

import pytest

from ingest import records
from ingest.chunker import make_chunks
from ingest.pipeline import parse_file
from ingest.records import LoadedDocument, chunk_id
from ingest.sentences import sentence_spans
from ingest.structure import parse_text
from tests.ingest.conftest import kinds, parsed

SENTENCES = [f"Sentence number {i} describes how model {i} handles CT and MRI scans." for i in range(1, 13)]
GIANT = "This single sentence is deliberately long " + "and keeps going " * 20 + "until it ends."
BODY = "A Synthetic Survey Of Chunking Behaviour\n\n1. Introduction\n\n" + " ".join(SENTENCES) + "\n\n" + GIANT + "\n"


def _chunks(text: str, target: int, overlap: int = 1):
    doc = LoadedDocument(doc="synthetic.txt", path="synthetic.txt", text=text, checksum="0")
    return doc, make_chunks(doc, parse_text(text, doc.doc), target=target, overlap=overlap)


def test_text_chunks_are_whole_sentences_within_the_target_size():
    _, chunks = _chunks(BODY, target=200)
    body = [c for c in chunks if "Sentence number" in c.text]
    assert len(body) > 3
    for chunk in body:
        lines = chunk.text.split("\n\n")
        sentences = lines[-1]
        assert re.fullmatch(r"(Sentence number \d+ [^.]*\.)( Sentence number \d+ [^.]*\.)*", sentences), chunk.text
        assert len(chunk.text) <= 200


def test_windows_overlap_by_one_sentence_and_cover_every_sentence():
    _, chunks = _chunks(BODY, target=200, overlap=1)
    numbers = [[int(n) for n in re.findall(r"Sentence number (\d+)", c.text)] for c in chunks if "Sentence number" in c.text]
    assert sorted({n for group in numbers for n in group}) == list(range(1, 13))
    for prev, nxt in zip(numbers, numbers[1:]):
        assert nxt[0] == prev[-1]  # the last sentence of a window opens the next one


def test_no_overlap_when_asked():
    _, chunks = _chunks(BODY, target=200, overlap=0)
    numbers = [n for c in chunks for n in re.findall(r"Sentence number (\d+) ", c.text)]
    assert numbers == [str(i) for i in range(1, 13)]


def test_a_sentence_longer_than_the_target_is_kept_whole_in_its_own_chunk():
    _, chunks = _chunks(BODY, target=200)
    giant = [c for c in chunks if "deliberately long" in c.text]
    assert len(giant) == 1
    assert giant[0].text.endswith(GIANT) and len(GIANT) > 200


def test_fixture_text_chunks_respect_the_size_limit_unless_one_sentence():
    result = parsed("elsevier_survey.txt", chunk_chars=200)
    for chunk in kinds(result, "text"):
        assert len(chunk.text) <= 200 or len(sentence_spans(chunk.text)) <= 2, chunk.text  # heading + one sentence
        assert chunk.text == chunk.text.strip()


def test_line_numbers_match_the_span():
    for name in ("elsevier_survey.txt", "mdpi_preprint.txt", "paper_list.md"):
        result = parsed(name)
        text = result.document.text
        for chunk in result.chunks:
            assert chunk.line_start == text.count("\n", 0, chunk.start) + 1
            if chunk.kind in ("text", "table-row") and chunk.text == text[chunk.start:chunk.end]:
                assert chunk.line_end == text.count("\n", 0, chunk.end) + 1


def test_ids_are_stable_across_runs_and_unique_within_a_document(mini):
    first = [c.id for c in parse_file(mini / "elsevier_survey.txt").chunks]
    second = [c.id for c in parse_file(mini / "elsevier_survey.txt").chunks]
    assert first == second
    assert len(set(first)) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in first)


def test_ids_are_derived_from_document_span_and_kind():
    result = parsed("ieee_survey.txt")
    for chunk in result.chunks:
        assert chunk.id == chunk_id(chunk.doc, chunk.start, chunk.end, chunk.kind)


@pytest.mark.parametrize(
    "other",
    [("b.txt", 0, 10, "text"), ("a.txt", 1, 10, "text"), ("a.txt", 0, 11, "text"), ("a.txt", 0, 10, "reference")],
)
def test_id_changes_with_document_span_or_kind(other):
    assert chunk_id(*other) != chunk_id("a.txt", 0, 10, "text")


def test_id_changes_with_the_chunker_version(monkeypatch):
    before = chunk_id("a.txt", 0, 10, "text")
    monkeypatch.setattr(records, "CHUNKER_VERSION", records.CHUNKER_VERSION + "-next")
    assert chunk_id("a.txt", 0, 10, "text") != before


def test_same_input_gives_identical_chunks():
    _, one = _chunks(BODY, target=200)
    _, two = _chunks(BODY, target=200)
    assert [c.to_dict() for c in one] == [c.to_dict() for c in two]


def test_chunk_round_trips_through_a_dict_and_search_text_carries_context():
    row = kinds(parsed("elsevier_survey.txt"), "table-row")[0]
    assert type(row).from_dict(row.to_dict()) == row
    context, body = row.search_text().split("\n", 1)
    assert context.startswith(row.doc_title) and "2.1. Pretraining" in context and row.caption in context
    assert body == row.text
    assert row.section_path == "2. Methods > 2.1. Pretraining"

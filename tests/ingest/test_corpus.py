"""The bundled corpus parses into sensible records (no embeddings involved)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import Skipped, discover, try_parse

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"
SURVEYS = ("fm-medical-image-analysis-meta-analysis.txt", "mmfm-healthcare-review.txt",
           "taming-vlms-medical-image-analysis.txt")


@pytest.fixture(scope="module")
def corpus():
    results = [try_parse(path) for path in discover([CORPUS]).files]
    skipped = [r for r in results if isinstance(r, Skipped)]
    return {r.document.doc: r for r in results if not isinstance(r, Skipped)}, skipped


def _kind(result, kind):
    return [c for c in result.chunks if c.kind == kind]


def test_all_four_documents_parse_and_none_is_skipped(corpus):
    docs, skipped = corpus
    assert skipped == []
    assert sorted(docs) == sorted(SURVEYS + ("awesome-medical-vlm.md",))


@pytest.mark.parametrize("name", SURVEYS)
def test_each_survey_has_references_and_table_rows(corpus, name):
    result = corpus[0][name]
    refs = _kind(result, "reference")
    assert len(refs) > 100
    assert len({c.fields["number"] for c in refs}) == len(refs)
    assert sum(1 for c in refs if c.fields.get("title") and c.fields.get("year")) > 0.9 * len(refs)
    assert _kind(result, "table-row")
    assert not any(c.section == ["References"] for c in _kind(result, "text"))


def test_markdown_list_has_paper_items(corpus):
    items = _kind(corpus[0]["awesome-medical-vlm.md"], "list-item")
    assert len(items) >= 10
    assert all(c.fields.get("Title") and c.fields.get("Link", "").startswith("http") for c in items)


def test_medsam_row_of_the_meta_analysis_table_1(corpus):
    rows = [c for c in _kind(corpus[0]["fm-medical-image-analysis-meta-analysis.txt"], "table-row")
            if c.fields.get("Model") == "MedSAM"]
    assert len(rows) == 1
    assert "Training data Size: ~1.6M" in rows[0].text
    assert rows[0].caption.startswith("Table.1.")


def test_chexagent_row_of_the_taming_table(corpus):
    rows = [c for c in _kind(corpus[0]["taming-vlms-medical-image-analysis.txt"], "table-row")
            if c.text.startswith("Models: CheXagent")]
    assert len(rows) == 1
    assert "8.4 M image-text pairs" in rows[0].text
    assert rows[0].caption.startswith("Table 1:")


def test_no_chunk_contains_site_boilerplate(corpus):
    for result in corpus[0].values():
        assert not any("Privacy Policy" in c.text for c in result.chunks)


def test_every_chunk_span_lies_within_its_document(corpus):
    for result in corpus[0].values():
        size = len(result.document.text)
        for chunk in result.chunks:
            assert 0 <= chunk.start < chunk.end <= size
            if chunk.kind == "text" and not chunk.text.startswith("Section '"):
                assert result.document.text[chunk.start:chunk.end] == chunk.text

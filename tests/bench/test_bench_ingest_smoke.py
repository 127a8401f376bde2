"""Smoke tests of the ingest and query-scale benchmarks' own parts: the generated PDFs read as two-column
papers with tables and references; the synthetic index loads and answers (no timing assertions)."""
from __future__ import annotations

from bench.make_pdfs import LAYOUTS, make_corpus
from ingest.pipeline import parse_file


def test_generated_pdfs_are_multi_page_papers_with_tables_and_references_in_every_layout(tmp_path):
    paths = make_corpus(tmp_path / "pdfs", count=len(LAYOUTS))
    assert [p.name for p in make_corpus(tmp_path / "pdfs", count=len(LAYOUTS))] == [p.name for p in paths]  # kept
    for path, layout in zip(paths, LAYOUTS):
        parsed = parse_file(path)
        assert layout in path.name and len(parsed.document.pages) >= 2, path.name
        kinds = {c.kind for c in parsed.chunks}
        assert "text" in kinds and "reference" in kinds, (path.name, kinds)
        assert "Model Backbone Modality" in parsed.document.text.replace("\n", " "), path.name


def test_the_synthetic_index_holds_the_copies_and_answers(tiny_settings, tmp_path):
    from surveyqa.service import SurveyQA
    from bench.bench_query_scale import synthesise
    from index.store import load_index

    small = load_index(tiny_settings.index_dir)
    built = synthesise(tiny_settings.index_dir, tmp_path / "large", 3 * len(small.chunks))
    large = load_index(tmp_path / "large")
    assert built["chunks"] == len(large.chunks) == 3 * len(small.chunks)
    assert len(large.documents) == 3 * len(small.documents) and len(large.unit_vectors) == 3 * len(small.unit_vectors)
    answer = SurveyQA(tiny_settings.model_copy(update={"index_dir": tmp_path / "large"})).ask("What is Zorblax?")
    assert answer.retrieved

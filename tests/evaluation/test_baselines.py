"""Baselines: spans of the plain LangChain pipeline point into the original document text."""
from __future__ import annotations

import json

from evaluation.baselines import PlainLangChain, run_baselines, sentence_spans
from evaluation.gold import parse_item
from tests.evaluation.conftest import GOLD


def test_sentence_spans():
    text = "First one. Second one!\nThird line without end\n\n  Fourth? Yes."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "First one.", "Second one!", "Third line without end", "Fourth?", "Yes."]


def test_plain_langchain_spans(eval_qa):
    from index.embeddings import make_embedder

    texts = eval_qa.doc_texts
    plain = PlainLangChain.build(texts, make_embedder(eval_qa.settings.embedding_model))
    answer = plain.ask("How many slide-report pairs does Slidewise use?", k=5, question_id="x")
    assert answer.retrieved and not answer.abstained and answer.id == "x"
    for passage in answer.retrieved:
        assert texts[passage.doc][passage.start:passage.end] == passage.text
    citation = answer.citations[0]
    assert texts[citation.doc][citation.start:citation.end] == citation.text
    assert texts[citation.doc][citation.quote_start:citation.quote_end] == citation.quote
    assert citation.quote in citation.text and answer.answer.endswith("[1]")
    assert "300,000" in answer.answer  # the closest sentence of the top passage


def test_run_baselines_records(eval_qa):
    items = [parse_item(json.dumps(row), f"gold:{n}") for n, row in enumerate(GOLD, start=1)]
    calls = []
    results = run_baselines(["bm25-only", "langchain-plain"], items, eval_qa, 5, lambda *a: calls.append(a))
    assert set(results) == {"bm25-only", "langchain-plain"}
    assert results["bm25-only"].metrics["system"] == "bm25-only"
    assert all(r["retrieved"] for r in results["langchain-plain"].records)
    assert ("langchain-plain", 4, 4) in calls
    texts = eval_qa.doc_texts
    for record in results["bm25-only"].records:
        assert record["retrieved"]
        for p in record["retrieved"]:
            assert 0 <= p["start"] < p["end"] <= len(texts[p["doc"]])

"""Retrieval on the bundled corpus against the dev gold set (issue targets)."""
import pytest

from evaluation.gold import load_gold, locate_evidence
from evaluation.metrics import compute_metrics
from tests.conftest import DEV_GOLD

pytestmark = pytest.mark.integration


def _metrics(qa, mode):
    items = load_gold(DEV_GOLD)
    assert locate_evidence(items, qa.doc_texts) == []
    records = []
    for item in items:
        hits = qa.retriever.search(item.question, 5, mode)
        records.append({"retrieved": [{"doc": h.chunk.doc, "start": h.chunk.start, "end": h.chunk.end} for h in hits]})
    return compute_metrics(items, records, 5)[0]


def test_hybrid_meets_targets_and_beats_each_retriever_alone(corpus_qa):
    hybrid, dense, bm25 = (_metrics(corpus_qa, m) for m in ("hybrid", "dense", "bm25"))
    assert hybrid["retrieval_recall_at_k"] >= 0.85
    assert hybrid["mrr"] >= 0.70
    for single in (dense, bm25):
        assert hybrid["retrieval_recall_at_k"] > single["retrieval_recall_at_k"]
        assert hybrid["mrr"] > single["mrr"]

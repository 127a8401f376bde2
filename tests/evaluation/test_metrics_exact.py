"""compute_metrics on hand-made answer records: every number below is computed by hand."""
from __future__ import annotations

import pytest

from evaluation.gold import Evidence, GoldItem
from evaluation.metrics import compute_metrics, recall_curve

README_KEYS = {
    "retrieval_recall_at_k", "retrieval_full_recall_at_k", "mrr", "key_fact_accuracy", "exact_all_facts",
    "citation_precision", "citation_recall", "abstention_accuracy", "false_abstention_rate", "mean_answer_chars",
    "latency_p50_ms", "latency_p95_ms", "k",
}


def _item(qid, type_, difficulty, facts, evidence):
    return GoldItem(qid, f"question {qid}", "gold", facts, [Evidence(d, "q", s, e) for d, s, e in evidence], type_, difficulty)


def _span(doc, start, end, rank=None):
    row = {"doc": doc, "start": start, "end": end, "text": "x", "chunk_id": f"{doc}-{start}"}
    return {**row, "rank": rank} if rank else row


ITEMS = [
    # A: evidence d1[100,200); hit at rank 2 (overlap 60 >= 50); cites one good and one bad passage; 1 of 2 facts
    _item("A", "factoid", "easy", ["Fundora", "7 layers"], [("d1", 100, 200)]),
    # B: evidence in d1 and d2; rank-1 chunk d2[0,30) is shorter than half the quote and fully inside: covers
    _item("B", "numeric", "hard", ["0.94"], [("d1", 300, 400), ("d2", 0, 100)]),
    _item("C", "unanswerable", "easy", [], []),
    # D: evidence d2[500,600); chunk d2[580,700) overlaps 20 < 50: no hit; false abstention
    _item("D", "factoid", "medium", ["Slidewise"], [("d2", 500, 600)]),
]
RECORDS = [
    {"answer": "The Fundora model [1]", "abstained": False, "latency_ms": 100,
     "retrieved": [_span("d1", 0, 90, 1), _span("d1", 140, 260, 2)],
     "citations": [_span("d1", 140, 260), _span("d1", 0, 90)]},
    {"answer": "It is 0.94 [1]", "abstained": False, "latency_ms": 300,
     "retrieved": [_span("d2", 0, 30, 1)], "citations": [_span("d2", 0, 30)]},
    {"answer": "No answer.", "abstained": True, "latency_ms": 200, "retrieved": [_span("d1", 0, 90, 1)], "citations": []},
    {"answer": "", "abstained": True, "latency_ms": 400, "retrieved": [_span("d2", 580, 700, 1)], "citations": []},
]


@pytest.fixture(scope="module")
def metrics():
    return compute_metrics(ITEMS, RECORDS, k=5)[0]


def test_overall_values(metrics):
    assert README_KEYS <= set(metrics)
    expected = {
        "count": 4, "answerable": 3, "k": 5,
        "retrieval_recall_at_k": 0.6667,        # A, B hit; D does not
        "retrieval_recall_at_5": 0.6667,
        "retrieval_full_recall_at_k": 0.3333,   # only A (B misses its d1 quote)
        "mrr": 0.5,                              # (1/2 + 1 + 0) / 3
        "key_fact_accuracy": 0.5,                # (1/2 + 1 + 0) / 3
        "exact_all_facts": 0.3333,               # only B
        "citation_precision": 0.6667,            # 2 good of 3 citations
        "citation_recall": 0.6667,               # A and B
        "abstention_accuracy": 1.0,              # C abstained
        "false_abstention_rate": 0.3333,         # D abstained
        "mean_answer_chars": 11.25,              # (21 + 14 + 10 + 0) / 4
        "latency_p50_ms": 250.0,                 # median of 100, 200, 300, 400
        "latency_p95_ms": 385.0,                 # 300 + 0.85 * 100 (linear interpolation)
    }
    assert {key: metrics[key] for key in expected} == expected


def test_groups(metrics):
    assert set(metrics["by_type"]) == {"factoid", "numeric", "unanswerable"}
    assert set(metrics["by_difficulty"]) == {"easy", "medium", "hard"}
    factoid = metrics["by_type"]["factoid"]
    assert (factoid["retrieval_recall_at_k"], factoid["mrr"], factoid["key_fact_accuracy"]) == (0.5, 0.25, 0.25)
    assert (factoid["citation_precision"], factoid["false_abstention_rate"]) == (0.5, 0.5)
    numeric = metrics["by_type"]["numeric"]
    assert (numeric["mrr"], numeric["retrieval_full_recall_at_k"], numeric["key_fact_accuracy"]) == (1.0, 0.0, 1.0)
    unanswerable = metrics["by_type"]["unanswerable"]
    assert unanswerable["answerable"] == 0 and unanswerable["retrieval_recall_at_k"] is None
    assert unanswerable["abstention_accuracy"] == 1.0
    easy = metrics["by_difficulty"]["easy"]
    assert (easy["count"], easy["mrr"], easy["abstention_accuracy"], easy["mean_answer_chars"]) == (2, 0.5, 1.0, 15.5)


def test_recall_curve():
    curve = recall_curve(ITEMS, RECORDS, 20)
    assert len(curve) == 20
    assert curve[:3] == [0.3333, 0.6667, 0.6667] and curve[-1] == 0.6667


def test_curve_uses_a_deeper_ranking_when_one_is_given():
    from answer.records import Answer
    from evaluation.run import evaluate

    deeper = {"D": [_span("d1", 0, 90)] * 6 + [_span("d2", 500, 600)]}  # D's evidence only at rank 7

    def answer(item):
        return Answer(item.question, "x", False)

    result = evaluate([ITEMS[3]], answer, {"d1": "a" * 1000, "d2": "b" * 1000}, k=5,
                      rank=lambda item: deeper[item.id])
    assert result.curve[5] == 0.0 and result.curve[6] == 1.0


def test_yes_no_counts_only_the_first_word_after_markers():
    items = [_item(q, "yes-no", "medium", [fact], [("d1", 0, 10)]) for q, fact in
             (("y1", "Yes"), ("y2", "Yes"), ("n1", "No"), ("n2", "No"))]
    records = [{"answer": answer, "abstained": False, "retrieved": [], "citations": []} for answer in (
        "[1] yes, they do.",                  # first word after the marker: found
        "No. Yes appears later.",             # later 'Yes' does not count
        "No [2]: they did not.",              # found
        "Nothing is said; no.",               # 'nothing' is not 'no'
    )]
    metrics, scores = compute_metrics(items, records, k=5)
    assert [s["facts_found"] for s in scores] == [["Yes"], [], ["No"], []]
    assert metrics["key_fact_accuracy"] == 0.5 and metrics["by_type"]["yes-no"]["exact_all_facts"] == 0.5


def test_answerable_items_without_key_facts_are_left_out_of_key_fact_accuracy():
    items = [_item("a", "factoid", "easy", ["Fundora"], [("d1", 0, 10)]),
             _item("b", "factoid", "easy", [], [("d1", 0, 10)])]
    records = [{"answer": "Fundora [1]", "abstained": False, "retrieved": [], "citations": []},
               {"answer": "whatever", "abstained": False, "retrieved": [], "citations": []}]
    metrics = compute_metrics(items, records, k=5)[0]
    assert metrics["key_fact_accuracy"] == 1.0 and metrics["exact_all_facts"] == 1.0
    assert metrics["answerable"] == 2 and metrics["false_abstention_rate"] == 0.0

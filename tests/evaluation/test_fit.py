"""Fitting by cross-validation (fusion weights, thresholds, setting values) on hand-made data whose best choice is known."""
from __future__ import annotations

import numpy as np

from evaluation.fit import (Candidates, answer_score, cross_validate, cross_validate_choice, cross_validate_threshold,
                            decision_rates, folds_of, grid_points, rank_scores, set_metrics)
from index.hits import Hit
from index.retrieval import Fusion
from ingest.records import Chunk


def _item(set_name: str, n: int, dense: list[float], bm25: list[float], relevant: int) -> Candidates:
    """Three candidates; ``relevant`` is the one covering the evidence."""
    parts = np.array([dense, bm25, [0.0, 0.0, 0.0]])
    return Candidates(set_name, f"{set_name}-{n}", ["dense", "bm25", "units"], {"weighted": parts, "rrf": parts},
                      np.zeros(3), np.zeros(3), np.zeros(3), np.arange(3) == relevant)


# Evidence is candidate 0. Set "lexical": BM25 ranks it first, dense second; it is first for a
# dense weight d < 1.25 (0.2 d + 1 > d). Set "semantic": dense ranks it first, BM25 second; it is
# first for d > 0.8 (d + 0.6 > 0.5 d + 1). Only d = 1 of the grid serves both sets.
ITEMS = ([_item("lexical", n, [0.2, 1.0, 0.0], [1.0, 0.0, 0.6], 0) for n in range(10)]
         + [_item("semantic", n, [1.0, 0.0, 0.5], [0.6, 0.0, 1.0], 0) for n in range(10)])


def test_rank_scores_follow_the_fused_order():
    item = ITEMS[0]
    assert rank_scores(item, Fusion({"dense": 0.0, "bm25": 1.0}), 1) == (1.0, 1.0)
    assert rank_scores(item, Fusion({"dense": 1.0, "bm25": 0.0}), 1) == (0.0, 0.0)
    assert rank_scores(item, Fusion({"dense": 1.0, "bm25": 0.0}), 2) == (1.0, 0.5)


def test_folds_are_dealt_within_each_set():
    names = [i.set_name for i in ITEMS]
    fold = folds_of(names, 5, seed=0)
    for name in ("lexical", "semantic"):
        counts = np.bincount([f for f, i in zip(fold, ITEMS) if i.set_name == name], minlength=5)
        assert counts.tolist() == [2, 2, 2, 2, 2]
    assert folds_of(names, 5, seed=0) == fold


def test_cross_validation_finds_the_weights_that_serve_both_sets():
    bm25_only = Fusion({"dense": 0.0, "bm25": 1.0, "units": 0.0})
    result = cross_validate(ITEMS, bm25_only, k=1, folds=5)
    assert result.baseline["lexical"]["recall_at_k"] == 1.0 and result.baseline["semantic"]["recall_at_k"] == 0.0
    assert result.held_out == {"lexical": {"recall_at_k": 1.0, "mrr": 1.0, "items": 10},
                               "semantic": {"recall_at_k": 1.0, "mrr": 1.0, "items": 10}}
    assert result.chosen["dense_weight"] == 1.0 and len(result.per_fold) == 5
    chosen = Fusion({"dense": result.chosen["dense_weight"], "bm25": 1.0, "units": result.chosen["unit_weight"]},
                    result.chosen["method"], 60, result.chosen["doc_prior_weight"], result.chosen["entity_weight"],
                    result.chosen["section_weight"])
    assert set_metrics(ITEMS, chosen, 1)["semantic"]["mrr"] == 1.0


def test_the_grid_scores_like_the_retriever():
    """A grid point scores candidates exactly as ``Fusion.score`` ranks hits in a search."""
    chunks = [Chunk(f"c{i}", "d.txt", "D", [], "text", "x", i, i + 1, 1, 1) for i in range(3)]
    rankings = {"dense": {2: 0.9, 0: 0.5, 1: 0.1}, "bm25": {0: 7.0, 1: 3.0}, "units": {}}
    hits = {p: Hit(chunks[p], 0.0) for p in (2, 0, 1)}
    hits[1].named, hits[2].prior, hits[0].section_match = True, 1.0, 0.5
    for point in grid_points()[::37]:
        point.score(hits, rankings)
        by_score = sorted(hits, key=lambda p: -hits[p].score)
        parts = point.parts(list(hits), rankings)
        item = Candidates("s", "i", list(rankings), {point.method: parts}, np.array([h.prior for h in hits.values()]),
                          np.array([float(h.named) for h in hits.values()]),
                          np.array([h.section_match for h in hits.values()]), np.array([p == by_score[0] for p in hits]))
        assert rank_scores(item, point, 1) == (1.0, 1.0), point


def test_threshold_cross_validation_separates_what_can_be_separated():
    # set a: positives at 0.6..0.9, negatives at 0.1..0.4; set b: the same, shifted down by 0.05
    samples = [("a", v / 10, v >= 6) for v in range(1, 10) if v != 5] * 3
    samples += [("b", v / 10 - 0.05, v >= 6) for v in range(1, 10) if v != 5] * 3
    fit = cross_validate_threshold(samples, current=0.0, target="test", folds=3)
    assert fit.current["a"] == {"positive_rate": 1.0, "negative_rate": 0.0, "balanced": 0.5, "items": 24}
    assert fit.held_out["a"]["balanced"] == fit.held_out["b"]["balanced"] == 1.0
    assert 0.35 < fit.chosen <= 0.55 and len(fit.per_fold) == 3
    assert decision_rates(samples, fit.chosen)["b"]["balanced"] == 1.0


def test_choice_cross_validation_takes_the_value_best_for_both_sets():
    names = ["a"] * 10 + ["b"] * 10
    # value 1.0 is best on a, 2.0 on b, 3.0 second best on both: the mean over sets picks 3.0
    scores = {1.0: [1.0] * 10 + [0.0] * 10, 2.0: [0.0] * 10 + [1.0] * 10, 3.0: [0.8] * 10 + [0.8] * 10}
    fit = cross_validate_choice("w", names, scores, folds=5)
    assert fit.chosen == 3.0 and fit.per_fold == [3.0] * 5
    assert fit.held_out == {"a": 0.8, "b": 0.8} and fit.by_value["1.0"] == {"a": 1.0, "b": 0.0}


def test_answer_score_counts_facts_and_citation_precision_or_abstention():
    from evaluation.gold import GoldItem

    def item(type_, facts):
        return GoldItem("i", "q", "a", facts, [], type_, "easy")

    cited = {"abstained": False, "citations": 4, "good_citations": 3}
    assert answer_score(item("factoid", ["x", "y"]), {**cited, "key_fact_share": 0.5}) == 0.625
    assert answer_score(item("factoid", ["x"]), {**cited, "key_fact_share": 0.0, "citations": 0}) == 0.0
    assert answer_score(item("unanswerable", []), {**cited, "key_fact_share": 1.0, "abstained": True}) == 1.0
    assert np.isnan(answer_score(item("factoid", []), {**cited, "key_fact_share": 1.0}))

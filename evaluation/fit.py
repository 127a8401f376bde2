"""Fit the hybrid fusion by k-fold cross-validation over several gold sets at once.

Each item's candidates (every channel's top ``n`` within the item's scope, with raw scores) are
collected once; every grid point then only re-weighs them, so hundreds of points cost seconds.
Folds are drawn within each set. For each fold the point with the best mean objective over the
sets on the other folds is scored on the held-out fold: those held-out figures are what
:class:`FitResult` reports. The point chosen on all items is the one to put in the settings."""
from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from evaluation.gold import GoldItem, locate_evidence
from evaluation.metrics import covers
from evaluation.run import scope_filters
from index.retrieval import CHANNELS, Fusion, bonus_inputs

GRID = {
    "dense": (0.0, 0.25, 0.5, 1.0, 2.0),
    "units": (0.0, 0.25, 0.5, 1.0, 2.0),
    "entity": (0.0, 0.15, 0.3, 0.6),
    "doc_prior": (0.0, 0.1, 0.3),
    "section": (0.0, 0.25, 0.5, 1.0),
    "method": ("weighted", "rrf"),
}


@dataclass
class Candidates:
    """One item's candidate chunks as fusion sees them, and which of them cover its evidence."""

    set_name: str
    item_id: str
    channels: list[str]
    parts: dict[str, np.ndarray]  # fusion method -> (channels x candidates)
    prior: np.ndarray
    named: np.ndarray
    section: np.ndarray  # Hit.section_match per candidate
    relevant: np.ndarray  # bool per candidate


def collect(retriever, items: list[GoldItem], set_name: str, depth: int = 50, rrf_k: int = 60,
            progress: Callable[[int, int], None] | None = None) -> list[Candidates]:
    """The candidates of every answerable item (evidence located in the retriever's texts)."""
    locate_evidence(items, retriever.doc_texts)
    out = []
    answerable = [i for i in items if i.answerable and i.evidence]
    for number, item in enumerate(answerable, start=1):
        hits, rankings = retriever.candidates(item.question, depth, scope_filters(item), CHANNELS)
        positions = list(hits)
        parts = {m: Fusion({}, m, rrf_k).parts(positions, rankings) for m in ("weighted", "rrf")}
        chosen = [hits[p] for p in positions]
        out.append(Candidates(set_name, item.id, list(rankings), parts, *bonus_inputs(chosen),
                              np.array([covers(h.chunk.doc, h.chunk.start, h.chunk.end, item) for h in chosen])))
        if progress:
            progress(number, len(answerable))
    return out


def grid_points(grid: dict = GRID, rrf_k: int = 60) -> list[Fusion]:
    """Every combination of ``grid`` as a fusion (BM25 weight fixed at 1: only ratios matter)."""
    return [Fusion({"dense": d, "bm25": 1.0, "units": u}, m, rrf_k, p, e, s)
            for d, u, e, p, s, m in itertools.product(grid["dense"], grid["units"], grid["entity"], grid["doc_prior"],
                                                       grid["section"], grid["method"])]


def rank_scores(item: Candidates, fusion: Fusion, k: int) -> tuple[float, float]:
    """``(hit within top k, reciprocal rank of the first covering candidate within k)``."""
    if not len(item.relevant):
        return 0.0, 0.0
    weights = np.array([fusion.weights.get(c, 0.0) for c in item.channels])
    fused = weights @ item.parts[fusion.method] + fusion.bonus(item.prior, item.named, item.section)
    top = np.argsort(-fused, kind="stable")[:k]
    hits = np.flatnonzero(item.relevant[top])
    return (1.0, 1.0 / (hits[0] + 1)) if len(hits) else (0.0, 0.0)


def set_metrics(items: list[Candidates], fusion: Fusion, k: int) -> dict[str, dict[str, float]]:
    """Recall@k and MRR per set."""
    by_set: dict[str, list[tuple[float, float]]] = {}
    for item in items:
        by_set.setdefault(item.set_name, []).append(rank_scores(item, fusion, k))
    return {name: {"recall_at_k": float(np.mean([r for r, _ in s])), "mrr": float(np.mean([m for _, m in s])),
                   "items": len(s)} for name, s in sorted(by_set.items())}


def objective(metrics: dict[str, dict[str, float]]) -> float:
    """Mean over sets of (recall@k + MRR) / 2: each set counts the same, however many items it has."""
    return float(np.mean([(m["recall_at_k"] + m["mrr"]) / 2 for m in metrics.values()]))


def best_point(items: list[Candidates], points: list[Fusion], k: int) -> tuple[Fusion, float]:
    """The grid point with the highest objective on ``items`` (the first of equals)."""
    scored = [(objective(set_metrics(items, p, k)), -i) for i, p in enumerate(points)]
    value, index = max(scored)
    return points[-index], value


def folds_of(set_names: list[str], folds: int, seed: int) -> list[int]:
    """A fold number per item (given by its set's name), dealt round-robin within each set after
    a seeded shuffle."""
    fold = [0] * len(set_names)
    rng = random.Random(seed)
    for name in sorted(set(set_names)):
        members = [n for n, s in enumerate(set_names) if s == name]
        rng.shuffle(members)
        for order, n in enumerate(members):
            fold[n] = order % folds
    return fold


@dataclass
class FitResult:
    """Held-out-fold metrics per set, the baseline's on the same items, and the chosen point."""

    k: int
    folds: int
    held_out: dict[str, dict[str, float]]
    baseline: dict[str, dict[str, float]]
    chosen: dict
    per_fold: list[dict] = field(default_factory=list)


def _describe(fusion: Fusion) -> dict:
    return {"method": fusion.method, "dense_weight": fusion.weights["dense"], "bm25_weight": fusion.weights["bm25"],
            "unit_weight": fusion.weights["units"], "entity_weight": fusion.entity, "doc_prior_weight": fusion.doc_prior,
            "section_weight": fusion.section}


def cross_validate(items: list[Candidates], baseline: Fusion, points: list[Fusion] | None = None, k: int = 5,
                   folds: int = 5, seed: int = 0) -> FitResult:
    """Choose on k-1 folds, score on the held-out one; the held-out rank scores of all folds
    together give the reported figures."""
    points = points or grid_points(rrf_k=baseline.rrf_k)
    fold = folds_of([i.set_name for i in items], folds, seed)
    held: list[tuple[Candidates, tuple[float, float]]] = []
    per_fold = []
    for f in range(folds):
        train = [i for i, n in zip(items, fold) if n != f]
        test = [i for i, n in zip(items, fold) if n == f]
        chosen, value = best_point(train, points, k)
        held.extend((i, rank_scores(i, chosen, k)) for i in test)
        per_fold.append({"fold": f, "train_objective": round(value, 4), **_describe(chosen)})
    held_out: dict[str, dict[str, float]] = {}
    for name in sorted({i.set_name for i in items}):
        scores = [s for i, s in held if i.set_name == name]
        held_out[name] = {"recall_at_k": round(float(np.mean([r for r, _ in scores])), 4),
                          "mrr": round(float(np.mean([m for _, m in scores])), 4), "items": len(scores)}
    final, value = best_point(items, points, k)
    base = {n: {key: round(v, 4) for key, v in m.items()} for n, m in set_metrics(items, baseline, k).items()}
    return FitResult(k, folds, held_out, base, {**_describe(final), "objective_all_items": round(value, 4)}, per_fold)


@dataclass
class ThresholdFit:
    """A fitted ``value >= threshold`` decision: held-out-fold balanced accuracy per set, the
    current threshold's on the same items, and the threshold chosen on all items."""

    target: str
    folds: int
    held_out: dict[str, dict[str, float]]
    current: dict[str, dict[str, float]]
    chosen: float
    per_fold: list[float] = field(default_factory=list)


Sample = tuple[str, float, bool]  # (set name, value, whether the decision should be positive)


def _rates(decided: list[tuple[str, bool, bool]]) -> dict[str, dict[str, float]]:
    """Per set, from ``(set, should be positive, decided positive)``: the share of positives
    decided positive, of negatives decided negative, and their mean (balanced accuracy)."""
    out = {}
    for name in sorted({s for s, _, _ in decided}):
        pos = [d for s, p, d in decided if s == name and p]
        neg = [not d for s, p, d in decided if s == name and not p]
        rates = [float(np.mean(x)) for x in (pos, neg) if x]
        out[name] = {"positive_rate": round(float(np.mean(pos)), 4) if pos else None,
                     "negative_rate": round(float(np.mean(neg)), 4) if neg else None,
                     "balanced": round(float(np.mean(rates)), 4), "items": len(pos) + len(neg)}
    return out


def decision_rates(samples: list[Sample], threshold: float) -> dict[str, dict[str, float]]:
    """:func:`_rates` of deciding positive when ``value >= threshold``."""
    return _rates([(s, p, v >= threshold) for s, v, p in samples])


def _best_threshold(samples: list[Sample], min_positive_rate: float = 0.0) -> float:
    """The threshold with the best mean balanced accuracy over the sets among those that keep at
    least ``min_positive_rate`` of every set's positives: midpoints between neighbouring values,
    the middle one of equals."""
    values = sorted({v for _, v, _ in samples})
    cuts = [values[0] - 1e-6] + [(a + b) / 2 for a, b in zip(values, values[1:])] + [values[-1] + 1e-6]
    rates = [decision_rates(samples, t).values() for t in cuts]
    scored = [np.mean([m["balanced"] for m in r]) if all((m["positive_rate"] or 1.0) >= min_positive_rate for m in r)
              else -1.0 for r in rates]
    best = max(scored)
    ties = [t for t, s in zip(cuts, scored) if s >= best - 1e-12]
    return round(float(ties[len(ties) // 2]), 4)


def cross_validate_threshold(samples: list[Sample], current: float, target: str, folds: int = 5, seed: int = 0,
                             min_positive_rate: float = 0.0) -> ThresholdFit:
    """Choose the threshold on k-1 folds (within each set), decide the held-out fold with it."""
    fold = folds_of([s for s, _, _ in samples], folds, seed)
    decided, per_fold = [], []
    for f in range(folds):
        threshold = _best_threshold([x for x, n in zip(samples, fold) if n != f], min_positive_rate)
        per_fold.append(threshold)
        decided.extend((s, p, v >= threshold) for (s, v, p), n in zip(samples, fold) if n == f)
    return ThresholdFit(target, folds, _rates(decided), decision_rates(samples, current),
                        _best_threshold(samples, min_positive_rate), per_fold)


def support_samples(qa, items: list[GoldItem], set_name: str,
                    progress: Callable[[int, int], None] | None = None) -> list[Sample]:
    """Every item's answer support, answered with no support threshold, as abstention samples
    (positive = answerable); an item abstained for another reason (a term no document has)
    counts as support -1."""
    from answer.records import QuestionError

    unthresholded = qa.__class__(qa.settings.model_copy(update={"abstain_threshold": -1.0}), qa.retriever)
    out = []
    for number, item in enumerate(items, start=1):
        try:
            answer = unthresholded.extract(item.question, filters=scope_filters(item))
            out.append((set_name, -1.0 if answer.abstained else answer.support, item.answerable))
        except QuestionError:
            pass
        if progress:
            progress(number, len(items))
    return out


def answer_score(item: GoldItem, scores: dict) -> float:
    """One item's answer quality: when answerable with key facts, the mean of its key-fact share and
    its citation precision (0 with no citation), so an extra sentence pays for a wrong citation;
    whether it abstained when unanswerable (answerable items without key facts are not scored: NaN)."""
    if not item.answerable:
        return float(scores["abstained"])
    if not item.key_facts:
        return float("nan")
    precision = scores["good_citations"] / scores["citations"] if scores["citations"] else 0.0
    return (float(scores["key_fact_share"]) + precision) / 2


@dataclass
class ChoiceFit:
    """A setting chosen among candidate values by cross-validation: per value the mean answer
    score per set on all items, the held-out-fold scores per set, and the value chosen on all items."""

    setting: str
    folds: int
    by_value: dict[str, dict[str, float]]
    held_out: dict[str, float]
    chosen: float
    per_fold: list[float] = field(default_factory=list)


def _set_means(set_names: list[str], values: list[float], keep) -> dict[str, float]:
    out = {}
    for name in sorted(set(set_names)):
        chosen = [v for s, v, k in zip(set_names, values, keep) if s == name and k and not np.isnan(v)]
        out[name] = round(float(np.mean(chosen)), 4) if chosen else float("nan")
    return out


def cross_validate_choice(setting: str, set_names: list[str], scores: dict[float, list[float]], folds: int = 5,
                          seed: int = 0) -> ChoiceFit:
    """Choose the value with the best mean over sets of the mean item score on k-1 folds; score
    the held-out fold with it (``scores[value]`` holds one score per item, in ``set_names`` order)."""
    fold = folds_of(set_names, folds, seed)

    def best(keep) -> float:
        means = {v: float(np.nanmean(list(_set_means(set_names, s, keep).values()))) for v, s in scores.items()}
        return max(means, key=lambda v: (means[v], -abs(v)))

    held, per_fold = [float("nan")] * len(set_names), []
    for f in range(folds):
        value = best([n != f for n in fold])
        per_fold.append(value)
        for i, n in enumerate(fold):
            if n == f:
                held[i] = scores[value][i]
    every = [True] * len(set_names)
    return ChoiceFit(setting, folds, {str(v): _set_means(set_names, s, every) for v, s in scores.items()},
                     _set_means(set_names, held, every), best(every), per_fold)

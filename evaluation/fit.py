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
from dataclasses import asdict, dataclass, field

import numpy as np

from evaluation.gold import GoldItem, locate_evidence
from evaluation.metrics import covers
from evaluation.run import scope_filters
from index.retrieval import CHANNELS, Fusion

GRID = {
    "dense": (0.0, 0.25, 0.5, 1.0, 2.0),
    "units": (0.0, 0.25, 0.5, 1.0, 2.0),
    "entity": (0.0, 0.15, 0.3, 0.6),
    "doc_prior": (0.0, 0.1, 0.3),
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
        out.append(Candidates(set_name, item.id, list(rankings), parts,
                              np.array([h.prior for h in chosen]), np.array([h.named for h in chosen], dtype=float),
                              np.array([covers(h.chunk.doc, h.chunk.start, h.chunk.end, item) for h in chosen])))
        if progress:
            progress(number, len(answerable))
    return out


def grid_points(grid: dict = GRID, rrf_k: int = 60) -> list[Fusion]:
    """Every combination of ``grid`` as a fusion (BM25 weight fixed at 1: only ratios matter)."""
    return [Fusion({"dense": d, "bm25": 1.0, "units": u}, m, rrf_k, p, e)
            for d, u, e, p, m in itertools.product(grid["dense"], grid["units"], grid["entity"], grid["doc_prior"],
                                                    grid["method"])]


def rank_scores(item: Candidates, fusion: Fusion, k: int) -> tuple[float, float]:
    """``(hit within top k, reciprocal rank of the first covering candidate within k)``."""
    if not len(item.relevant):
        return 0.0, 0.0
    weights = np.array([fusion.weights.get(c, 0.0) for c in item.channels])
    fused = weights @ item.parts[fusion.method] + fusion.bonus_unit * (fusion.doc_prior * item.prior
                                                                        + fusion.entity * item.named)
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


def folds_of(items: list[Candidates], folds: int, seed: int) -> list[int]:
    """A fold number per item, dealt round-robin within each set after a seeded shuffle."""
    fold = [0] * len(items)
    rng = random.Random(seed)
    for name in sorted({i.set_name for i in items}):
        members = [n for n, i in enumerate(items) if i.set_name == name]
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

    def to_dict(self) -> dict:
        return asdict(self)


def _describe(fusion: Fusion) -> dict:
    return {"method": fusion.method, "dense_weight": fusion.weights["dense"], "bm25_weight": fusion.weights["bm25"],
            "unit_weight": fusion.weights["units"], "entity_weight": fusion.entity, "doc_prior_weight": fusion.doc_prior}


def cross_validate(items: list[Candidates], baseline: Fusion, points: list[Fusion] | None = None, k: int = 5,
                   folds: int = 5, seed: int = 0) -> FitResult:
    """Choose on k-1 folds, score on the held-out one; the held-out rank scores of all folds
    together give the reported figures."""
    points = points or grid_points(rrf_k=baseline.rrf_k)
    fold = folds_of(items, folds, seed)
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

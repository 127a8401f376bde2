"""Fit the answer-sentence scorer (``answer.sentence_model``) on a training gold set: every
candidate prose sentence the answerer would see for an answerable question with key facts
(yes-no items aside) is one example, labelled by whether its text contains one of the question's key facts.
Questions none of whose candidates holds a key fact teach nothing about choosing among them and
are left out. The L2 strength is chosen by k-fold cross-validation over the training questions
(top-1: the share of questions whose best-scored unit holds a key fact)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from answer.extractive import ExtractiveAnswerer
from answer.sentence_model import SentenceModel, fit_logistic
from evaluation.fit import folds_of
from evaluation.gold import GoldItem, normalise
from evaluation.run import scope_filters


@dataclass
class TrainingSet:
    """Feature rows, labels, and the question (index into the items used) each row belongs to."""

    matrix: np.ndarray
    labels: np.ndarray
    groups: np.ndarray


def training_set(qa, items: list[GoldItem], progress: Callable[[int, int], None] | None = None) -> TrainingSet:
    """The candidate prose sentences of every usable item, as the answerer cuts and features them."""
    answerer = ExtractiveAnswerer(qa.retriever, qa.settings.model_copy(update={"answer_gate": 1.0}))  # no model needed
    rows, labels, groups = [], [], []
    usable = [i for i in items if i.answerable and i.key_facts and i.type != "yes-no"]
    for number, item in enumerate(usable, start=1):
        query = qa.retriever.analyse(item.question)
        hits = qa.retriever.search(query, qa.settings.answer_candidates, filters=scope_filters(item))
        units, similarity = answerer.ranked(query, hits, qa.doc_texts)
        prose, matrix = answerer.prose_features(query, units, similarity)
        facts = [normalise(f) for f in item.key_facts]
        found = [any(f in normalise(u.text) for f in facts) for u in prose]
        if any(found):
            rows.append(matrix)
            labels += found
            groups += [number] * len(prose)
        if progress:
            progress(number, len(usable))
    if not rows:
        return TrainingSet(np.zeros((0, 0)), np.zeros(0), np.zeros(0, dtype=int))
    return TrainingSet(np.vstack(rows), np.array(labels, dtype=float), np.array(groups))


def top1(model: SentenceModel, data: TrainingSet) -> float:
    """Share of questions whose highest-probability unit holds a key fact (first of equals)."""
    probability = model.probability(data.matrix)
    hits = []
    for group in np.unique(data.groups):
        members = np.flatnonzero(data.groups == group)
        hits.append(data.labels[members[int(np.argmax(probability[members]))]])
    return float(np.mean(hits))


@dataclass
class SentenceFit:
    """Held-out top-1 per L2 strength, the strength chosen and the model fitted with it on all questions."""

    held_out_top1: dict[str, float]
    chosen_l2: float
    questions: int
    units: int
    model: SentenceModel


def fit_sentence_model(data: TrainingSet, strengths: list[float], folds: int = 5, seed: int = 0) -> SentenceFit:
    """Choose the L2 strength by grouped k-fold cross-validation, then fit on every question."""
    questions = np.unique(data.groups)
    fold_of = dict(zip(questions, folds_of(["train"] * len(questions), folds, seed)))
    row_fold = np.array([fold_of[g] for g in data.groups])
    held = {}
    for l2 in strengths:
        scores = []
        for f in range(folds):
            train, test = row_fold != f, row_fold == f
            model = fit_logistic(data.matrix[train], data.labels[train], l2)
            scores.append(top1(model, TrainingSet(data.matrix[test], data.labels[test], data.groups[test])))
        held[str(l2)] = round(float(np.mean(scores)), 4)
    chosen = max(strengths, key=lambda v: (held[str(v)], v))  # equals: the stronger pull to zero
    model = fit_logistic(data.matrix, data.labels, chosen)
    return SentenceFit(held, chosen, len(questions), len(data.labels), model)

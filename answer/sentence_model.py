"""A learned answer-sentence scorer: logistic regression over a few named, general features of a
candidate prose sentence (how it matches the question, where it sits, what it holds). Fitted on QASPER-train
(``evaluation.fit_sentences``) and stored as plain JSON: feature names, standardisation and weights."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.text import tokenize
from index.units import Unit

_DIGIT = re.compile(r"\d")
_FIRST_PERSON = re.compile(r"\b(we|our|us)\b", re.I)
_NAME = re.compile(r"(?<=[^.!?]\s)[A-Z][A-Za-z0-9-]*|\b[a-z]+[A-Z0-9][A-Za-z0-9-]*")  # mid-sentence capitals, CamelCase


@dataclass(frozen=True)
class UnitContext:
    """What a unit's features are computed from besides the unit: its coverage of the question's
    weighted terms, its section headings' coverage, its similarity to the question, the best
    coverage, similarity and hand-set score among the candidates, the question's terms, and
    whether the question asks for a number."""

    coverage: float
    section_coverage: float
    similarity: float
    best_coverage: float
    best_similarity: float
    best_score: float
    question_terms: frozenset
    numeric: bool


def _coverage(unit: Unit, c: UnitContext) -> float:
    return c.coverage


def _coverage_gap(unit: Unit, c: UnitContext) -> float:
    return c.best_coverage - c.coverage


def _section_coverage(unit: Unit, c: UnitContext) -> float:
    return c.section_coverage


def _similarity(unit: Unit, c: UnitContext) -> float:
    return c.similarity


def _similarity_gap(unit: Unit, c: UnitContext) -> float:
    return c.best_similarity - c.similarity


def _hand_score(unit: Unit, c: UnitContext) -> float:
    return unit.score


def _hand_gap(unit: Unit, c: UnitContext) -> float:
    return c.best_score - unit.score


def _passage_rank(unit: Unit, c: UnitContext) -> float:
    return 1.0 / max(unit.hit.rank, 1)


def _position(unit: Unit, c: UnitContext) -> float:
    return 1.0 / (1 + unit.position)


def _length(unit: Unit, c: UnitContext) -> float:
    return math.log(1 + len(unit.body))


def _novelty(unit: Unit, c: UnitContext) -> float:
    return len(unit.terms - c.question_terms) / (len(unit.terms) or 1)


def _new_names(unit: Unit, c: UnitContext) -> float:
    names = {t for m in _NAME.finditer(unit.body) for t in tokenize(m.group())}
    return math.log(1 + len(names - c.question_terms))


def _first_person(unit: Unit, c: UnitContext) -> float:
    return float(bool(_FIRST_PERSON.search(unit.body)))


def _has_digit(unit: Unit, c: UnitContext) -> float:
    return float(bool(_DIGIT.search(unit.body)))


def _number_for_numeric(unit: Unit, c: UnitContext) -> float:
    return float(c.numeric and bool(_DIGIT.search(unit.body)))


FEATURES = {
    "coverage": (_coverage, "share of the question's IDF-weighted terms the unit contains"),
    "coverage_gap": (_coverage_gap, "best candidate's coverage minus this unit's"),
    "section_coverage": (_section_coverage, "share of the question's weighted terms in the passage's section headings"),
    "similarity": (_similarity, "embedding cosine of the unit to the question"),
    "similarity_gap": (_similarity_gap, "best candidate's similarity minus this unit's"),
    "hand_score": (_hand_score, "the answerer's hand-set ranking score (coverage, bonuses, discounts, meaning)"),
    "hand_gap": (_hand_gap, "best candidate's hand-set score minus this unit's"),
    "passage_rank": (_passage_rank, "1 / retrieval rank of the unit's passage"),
    "position": (_position, "1 / (1 + the unit's place in its passage)"),
    "length": (_length, "log of the unit's length in characters"),
    "novelty": (_novelty, "share of the unit's terms that are not the question's"),
    "new_names": (_new_names, "log(1 + names, acronyms and mid-sentence capitals the question does not use)"),
    "first_person": (_first_person, "the unit speaks for the authors (we, our)"),
    "has_digit": (_has_digit, "the unit holds a digit"),
    "number_for_numeric": (_number_for_numeric, "the question asks for a number and the unit holds a digit"),
}


def unit_features(unit: Unit, context: UnitContext) -> list[float]:
    """The unit's feature vector, in ``FEATURES`` order."""
    return [function(unit, context) for function, _ in FEATURES.values()]


@dataclass(frozen=True)
class SentenceModel:
    """``P(unit holds the answer) = sigmoid(bias + weights . (features - mean) / scale)``."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    card: dict

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        """One probability per row of ``matrix`` (units x features)."""
        if not len(matrix):
            return np.zeros(0)
        logits = ((np.asarray(matrix, dtype=float) - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-logits))


class SentenceModelError(ValueError):
    """A stored sentence model that cannot be used with this code."""


def fit_logistic(matrix: np.ndarray, labels: np.ndarray, l2: float = 1.0, steps: int = 50) -> SentenceModel:
    """L2-regularised logistic regression by Newton's method on standardised features."""
    matrix, labels = np.asarray(matrix, dtype=float), np.asarray(labels, dtype=float)
    mean, scale = matrix.mean(axis=0), matrix.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = np.hstack([np.ones((len(matrix), 1)), (matrix - mean) / scale])
    theta = np.zeros(x.shape[1])
    penalty = np.diag([0.0] + [l2] * (x.shape[1] - 1))
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ theta)))
        gradient = x.T @ (p - labels) + penalty @ theta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return SentenceModel(tuple(FEATURES), mean, scale, theta[1:], float(theta[0]), {"l2": l2})


def save_model(path: Path, model: SentenceModel) -> None:
    """Write the model as JSON (features, standardisation, weights and its card)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"features": {name: {"description": FEATURES[name][1], "mean": round(float(m), 6), "scale": round(float(s), 6),
                                "weight": round(float(w), 6)}
                         for name, m, s, w in zip(model.features, model.mean, model.scale, model.weights)},
            "bias": round(model.bias, 6), "card": model.card}
    path.write_text(json.dumps(data, indent=2) + "\n")


@lru_cache(maxsize=4)
def load_model(path: Path) -> SentenceModel:
    """The model stored at ``path``; its features must be this code's ``FEATURES``, in order."""
    try:
        data = json.loads(Path(path).read_text())
        features = data["features"]
    except (OSError, ValueError, KeyError) as exc:
        raise SentenceModelError(f"sentence model {path} cannot be read ({exc}); set sentence_model to '' "
                                 "to run without it") from exc
    if tuple(features) != tuple(FEATURES):
        raise SentenceModelError(f"sentence model {path} has features {list(features)}, this code computes "
                                 f"{list(FEATURES)}; refit it with `surveyqa fit sentences`")
    mean, scale, weights = (np.array([features[n][key] for n in FEATURES], dtype=float)
                            for key in ("mean", "scale", "weight"))
    return SentenceModel(tuple(FEATURES), mean, scale, weights, float(data["bias"]), data.get("card", {}))
